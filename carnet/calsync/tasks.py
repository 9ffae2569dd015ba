"""Jobs of the calendar sync, run by the job queue (docs/calendar-sync.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.tasks import task
from django.utils import timezone

from carnet.calsync import sync
from carnet.calsync.connections import mark_broken, note_error, provider_for, revoke
from carnet.calsync.google.errors import Broken, GoogleTrouble
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.calsync.secrets import TokenUnreadable

# How long a new connection's first sync may take before the poll starts it again.
START_GRACE = timedelta(minutes=5)


@task()
def pull(connection_id: int) -> int:
    """Apply what changed in the connection's calendar; idempotent, one at a time."""
    result = sync.run_pull(connection_id)
    return result.applied if result else 0


@task()
def start(connection_id: int) -> None:
    """First sync of a connection that just became active (calendar, channel, backfill)."""
    connection = (
        CalendarConnection.objects.with_scopes_disabled()
        .select_related("practice", "practitioner")
        .filter(pk=connection_id, state=ConnectionState.ACTIVE)
        .first()
    )
    if connection is not None:
        sync.start(connection)


@task()
def backfill(connection_id: int) -> int:
    """Go on with a backfill that did not finish (a worker died, Google refused too long)."""
    connection = (
        CalendarConnection.objects.with_scopes_disabled()
        .select_related("practice", "practitioner")
        .filter(pk=connection_id, state=ConnectionState.ACTIVE)
        .exclude(calendar_id="")
        .first()
    )
    if connection is None:
        return 0
    calendar = provider_for(connection)
    done = sync.backfill(connection, calendar)
    connection.refresh_from_db()
    if connection.backfill_done >= connection.backfill_total and not connection.channel_id:
        sync.open_channel(connection, calendar)  # as `sync.start` does once the backfill ends
    return done


@task()
def remove_events(connection_id: int) -> int:
    """After a disconnection the user asked for: remove what Carnet put in Google, then revoke."""
    connection = (
        CalendarConnection.objects.with_scopes_disabled()
        .select_related("practice", "practitioner")
        .get(pk=connection_id)
    )
    try:
        removed = sync.remove_events(connection, provider_for(connection))
    finally:
        revoke(connection)
    return removed


def poll() -> int:
    """Every minute: pull every active connection (push may be lost), renew channels, and
    restart what stopped before the end (a first sync, a backfill). One connection's trouble
    never stops the others'."""
    now = timezone.now()
    active = CalendarConnection.objects.with_scopes_disabled().filter(state=ConnectionState.ACTIVE)
    count = 0
    for connection in active.select_related("practice", "practitioner"):
        try:
            _keep_going(connection, now)
        except Broken as trouble:
            mark_broken(connection, str(trouble))
        except (GoogleTrouble, TokenUnreadable) as trouble:
            note_error(connection, str(trouble))
        count += 1
    return count


def _keep_going(connection: CalendarConnection, now: datetime) -> None:
    if not connection.calendar_id:
        # The first sync failed before the calendar existed (Google unavailable): start it
        # again, once it is clearly not running any more.
        if now - connection.created_at > START_GRACE:
            start.enqueue(connection.pk)
        return
    claimed = connection.backfill_claimed_until
    unfinished = connection.backfill_done < connection.backfill_total
    if unfinished and (claimed is None or claimed < now):
        backfill.enqueue(connection.pk)  # it opens the channel when it is done
    elif not unfinished and not connection.channel_id:
        sync.open_channel(connection, provider_for(connection))
    expires = connection.channel_expires_at
    if connection.channel_id and expires and expires - now < sync.CHANNEL_RENEW_BEFORE:
        sync.open_channel(connection, provider_for(connection))
    pull.enqueue(connection.pk)
