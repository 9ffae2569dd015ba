"""Creating, listing, revoking and recognising members' API tokens.

A token is `carnet_` followed by 256 random bits (`secrets.token_urlsafe(32)`); only its
SHA-256 is stored (`carnet.feeds.links.hash_token`, the feed links' way), so it is shown once.
A request sends it as `Authorization: Bearer <token>`; the tenancy middleware asks
`member_for_bearer` who it is before any view runs, exactly where a session would be used.
Failed attempts are counted per client address (`carnet.feeds.throttle`): past
`API_TOKEN_MISS_RATE_LIMIT` the answer is 429 instead of 401.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_scopes import scopes_disabled

from carnet.api.models import ApiToken
from carnet.feeds.links import hash_token
from carnet.feeds.throttle import hit, parse_limit
from carnet.practices.models import AuditEntry, Membership

__all__ = ["BearerResult", "issue_token", "member_for_bearer", "member_tokens", "revoke_token"]

TOKEN_BYTES = 32
TOKEN_PREFIX = "carnet_"  # noqa: S105 (a marker that says what a leaked string is)
# How many characters of a token the list shows, after `carnet_`.
SHOWN = 6
# `last_used_at` is a hint for the member, not a log: written at most this often per token.
LAST_USED_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class BearerResult:
    """What a bearer token says: its member, or a status to answer (401, 429) with a wait."""

    membership: Membership | None
    status: int = 200
    retry_after: int | None = None


def issue_token(membership: Membership, name: str) -> tuple[ApiToken, str]:
    """A new token for the member; returns the saved row and the token, to show once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken.objects.create(
        membership=membership,
        name=name,
        token_hash=hash_token(token),
        prefix=token[: len(TOKEN_PREFIX) + SHOWN],
    )
    AuditEntry.objects.create(
        practice_id=membership.practice_id,
        actor=membership.user,
        action="api_token.created",
        subject=f"api_token:{row.pk}",
        detail={"name": name},
    )
    return row, token


def member_tokens(membership: Membership) -> QuerySet[ApiToken]:
    """The member's own tokens, revoked ones included (a member never sees another's)."""
    return ApiToken.objects.filter(membership=membership)


def revoke_token(membership: Membership, token_id: int) -> bool:
    """Stop one of the member's tokens at once; False if it is not theirs or already revoked."""
    changed = (
        member_tokens(membership)
        .filter(pk=token_id, revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )
    if changed:
        AuditEntry.objects.create(
            practice_id=membership.practice_id,
            actor=membership.user,
            action="api_token.revoked",
            subject=f"api_token:{token_id}",
            detail={},
        )
    return bool(changed)


def member_for_bearer(request: HttpRequest, token: str) -> BearerResult:
    """The membership an active token belongs to (any practice: the caller checks the slug)."""
    with scopes_disabled():  # finding the tenant is the one query that precedes its scope
        row = (
            ApiToken.objects.select_related("membership__practice", "membership__user")
            .filter(
                token_hash=hash_token(token),
                revoked_at__isnull=True,
                membership__user__is_active=True,  # a deactivated account's tokens stop too
            )
            .first()
        )
        if row is not None:
            now = timezone.now()
            if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
                ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    if row is None:
        address = str(request.META.get("REMOTE_ADDR", ""))
        wait = hit(f"api-token-miss:{address}", parse_limit(settings.API_TOKEN_MISS_RATE_LIMIT))
        return BearerResult(None, 429 if wait is not None else 401, wait)
    return BearerResult(row.membership)
