"""Writing into one of the account's existing calendars instead of a dedicated one (issue 11).

The member chooses it on the connect form; Google is then asked for the broad `calendar` scope
(`oauth.EXISTING_CALENDAR_SCOPES`), the only one that can list the account's calendars and write
into one Carnet did not create. The callback makes the connection as for a dedicated calendar
(pending for a non-admin, active for an admin) but with `calendar_created=False` and no calendar:
it waits for the member to pick one (`CalendarConnection.awaits_calendar_choice`).

The rule, one for everybody: nothing happens before the pick. Only then does an active
connection start syncing into the calendar, and only then is a pending one sent to the admins
for approval; so an admin never sees a request without its calendar, and `governance.approve`
refuses one anyway. The engine is the same afterwards, except that it never creates nor deletes
that calendar: a disconnection that removes events removes only those Carnet put there.
"""

from __future__ import annotations

from django.db import transaction

from carnet.calsync import governance, tasks
from carnet.calsync.google.client import CalendarEntry, GoogleCalendar
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.practices.models import Center, Membership


def writable_calendars(calendar: GoogleCalendar) -> list[CalendarEntry]:
    """The account's calendars Carnet may write to (it owns them, or may change their events),
    the main one first, then by name."""
    entries = [entry for entry in calendar.calendars() if entry.writable]
    return sorted(entries, key=lambda entry: (not entry.primary, entry.summary.lower()))


def choose(
    connection: CalendarConnection,
    entry: CalendarEntry,
    membership: Membership,
    center: Center | None,
) -> bool:
    """Record the calendar picked and set what follows in motion after the commit: the first
    sync of an active connection, the admins' approval of a pending one. False when the
    connection no longer waits for a pick (another tab chose first, or it was disconnected)."""
    with transaction.atomic():
        claimed = (
            CalendarConnection.objects.with_scopes_disabled()
            .filter(
                pk=connection.pk,
                calendar_created=False,
                calendar_id="",
                state__in=[ConnectionState.PENDING, ConnectionState.ACTIVE],
            )
            .update(calendar_id=entry.id, calendar_name=entry.summary)
        )
        if not claimed:
            return False
        connection.refresh_from_db(fields=["state", "calendar_id", "calendar_name"])
        governance.audit(
            connection,
            governance.Action.CALENDAR_CHOSEN,
            membership.user,
            center,
            calendar=entry.summary,
            calendar_id=entry.id,
        )
        if connection.state == ConnectionState.ACTIVE:
            pk = connection.pk
            transaction.on_commit(lambda: tasks.start.enqueue(pk))
        else:
            governance.request_approval(connection)
    return True
