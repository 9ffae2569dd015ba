"""Inviting someone to a practice by email, and their accepting: the one door for both.

An invitation is an address, a role and a token of 256 random bits, good for seven days. Only
the token's SHA-256 is stored (`carnet.feeds.links.hash_token`, as for feed links): the token is
in the email and nowhere else. A wrong, expired or already used token is the same "not found",
so the invitation page tells nobody which addresses were invited. Inviting an address again
replaces its invitation (the old link stops working); an address that already belongs to a
member is refused. Accepting needs a login with the invited address, creates the membership and
deletes the invitation, so a link works once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from carnet.accounts.models import User
from carnet.feeds.links import hash_token
from carnet.practices.models import AuditEntry, Invitation, Membership, Practice, Role

__all__ = ["VALIDITY", "accept", "find", "invitation_url", "invite", "is_member", "revoke"]

TOKEN_BYTES = 32
VALIDITY = timedelta(days=7)


def invitation_url(token: str) -> str:
    """The absolute link put in the invitation email."""
    return settings.SITE_URL + reverse("invitation", kwargs={"token": token})


def _audit(practice: Practice, actor: User | None, action: str, email: str, role: str) -> None:
    AuditEntry.objects.create(
        practice=practice,
        actor=actor,
        action=action,
        subject=f"email:{email.lower()}"[:128],
        detail={"role": role},
    )


def is_member(practice: Practice, email: str) -> bool:
    return Membership.objects.filter(practice=practice, user__email__iexact=email).exists()


@transaction.atomic
def invite(practice: Practice, email: str, role: str, actor: User | None) -> tuple[Invitation, str]:
    """Invite `email` with `role`; return the invitation and its token (to email, then forget).

    Raises ValidationError when the address is already a member's. Any earlier invitation of
    the same address to this practice is replaced in the same transaction.
    """
    email = email.strip()
    if role not in Role.values:
        raise ValidationError(_("Choose a role."), code="role")
    if is_member(practice, email):
        raise ValidationError(
            _("%(email)s is already a member of this practice."),
            code="already_member",
            params={"email": email},
        )
    Invitation.objects.filter(practice=practice, email__iexact=email).delete()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation.objects.create(
        practice=practice,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + VALIDITY,
    )
    _audit(practice, actor, "invitation.sent", email, role)
    return invitation, token


def find(token: str) -> Invitation | None:
    """The unexpired invitation of this token, or None (unknown, expired or used alike)."""
    # Any practice's: finding the invitation is the one query before its practice's scope.
    with scopes_disabled():
        return (
            Invitation.objects.select_related("practice", "invited_by")
            .filter(token_hash=hash_token(token), expires_at__gt=timezone.now())
            .first()
        )


def accept(invitation: Invitation, user: User) -> Membership:
    """Make `user` a member with the invited role; the invitation is used up.

    The user's address must be the invited one (allauth has verified it, or the invitation
    link did). Accepting twice (two tabs) returns the membership made the first time.
    """
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s: log in with that address to accept it."),
            code="other_address",
            params={"email": invitation.email},
        )
    with transaction.atomic():
        current = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        existing = Membership.objects.filter(practice_id=invitation.practice_id, user=user).first()
        if existing is not None:
            if current is not None:
                current.delete()
            return existing
        if current is None or current.expires_at <= timezone.now():
            raise ValidationError(_("This invitation is no longer valid."), code="gone")
        membership = Membership.objects.create(
            practice_id=invitation.practice_id, user=user, role=invitation.role
        )
        current.delete()
        _audit(invitation.practice, user, "invitation.accepted", user.email, invitation.role)
    return membership


def revoke(invitation: Invitation, actor: User | None) -> None:
    """Withdraw an invitation: its link becomes a 404 at once."""
    with transaction.atomic():
        invitation.delete()
        _audit(invitation.practice, actor, "invitation.revoked", invitation.email, invitation.role)
