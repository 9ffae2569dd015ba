"""Creating, rotating, turning off and finding private feed links.

A link is `SITE_URL/feeds/<token>.ics` where the token is 256 random bits
(`secrets.token_urlsafe(32)`, 43 characters). Only `sha256(token)` is stored, so the link can be
shown once, when it is made, and never again: showing it again means regenerating it, which
stops the old one at once. The URL carries no name, so it says nothing about whose agenda it is.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carnet.accounts.models import User
from carnet.feeds.models import FeedLink
from carnet.practices.models import AuditEntry
from carnet.scheduling.models import Practitioner

__all__ = ["FeedUrls", "disable_link", "feed_urls", "hash_token", "issue_link", "link_for"]

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class FeedUrls:
    """The two spellings of one link: for pasting (https) and for one-click subscribing."""

    https: str
    webcal: str


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex. Tokens are random, so no salt is needed."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def feed_urls(token: str) -> FeedUrls:
    """The absolute URLs of a token's feed; `webcal://` is the same with the scheme swapped."""
    url = settings.SITE_URL + reverse("feeds:feed", kwargs={"token": token})
    _scheme, _sep, rest = url.partition("://")
    return FeedUrls(https=url, webcal=f"webcal://{rest}")


def link_for(practitioner: Practitioner) -> FeedLink:
    """The practitioner's link settings, created (turned off, default privacy) if absent."""
    link, _created = FeedLink.objects.get_or_create(practitioner=practitioner)
    return link


def _audit(link: FeedLink, action: str, actor: object | None, via: str) -> None:
    AuditEntry.objects.create(
        practice_id=link.practitioner.practice_id,
        actor=actor if isinstance(actor, User) else None,
        action=action,
        subject=f"practitioner:{link.practitioner_id}",
        detail={"via": via},
    )


@transaction.atomic
def issue_link(practitioner: Practitioner, actor: object | None = None, via: str = "web") -> str:
    """Turn the practitioner's link on with a new token and return the token.

    Used both to turn the link on and to regenerate it: any previous token stops working in
    the same transaction. The returned token is not stored anywhere; show it once.
    """
    link = FeedLink.objects.select_for_update().filter(practitioner=practitioner).first()
    if link is None:
        link = FeedLink(practitioner=practitioner)
    was_on = link.is_active
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link.token_hash = hash_token(token)
    link.enabled = True
    link.rotated_at = timezone.now()
    link.save()
    _audit(link, "feed_link.regenerated" if was_on else "feed_link.enabled", actor, via)
    return token


@transaction.atomic
def disable_link(practitioner: Practitioner, actor: object | None = None, via: str = "web") -> None:
    """Turn the link off. The token is forgotten, so turning it on again makes a new link."""
    link = FeedLink.objects.select_for_update().filter(practitioner=practitioner).first()
    if link is None or not link.is_active:
        return
    link.token_hash = None
    link.enabled = False
    link.save()
    _audit(link, "feed_link.disabled", actor, via)
