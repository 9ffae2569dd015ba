"""Who may connect an agenda, the approval of a connection, and the trail it leaves.

Issue 12, from the Dasi eClinic rules: a practitioner connects their own agenda, an assistant
the agendas of the practitioners they are linked to, an admin any (`policy.calendar_
practitioners`). A connection made by anyone but an admin waits, `pending`, until an admin
approves it, working from the center the request was made from; nothing is synced and no
calendar is created before. Approving makes it `active` and starts the first sync after the
commit; refusing revokes the tokens and tells the requester. Every step is written to the
practice's audit log, with the center it was done from (`audit`).

The engine itself stays unaware of all this: it only ever touches `active` connections.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from carnet.calsync import letters, tasks
from carnet.calsync.connections import revoke
from carnet.calsync.health import error_advice
from carnet.calsync.models import LIVE_STATES, CalendarConnection, ConnectionState
from carnet.inbox.models import NoticeKind
from carnet.inbox.notices import admins, members_of_users, notify
from carnet.practices.models import AuditEntry, Center, Membership

logger = logging.getLogger(__name__)


class Action:
    """The audit log's names for what happened to a connection (`AuditEntry.action`)."""

    REQUESTED = "calendar.requested"
    CONNECTED = "calendar.connected"
    APPROVED = "calendar.approved"
    DENIED = "calendar.denied"
    DISCONNECTED = "calendar.disconnected"
    CHOICES = "calendar.choices"
    BROKEN = "calendar.broken"
    CALENDAR_CHOSEN = "calendar.chosen"


def audit(
    connection: CalendarConnection,
    action: str,
    actor: Any,
    center: Center | None,
    **detail: Any,
) -> AuditEntry:
    """One audit entry, every calendar one alike: whose agenda, which account, from where."""
    return AuditEntry.objects.with_scopes_disabled().create(
        practice_id=connection.practice_id,
        actor=actor,
        action=action,
        subject=f"calendar-connection:{connection.pk}",
        detail={
            "practitioner": connection.practitioner.display_name,
            "practitioner_id": connection.practitioner_id,
            "account": connection.account_email,
            "center": center.name if center is not None else "",
            "center_id": center.pk if center is not None else None,
            **detail,
        },
    )


def _facts(connection: CalendarConnection) -> dict[str, str]:
    requester = connection.requested_by
    return {
        "practitioner": connection.practitioner.display_name,
        "account": connection.account_email or "—",
        "requester": requester.email if requester is not None else "—",
        "center": connection.center.name if connection.center is not None else "",
    }


def approval_path(connection: CalendarConnection) -> str:
    return reverse(
        "calendar_sync:approval",
        kwargs={"practice_slug": connection.practice.slug, "connection_id": connection.pk},
    )


def sync_page_path(connection: CalendarConnection) -> str:
    return reverse("calendar_sync:page", kwargs={"practice_slug": connection.practice.slug})


def health_path(connection: CalendarConnection) -> str:
    return reverse("calendar_sync:health", kwargs={"practice_slug": connection.practice.slug})


# --- existing links: one Google account, one agenda -----------------------------------------------


def existing_link(
    practice_id: int, practitioner_id: int, account_email: str
) -> CalendarConnection | None:
    """A live connection that a new one for this agenda and account would duplicate.

    The practitioner's own live connection (one calendar per agenda, so also one per requester
    and agenda), or the account's live connection to another agenda of the practice.
    """
    live = CalendarConnection.objects.with_scopes_disabled().filter(
        practice_id=practice_id, state__in=[state.value for state in LIVE_STATES]
    )
    same_agenda = live.filter(practitioner_id=practitioner_id)
    if account_email:
        same_agenda = same_agenda | live.filter(account_email__iexact=account_email)
    return same_agenda.select_related("practitioner", "requested_by").order_by("pk").first()


def duplicate_message(existing: CalendarConnection, practitioner_id: int, account: str) -> str:
    """The sentence that names the link in the way (shown on the sync page)."""
    facts = {
        "name": existing.practitioner.display_name,
        "account": existing.account_email or "—",
        "state": existing.get_state_display(),
    }
    if existing.practitioner_id != practitioner_id:
        return (
            _(
                "The Google account %(account)s is already linked to the agenda of %(name)s "
                "(%(state)s). One Google account can be linked to one agenda only: nothing was "
                "changed, and Carnet gave up the access Google just granted."
            )
            % facts
        )
    return (
        _(
            "The agenda of %(name)s is already linked to the Google account %(account)s "
            "(%(state)s). Disconnect it first to link another: nothing was changed, and Carnet "
            "gave up the access Google just granted."
        )
        % facts
    )


# --- request, approve, deny --------------------------------------------------------------------


def request_approval(connection: CalendarConnection) -> None:
    """A non-admin's connection is waiting: every admin gets an email and a notification."""
    practice = connection.practice
    recipients = admins(practice)
    link = approval_path(connection)
    notify(practice, recipients, NoticeKind.APPROVAL_REQUESTED, _facts(connection), link)
    addresses = sorted({m.user.email for m in recipients if m.user.email})
    letters.send_after_commit(
        letters.approval_letter(practice, addresses, _facts(connection), link)
    )


@dataclass(frozen=True)
class Refusal:
    """Why an approval or refusal was not recorded, said to the admin."""

    message: str
    switch_to: Center | None = None


def check_decision(connection: CalendarConnection, current: Center | None) -> Refusal | None:
    """The seed's rule: a request is decided from the center it was made from."""
    if connection.state != ConnectionState.PENDING:
        return Refusal(_("This connection is no longer waiting for a decision."))
    if connection.awaits_calendar_choice:
        # Not asked before the pick (existing_calendar.py); refused here all the same.
        return Refusal(
            _(
                "The requester has not chosen yet which of their Google calendars Carnet writes "
                "to: it can be approved once they have."
            )
        )
    wanted = connection.center
    if wanted is None or (current is not None and current.pk == wanted.pk):
        return None
    return Refusal(
        _(
            "This request was made from %(center)s: it can only be approved or refused while "
            "you work from %(center)s. Switch to %(center)s first."
        )
        % {"center": wanted.name},
        switch_to=wanted,
    )


def _decided_by(membership: Membership) -> str:
    return str(membership.user.email)


def approve(
    connection: CalendarConnection, admin: Membership, current: Center | None
) -> Refusal | None:
    """Make a pending connection active and start its first sync after the commit."""
    refusal = check_decision(connection, current)
    if refusal is not None:
        return refusal
    with transaction.atomic():
        claimed = (
            CalendarConnection.objects.with_scopes_disabled()
            .filter(pk=connection.pk, state=ConnectionState.PENDING)
            .update(state=ConnectionState.ACTIVE)
        )
        if not claimed:  # another admin decided meanwhile
            return Refusal(_("This connection is no longer waiting for a decision."))
        connection.state = ConnectionState.ACTIVE
        audit(connection, Action.APPROVED, admin.user, current)
        _tell_requester(connection, admin, approved=True)
        pk = connection.pk
        transaction.on_commit(lambda: tasks.start.enqueue(pk))
    return None


def deny(
    connection: CalendarConnection, admin: Membership, current: Center | None
) -> Refusal | None:
    """Refuse a pending connection: revoked, its tokens given up, the requester told."""
    refusal = check_decision(connection, current)
    if refusal is not None:
        return refusal
    with transaction.atomic():
        claimed = (
            CalendarConnection.objects.with_scopes_disabled()
            .filter(pk=connection.pk, state=ConnectionState.PENDING)
            .update(state=ConnectionState.REVOKED)
        )
        if not claimed:
            return Refusal(_("This connection is no longer waiting for a decision."))
        connection.state = ConnectionState.REVOKED
        audit(connection, Action.DENIED, admin.user, current)
        _tell_requester(connection, admin, approved=False)
    revoke(connection)  # after the commit: Google is told, the tokens are forgotten
    return None


def _tell_requester(connection: CalendarConnection, admin: Membership, *, approved: bool) -> None:
    practice = connection.practice
    requester = members_of_users(practice, [connection.requested_by_id])
    if not requester or requester[0].pk == admin.pk:
        return
    facts = {**_facts(connection), "admin": _decided_by(admin)}
    kind = NoticeKind.CONNECTION_APPROVED if approved else NoticeKind.CONNECTION_DENIED
    link = sync_page_path(connection)
    notify(practice, requester, kind, facts, link)
    email = requester[0].user.email
    if email:
        letters.send_after_commit(
            letters.decision_letter(practice, [email], facts, approved=approved, link=link)
        )


# --- broken -----------------------------------------------------------------------------------


def connection_broken(connection: CalendarConnection, reason: str) -> None:
    """Called once per broken connection (`connections.mark_broken` returned True): the
    practitioner and the admins get a notification and one email, with what to do."""
    connection = (
        CalendarConnection.objects.with_scopes_disabled()
        .select_related("practice", "practitioner", "center", "requested_by")
        .get(pk=connection.pk)
    )
    practice = connection.practice
    admin_members = admins(practice)
    practitioner_members = [
        member
        for member in members_of_users(practice, [connection.practitioner.user_id])
        if member.pk not in {admin.pk for admin in admin_members}
    ]
    facts = _facts(connection)
    notify(practice, admin_members, NoticeKind.CONNECTION_BROKEN, facts, health_path(connection))
    notify(
        practice,
        practitioner_members,
        NoticeKind.CONNECTION_BROKEN,
        facts,
        sync_page_path(connection),
    )
    audit(connection, Action.BROKEN, None, None, reason=reason)
    addresses = sorted({m.user.email for m in admin_members + practitioner_members if m.user.email})
    advice = error_advice(reason)
    with translation.override(practice.language):
        said = f"{advice.problem} {advice.next_step}"
    letters.send_after_commit(
        letters.broken_letter(
            practice, addresses, {**facts, "advice": said}, sync_page_path(connection)
        )
    )
