"""Changing a member's role and links, and removing a member: the one door for both.

A practice always keeps someone who can manage it: the last owner or administrator can be
neither demoted nor removed, not even by themself. The check runs with the practice's admin
memberships locked, so two admins demoting each other at the same moment cannot both succeed.
Links are validated against the practice by the forms' choices and, underneath, by
`carnet.practices.boundaries.guard_links`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.practices.boundaries import cross_practice_choices
from carnet.practices.models import ADMIN_ROLES, AuditEntry, Center, Membership
from carnet.scheduling.models import Practitioner

__all__ = ["remove_member", "update_member"]


def _refuse_losing_last_admin(membership: Membership) -> None:
    """Raise when `membership` is the practice's last owner or admin (locks the admins' rows)."""
    if membership.role not in ADMIN_ROLES:
        return
    admins = list(
        Membership.objects.select_for_update()
        .filter(practice_id=membership.practice_id, role__in=ADMIN_ROLES)
        .values_list("pk", flat=True)
    )
    if not any(pk != membership.pk for pk in admins):
        raise ValidationError(
            _(
                "%(email)s is the practice's last owner or administrator: make someone else "
                "an administrator first."
            ),
            code="last_admin",
            params={"email": membership.user.email},
        )


def _refuse_strangers(membership: Membership, *chosen: Iterable[object]) -> None:
    strangers = [
        name
        for objects in chosen
        for name in cross_practice_choices(membership.practice_id, objects)  # type: ignore[arg-type]
    ]
    if strangers:
        raise ValidationError(
            _("These belong to another practice: %(names)s."),
            code="cross_practice",
            params={"names": ", ".join(strangers)},
        )


def _audit(membership: Membership, actor: User | None, action: str, **detail: object) -> None:
    AuditEntry.objects.create(
        practice_id=membership.practice_id,
        actor=actor,
        action=action,
        subject=f"user:{membership.user_id}",
        detail=detail,
    )


@transaction.atomic
def update_member(
    membership: Membership,
    *,
    role: str,
    agendas: Iterable[Practitioner],
    sheets: Iterable[Practitioner],
    centers: Iterable[Center],
    actor: User | None,
) -> None:
    """Set the member's role, the agendas they manage (assistants), the practitioner sheets that
    are theirs (their own agenda, for practitioners) and the centers they work in."""
    agendas, sheets, centers = list(agendas), list(sheets), list(centers)
    _refuse_strangers(membership, agendas, sheets, centers)
    if role not in ADMIN_ROLES:
        _refuse_losing_last_admin(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    membership.practitioners.set(agendas)
    membership.centers.set(centers)
    chosen = [sheet.pk for sheet in sheets]
    Practitioner.objects.filter(practice_id=membership.practice_id, user=membership.user).exclude(
        pk__in=chosen
    ).update(user=None)
    # A sheet already another login's stays theirs (the form does not offer it either).
    Practitioner.objects.filter(
        Q(user__isnull=True) | Q(user=membership.user),
        practice_id=membership.practice_id,
        pk__in=chosen,
    ).update(user=membership.user)
    _audit(membership, actor, "member.changed", role_before=before, role=role)


@transaction.atomic
def remove_member(membership: Membership, actor: User | None) -> None:
    """Take the member out of the practice; their login no longer opens its practitioner sheets."""
    _refuse_losing_last_admin(membership)
    Practitioner.objects.filter(practice_id=membership.practice_id, user=membership.user).update(
        user=None
    )
    _disconnect_their_calendars(membership)
    _audit(membership, actor, "member.removed", role=membership.role)
    membership.delete()


def _disconnect_their_calendars(membership: Membership) -> None:
    """Calendars a leaving member connected stop receiving the practice's patients' names.

    An assistant may have linked a practitioner's agenda to their own Google account: once they
    leave, nothing of the practice may reach that account any more. Revoked after the commit.
    """
    from carnet.calsync.connections import revoke
    from carnet.calsync.models import LIVE_STATES, CalendarConnection, ConnectionState

    theirs = list(
        CalendarConnection.objects.filter(
            practice_id=membership.practice_id,
            requested_by_id=membership.user_id,
            state__in=[state.value for state in LIVE_STATES],
        )
    )
    for connection in theirs:
        CalendarConnection.objects.filter(pk=connection.pk).update(state=ConnectionState.REVOKED)
        transaction.on_commit(partial(revoke, connection))
