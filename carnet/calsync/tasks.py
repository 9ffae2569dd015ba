"""Jobs of the calendar sync, run by the job queue (docs/calendar-sync.md)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from carnet.calsync import sync
from carnet.calsync.connections import provider_for, revoke
from carnet.calsync.models import CalendarConnection, ConnectionState


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
    return sync.backfill(connection, provider_for(connection))


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
    restart a backfill that stopped before the end."""
    now = timezone.now()
    active = CalendarConnection.objects.with_scopes_disabled().filter(state=ConnectionState.ACTIVE)
    count = 0
    for connection in active.select_related("practice", "practitioner"):
        expires = connection.channel_expires_at
        if connection.channel_id and expires and expires - now < sync.CHANNEL_RENEW_BEFORE:
            sync.open_channel(connection, provider_for(connection))
        pull.enqueue(connection.pk)
        claimed = connection.backfill_claimed_until
        if connection.backfill_done < connection.backfill_total and (
            claimed is None or claimed < now
        ):
            backfill.enqueue(connection.pk)
        count += 1
    return count
