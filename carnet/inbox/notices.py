"""Writing notifications for staff, and reading them back as sentences.

`notify` is the one way a notification is created: one row per recipient, in the caller's
transaction (a notification about something rolled back disappears with it). `text` turns a
row into a sentence in the current language, from its kind and the facts it stored.

The engine-facing entry points (`notify_conflict`, `notify_message_failed`) are re-exported by
`carnet.inbox` so that callers in other apps need one import and no knowledge of this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _

from carnet.inbox.models import NoticeKind, StaffNotification
from carnet.practices.models import ADMIN_ROLES, Membership, Practice

if TYPE_CHECKING:
    from carnet.calsync.models import SyncConflict
    from carnet.notifications.models import Notification

__all__ = [
    "admins",
    "members_of_users",
    "notify",
    "notify_conflict",
    "notify_message_failed",
    "text",
    "unread_count",
]


def _memberships() -> Any:
    # Called from requests (scoped) and from jobs (unscoped): every query names its practice.
    return Membership.objects.with_scopes_disabled()


def admins(practice: Practice) -> list[Membership]:
    """The practice's owners and administrators, who hear about everything."""
    return list(
        _memberships()
        .filter(practice=practice, role__in=list(ADMIN_ROLES))
        .select_related("user")
        .order_by("pk")
    )


def members_of_users(practice: Practice, user_ids: Iterable[int | None]) -> list[Membership]:
    """The memberships in `practice` of these users (a practitioner's login, a requester)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return []
    return list(
        _memberships()
        .filter(practice=practice, user_id__in=wanted)
        .select_related("user")
        .order_by("pk")
    )


def notify(
    practice: Practice,
    recipients: Iterable[Membership],
    kind: NoticeKind,
    params: dict[str, Any],
    link: str = "",
) -> int:
    """One notification per distinct recipient; returns how many were written."""
    unique = {membership.pk: membership for membership in recipients}
    StaffNotification.objects.with_scopes_disabled().bulk_create(
        StaffNotification(
            practice=practice, recipient=membership, kind=kind, params=params, link=link
        )
        for membership in unique.values()
    )
    return len(unique)


def unread_count(membership: Membership) -> int:
    return (
        StaffNotification.objects.with_scopes_disabled()
        .filter(practice_id=membership.practice_id, recipient=membership, read_at__isnull=True)
        .count()
    )


# --- what the engine and the senders call ------------------------------------------------------


def notify_conflict(conflict: SyncConflict) -> int:
    """A change was overridden by the sync rule: the practitioner and the admins are told.

    Called where `SyncConflict` rows are created (carnet/calsync/pull.py and push.py), in the
    same transaction; the notification links to the appointment, else to the sync page.
    """
    connection = conflict.connection
    practice = connection.practice
    practitioner = connection.practitioner
    if conflict.appointment_id is not None and conflict.appointment is not None:
        link = reverse(
            "workspace:appointment_detail",
            kwargs={"practice_slug": practice.slug, "public_id": conflict.appointment.public_id},
        )
    else:
        link = reverse("calendar_sync:page", kwargs={"practice_slug": practice.slug})
    recipients = admins(practice) + members_of_users(practice, [practitioner.user_id])
    return notify(
        practice,
        recipients,
        NoticeKind.SYNC_CONFLICT,
        {"practitioner": practitioner.display_name, "conflict": str(conflict.kind)},
        link,
    )


def notify_message_failed(row: Notification) -> int:
    """A message owed to a patient (reminder, confirmation...) failed for good: admins are told."""
    appointment = row.appointment
    practice = row.practice
    link = reverse(
        "workspace:appointment_detail",
        kwargs={"practice_slug": practice.slug, "public_id": appointment.public_id},
    )
    return notify(
        practice,
        admins(practice),
        NoticeKind.MESSAGE_FAILED,
        {
            "message": str(row.kind),
            "channel": str(row.channel),
            "patient": appointment.patient.full_name,
            "reason": str(row.reason),
        },
        link,
    )


# --- reading ----------------------------------------------------------------------------------


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def text(notice: StaffNotification) -> str:
    """The notification as a sentence, in the current language."""
    params = {key: str(value) for key, value in notice.params.items()}
    kind = notice.kind
    if kind == NoticeKind.APPROVAL_REQUESTED:
        if params.get("center"):
            return _(
                "%(requester)s asks to connect %(practitioner)s's agenda to the Google account "
                "%(account)s, from %(center)s. Approve or refuse it."
            ) % _defaults(params, "requester", "practitioner", "account", "center")
        return _(
            "%(requester)s asks to connect %(practitioner)s's agenda to the Google account "
            "%(account)s. Approve or refuse it."
        ) % _defaults(params, "requester", "practitioner", "account")
    if kind == NoticeKind.CONNECTION_APPROVED:
        return _(
            "%(admin)s approved the connection of %(practitioner)s's agenda to Google Calendar: "
            "syncing has started."
        ) % _defaults(params, "admin", "practitioner")
    if kind == NoticeKind.CONNECTION_DENIED:
        return _(
            "%(admin)s refused the connection of %(practitioner)s's agenda to Google Calendar. "
            "Carnet's access to the Google account was withdrawn."
        ) % _defaults(params, "admin", "practitioner")
    if kind == NoticeKind.CONNECTION_BROKEN:
        return _(
            "Google Calendar no longer accepts Carnet for %(practitioner)s's agenda "
            "(%(account)s). Nothing was deleted: see what to do."
        ) % _defaults(params, "practitioner", "account")
    if kind == NoticeKind.SYNC_CONFLICT:
        from carnet.calsync.models import ConflictKind

        return _("%(practitioner)s: %(what)s") % {
            "practitioner": params.get("practitioner", ""),
            "what": _label(ConflictKind, params.get("conflict", "")),
        }
    if kind == NoticeKind.MESSAGE_FAILED:
        from carnet.notifications.models import Kind, Reason

        reason = _label(Reason, params.get("reason", ""))
        return _("%(message)s to %(patient)s could not be sent%(why)s.") % {
            "message": _label(Kind, params.get("message", "")),
            "patient": params.get("patient", ""),
            "why": f": {reason}" if reason else "",
        }
    return _label(NoticeKind, kind)


def _defaults(params: dict[str, str], *names: str) -> dict[str, str]:
    return {name: params.get(name, "") or "—" for name in names}
