"""Running a connection: one pull at a time, the backfill, the push channel and its renewal.

`request_pull` is what a push notification and the minute's poll call: it claims the
connection's pull with a conditional UPDATE (a lease), or, if a pull is running, asks it to
go once more when it ends, so no change is missed and two pulls never apply the same change
twice. `backfill` pushes every future synced appointment of the practitioner when a connection
starts, paced under Google's per-user quota and backing off on rate limits.
"""

from __future__ import annotations

import contextlib
import logging
import random
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from carnet.calsync.connections import mark_broken, note_error, provider_for
from carnet.calsync.google.client import GoogleCalendar
from carnet.calsync.google.errors import Broken, Gone, GoogleTrouble, TryLater
from carnet.calsync.models import LIVE_STATES, CalendarConnection, ConnectionState, RemoteEvent
from carnet.calsync.pull import Pulled, pull
from carnet.calsync.push import push_appointment
from carnet.scheduling.models import Appointment, AppointmentStatus

logger = logging.getLogger(__name__)

PULL_LEASE = timedelta(minutes=10)
# Google's default per-user quota is 600 requests a minute; the backfill stays under it (480),
# leaving room for the pulls and pushes of the same account meanwhile.
BACKFILL_PER_SECOND = 8.0
BACKFILL_LEASE = timedelta(minutes=5)
BACKFILL_RETRIES = 6
CHANNEL_TTL = timedelta(days=7)
# A channel is replaced when it has less than this left to live.
CHANNEL_RENEW_BEFORE = timedelta(days=1)


def claim_pull(connection_id: int, now: datetime) -> datetime | None:
    """The lease's end if this caller now owns the pull; else a running pull is asked to go
    again (None)."""
    manager = CalendarConnection.objects.with_scopes_disabled()
    free = Q(pull_claimed_until__isnull=True) | Q(pull_claimed_until__lt=now)
    until = now + PULL_LEASE
    claimed = manager.filter(free, pk=connection_id, state=ConnectionState.ACTIVE).update(
        pull_claimed_until=until, pull_requested=False
    )
    if not claimed:
        manager.filter(pk=connection_id).update(pull_requested=True)
        return None
    return until


def run_pull(connection_id: int, *, calendar: GoogleCalendar | None = None) -> Pulled | None:
    """Pull this connection's changes, again while notifications kept arriving meanwhile."""
    manager = CalendarConnection.objects.with_scopes_disabled()
    lease = claim_pull(connection_id, timezone.now())
    if lease is None:
        return None
    result = Pulled()
    try:
        for _round in range(5):
            connection = manager.select_related("practice", "practitioner").get(pk=connection_id)
            if connection.state != ConnectionState.ACTIVE or not connection.calendar_id:
                break  # not started yet: `start` makes the calendar and runs the first pull
            result = pull(connection, calendar or provider_for(connection))
            again = manager.filter(pk=connection_id, pull_requested=True).update(
                pull_requested=False
            )
            if not again:
                break
    except TryLater as trouble:
        note_error(manager.get(pk=connection_id), str(trouble))
        raise
    finally:
        # Released only if still ours (a pull that outlived its lease must not free another's).
        manager.filter(pk=connection_id, pull_claimed_until=lease).update(pull_claimed_until=None)
    return result


def claim_backfill(connection_id: int, now: datetime) -> bool:
    """True if this caller now runs the connection's backfill (a lease, renewed as it goes)."""
    free = Q(backfill_claimed_until__isnull=True) | Q(backfill_claimed_until__lt=now)
    return bool(
        CalendarConnection.objects.with_scopes_disabled()
        .filter(free, pk=connection_id, state=ConnectionState.ACTIVE)
        .update(backfill_claimed_until=now + BACKFILL_LEASE)
    )


def backfill(
    connection: CalendarConnection,
    calendar: GoogleCalendar,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Push every future synced appointment of the practitioner, with progress n of m.

    Resumable: an appointment the calendar already has at its current version counts as done
    and is skipped, so a backfill cut short (a worker killed, Google refusing for too long)
    goes on where it stopped when the minute's poll restarts it (`tasks.poll`). One backfill
    runs at a time per connection. Returns how many appointments the calendar now holds.
    """
    manager = CalendarConnection.objects.with_scopes_disabled()
    if not claim_backfill(connection.pk, timezone.now()):
        return 0
    appointments = (
        Appointment.objects.with_scopes_disabled()
        .filter(
            practitioner_id=connection.practitioner_id,
            sync_external=True,
            end__gt=timezone.now(),
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("practice", "center", "patient", "practitioner")
        .order_by("start")
    )
    sent = dict(
        RemoteEvent.objects.with_scopes_disabled()
        .filter(connection=connection, gone=False, appointment__isnull=False)
        .values_list("appointment_id", "version")
    )
    waiting = [a for a in appointments if sent.get(a.pk) != a.sequence]
    total = appointments.count()
    done = total - len(waiting)
    manager.filter(pk=connection.pk).update(backfill_total=total, backfill_done=done)
    pause = 1.0 / BACKFILL_PER_SECOND
    try:
        for appointment in waiting:
            _push_patiently(connection, appointment, calendar, pause, sleep)
            if connection.state != ConnectionState.ACTIVE:
                return done
            done += 1
            if done % 10 == 0:
                manager.filter(pk=connection.pk).update(
                    backfill_done=done, backfill_claimed_until=timezone.now() + BACKFILL_LEASE
                )
    finally:
        manager.filter(pk=connection.pk).update(backfill_done=done, backfill_claimed_until=None)
    return done


def _push_patiently(
    connection: CalendarConnection,
    appointment: Appointment,
    calendar: GoogleCalendar,
    pause: float,
    sleep: Callable[[float], None],
) -> None:
    """One write, paced under the quota; rate limits waited out with backoff and full jitter."""
    for attempt in range(BACKFILL_RETRIES):
        started = time.monotonic()
        try:
            push_appointment(connection, appointment, calendar)
            return
        except TryLater as trouble:
            note_error(connection, str(trouble))
            # Exponential backoff with full jitter: never a tight loop on rate limits.
            sleep(random.uniform(0, min(60.0, 2.0 ** (attempt + 1))))
        finally:
            spent = time.monotonic() - started
            if spent < pause:
                sleep(pause - spent)
    raise TryLater("Google kept refusing; the backfill will resume.")


def webhook_address() -> str:
    return f"{settings.SITE_URL}{reverse('calsync:google_notify')}"


def open_channel(connection: CalendarConnection, calendar: GoogleCalendar) -> None:
    """Ask Google to notify Carnet of changes; the old channel, if any, is stopped after."""
    old = (connection.channel_id, connection.channel_resource_id)
    channel_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
    channel = calendar.watch(
        channel_id=channel_id,
        token=token,
        address=webhook_address(),
        ttl_seconds=int(CHANNEL_TTL.total_seconds()),
    )
    expires = (
        datetime.fromtimestamp(channel.expiration_ms / 1000, tz=UTC)
        if channel.expiration_ms
        else timezone.now() + CHANNEL_TTL
    )
    CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
        channel_id=channel.id,
        channel_token=token,
        channel_resource_id=channel.resource_id,
        channel_expires_at=expires,
    )
    connection.channel_id, connection.channel_token = channel.id, token
    connection.channel_resource_id, connection.channel_expires_at = channel.resource_id, expires
    if old[0]:
        try:
            calendar.stop(*old)
        except GoogleTrouble as trouble:  # an old channel that is gone already is fine
            logger.info("stopping channel of connection %s: %s", connection.pk, trouble)


def start(
    connection: CalendarConnection,
    calendar: GoogleCalendar | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """A connection just became active: calendar, first sync, backfill, then the channel.

    Carnet makes (or finds again) its dedicated calendar only when it is to create one
    (`calendar_created`); a connection to one of the account's existing calendars waits until
    the member picked it (`carnet.calsync.existing_calendar`) and never creates any.
    """
    if not connection.calendar_created and not connection.calendar_id:
        return  # one of the account's calendars, not picked yet
    calendar = calendar or provider_for(connection)
    try:
        if connection.calendar_created and not connection.calendar_id:
            _reuse_calendar(connection, calendar)
        elif not connection.calendar_created:
            _reuse_mapping(connection)
        if connection.calendar_created and not connection.calendar_id:
            name = f"Carnet - {connection.practitioner.display_name}"
            calendar_id = calendar.create_calendar(name, connection.practice.time_zone)
            connection.calendar_id = calendar_id
            connection.calendar_name = name
            CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
                calendar_id=calendar_id, calendar_name=name
            )
        calendar.calendar_id = connection.calendar_id
        run_pull(connection.pk, calendar=calendar)
        backfill(connection, calendar, sleep=sleep)
        # Watched only now: Google notifies every write, the backfill's own included, and each
        # notification costs a pull. Changes made in Google meanwhile wait in the sync token.
        open_channel(connection, calendar)
    except Broken as trouble:
        mark_broken(connection, str(trouble))
    except TryLater as trouble:
        # The minute's poll starts it again (`tasks.poll`): no calendar or no channel yet.
        note_error(connection, str(trouble))


def _reuse_calendar(connection: CalendarConnection, calendar: GoogleCalendar) -> None:
    """Connecting again: the calendar Carnet made last time, if Google still has it.

    Its events carry ids derived from the appointments, so the backfill updates them instead
    of adding copies; and the mapping of the earlier connection is carried over, so the events
    made in Google find the personal events they already became: disconnecting and connecting
    again never duplicates anything, in Google or in Carnet.
    """
    earlier = (
        CalendarConnection.objects.with_scopes_disabled()
        .filter(
            practitioner_id=connection.practitioner_id,
            account_email=connection.account_email,
            state=ConnectionState.REVOKED,
            calendar_created=True,
        )
        .exclude(calendar_id="")
        .order_by("-pk")
        .first()
    )
    if earlier is None:
        return
    calendar.calendar_id = earlier.calendar_id
    try:
        calendar.get_calendar()
    except (Gone, Broken):  # deleted since, or not reachable with this grant: make a new one
        calendar.calendar_id = ""
        return
    connection.calendar_id = earlier.calendar_id
    connection.calendar_name = earlier.calendar_name
    CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
        calendar_id=earlier.calendar_id, calendar_name=earlier.calendar_name
    )
    _carry_over_mapping(earlier, connection)


def _reuse_mapping(connection: CalendarConnection) -> None:
    """Connecting again to the same existing calendar: the earlier connection's mapping, so
    the events the user made there find the personal events they already became."""
    earlier = (
        CalendarConnection.objects.with_scopes_disabled()
        .filter(
            practitioner_id=connection.practitioner_id,
            account_email=connection.account_email,
            state=ConnectionState.REVOKED,
            calendar_id=connection.calendar_id,
        )
        .exclude(pk=connection.pk)
        .order_by("-pk")
        .first()
    )
    if earlier is not None:
        _carry_over_mapping(earlier, connection)


def _carry_over_mapping(earlier: CalendarConnection, connection: CalendarConnection) -> None:
    mapping = RemoteEvent.objects.with_scopes_disabled()
    known = set(mapping.filter(connection=connection).values_list("remote_id", flat=True))
    mapping.bulk_create(
        RemoteEvent(
            connection=connection,
            remote_id=link.remote_id,
            etag=link.etag,
            remote_updated=link.remote_updated,
            appointment_id=link.appointment_id,
            personal_event_id=link.personal_event_id,
            version=link.version,
            gone=link.gone,
        )
        for link in mapping.filter(connection=earlier).exclude(remote_id__in=known)
    )


def remove_events(connection: CalendarConnection, calendar: GoogleCalendar) -> int:
    """Delete what Carnet wrote: the whole calendar it created, or each of its events."""
    if connection.channel_id:
        with contextlib.suppress(GoogleTrouble):
            calendar.stop(connection.channel_id, connection.channel_resource_id)
    shared = (
        CalendarConnection.objects.with_scopes_disabled()
        .filter(calendar_id=connection.calendar_id, state__in=[s.value for s in LIVE_STATES])
        .exclude(pk=connection.pk)
        .exists()
    )
    if shared:
        return 0  # connected again meanwhile, to the same calendar: it is in use
    if connection.calendar_created and connection.calendar_id:
        with contextlib.suppress(Gone):
            calendar.delete_calendar()
        return 1
    removed = 0
    links = RemoteEvent.objects.with_scopes_disabled().filter(
        connection=connection, gone=False, appointment__isnull=False
    )
    for link in links:
        with contextlib.suppress(Gone):
            calendar.delete(link.remote_id)
        link.gone = True
        link.save(update_fields=["gone"])
        removed += 1
    return removed
