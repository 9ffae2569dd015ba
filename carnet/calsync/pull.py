"""The calendar to Carnet: apply what changed in Google since the last sync token.

Each notification from Google (or the 60-second poll) runs `pull`: it lists the changes since
the stored `syncToken`, all pages, and applies each through Carnet's doors with origin
"external" and this connection's key, so the change is never pushed back to the same calendar
(no echo) while the other consumers (the patient's email, the ICS feed) still hear of it.

- An event Carnet wrote (its id derives from an appointment's UUID, and its private extended
  properties say so): on a two-way connection a new time moves the appointment through
  `booking.reschedule`, unless Carnet changed it later or the time is taken, in which case
  Google is set back; a deletion cancels the appointment. On a one-way connection Google is
  set back. Every override is written to `SyncConflict` for staff.
- Any other busy event becomes a personal event (busy time that blocks booking), recurring
  ones with their rule, single occurrences moved or cancelled in Google as overrides.
- 410 on the token: a full listing reconciles by id (the mapping table), without duplicates.

Nothing here deletes or cancels anything in Carnet because of an error: an event Google sends
that Carnet cannot read is skipped and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from carnet.calsync.connections import mark_broken
from carnet.calsync.event_ids import public_id_of
from carnet.calsync.google.client import GoogleCalendar
from carnet.calsync.google.errors import Broken, SyncTokenExpired
from carnet.calsync.google.mapping import GoogleEvent, UnreadableEvent, read_event
from carnet.calsync.models import (
    CalendarConnection,
    ConflictKind,
    Direction,
    RemoteEvent,
    SyncConflict,
)
from carnet.calsync.push import push_appointment
from carnet.calsync.recurrence_lines import UnsupportedRecurrence, read_recurrence
from carnet.inbox import notify_conflict
from carnet.scheduling import booking, personal_events
from carnet.scheduling.errors import BookingError
from carnet.scheduling.models import Appointment, AppointmentStatus, Origin

logger = logging.getLogger(__name__)


@dataclass
class Pulled:
    applied: int = 0
    skipped: int = 0
    full: bool = False
    problems: list[str] = field(default_factory=list)


def pull(connection: CalendarConnection, calendar: GoogleCalendar) -> Pulled:
    """Apply every change since the connection's sync token; save the next token."""
    result = Pulled()
    try:
        try:
            changes = calendar.changes(connection.sync_token)
        except SyncTokenExpired:
            result.full = True
            changes = calendar.changes("")
    except Broken as trouble:
        mark_broken(connection, str(trouble))
        return result
    if not connection.sync_token:
        result.full = True
    # Series before their exceptions, so an exception finds the personal event of its series.
    ordered = sorted(changes.events, key=lambda body: bool(body.get("recurringEventId")))
    with scope(practice=connection.practice):
        for body in ordered:
            _apply(connection, calendar, body, result)
    connection.sync_token = changes.next_sync_token
    connection.last_pull_at = timezone.now()
    CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
        sync_token=connection.sync_token, last_pull_at=connection.last_pull_at
    )
    return result


def _apply(
    connection: CalendarConnection, calendar: GoogleCalendar, body: dict[str, Any], result: Pulled
) -> None:
    try:
        event = read_event(body, connection.practitioner.practice.time_zone)
    except UnreadableEvent as problem:
        result.skipped += 1
        result.problems.append(str(problem))
        logger.info("calendar connection %s: skipped %s", connection.pk, problem)
        return
    appointment = _appointment_of(connection, event)
    try:
        if appointment is not None:
            _apply_to_appointment(connection, calendar, appointment, event)
        else:
            _apply_to_personal_event(connection, event)
    except (ValidationError, UnsupportedRecurrence) as problem:
        result.skipped += 1
        result.problems.append(f"{event.id}: {problem}")
        logger.info("calendar connection %s: %s not applied: %s", connection.pk, event.id, problem)
        return
    result.applied += 1


def _appointment_of(connection: CalendarConnection, event: GoogleEvent) -> Appointment | None:
    public_id = event.appointment or public_id_of(event.id)
    if public_id is None:
        return None
    return (
        Appointment.objects.filter(practice=connection.practice, public_id=public_id)
        .select_related("practice", "center", "patient", "practitioner")
        .first()
    )


# --- appointments ------------------------------------------------------------------------------


def _apply_to_appointment(
    connection: CalendarConnection,
    calendar: GoogleCalendar,
    appointment: Appointment,
    event: GoogleEvent,
) -> None:
    link = RemoteEvent.objects.filter(connection=connection, remote_id=event.id).first()
    if link is not None and event.etag and event.etag == link.etag:
        return  # our own write coming back
    if link is not None and link.gone and event.cancelled:
        return  # our own deletion coming back
    if appointment.practitioner_id != connection.practitioner_id:
        # Not this agenda's (moved to a colleague, whose calendar shows it): this calendar's
        # copy is ours to remove, never a reason to move or cancel the appointment.
        if link is not None:
            link.gone = event.cancelled
            link.save(update_fields=["gone"])
        if not event.cancelled:
            push_appointment(connection, appointment, calendar)  # deletes it here
        return
    if appointment.status == AppointmentStatus.CANCELLED or not appointment.sync_external:
        if link is not None:
            link.gone = event.cancelled
            link.save(update_fields=["gone"])
        if not event.cancelled:
            push_appointment(connection, appointment, calendar)  # deletes it again
        return
    if event.cancelled:
        if connection.direction == Direction.TWO_WAY:
            booking.cancel(
                connection.practice,
                appointment,
                channel=Origin.EXTERNAL,
                connection=connection.key,
            )
            _conflict(connection, appointment, event, ConflictKind.DELETED_IN_GOOGLE)
            if link is not None:
                link.gone = True
                link.save(update_fields=["gone"])
        else:
            _set_back(connection, calendar, appointment, event, ConflictKind.ONE_WAY, link)
        return
    if (event.start, event.end) == (appointment.start, appointment.end):
        _remember(connection, event, appointment)
        return
    if connection.direction == Direction.ONE_WAY:
        _set_back(connection, calendar, appointment, event, ConflictKind.ONE_WAY, link)
        return
    if event.updated is not None and appointment.updated_at > event.updated:
        _set_back(connection, calendar, appointment, event, ConflictKind.CARNET_KEPT, link)
        return
    try:
        moved = booking.reschedule(
            connection.practice,
            appointment,
            start=event.start,  # type: ignore[arg-type]  # not cancelled: read_event set them
            end=event.end,
            channel=Origin.EXTERNAL,
            connection=connection.key,
        )
    except BookingError:
        _set_back(connection, calendar, appointment, event, ConflictKind.TIME_TAKEN, link)
        return
    _remember(connection, event, moved.appointment)


def _set_back(
    connection: CalendarConnection,
    calendar: GoogleCalendar,
    appointment: Appointment,
    event: GoogleEvent,
    kind: ConflictKind,
    link: RemoteEvent | None,
) -> None:
    _conflict(connection, appointment, event, kind)
    if link is not None:
        # Force a write without If-Match: the event Google has is the one being replaced.
        link.etag = ""
        link.gone = event.cancelled
        link.save(update_fields=["etag", "gone"])
    push_appointment(connection, appointment, calendar)


def _remember(connection: CalendarConnection, event: GoogleEvent, appointment: Appointment) -> None:
    RemoteEvent.objects.update_or_create(
        connection=connection,
        remote_id=event.id,
        defaults={
            "etag": event.etag,
            "remote_updated": event.updated,
            "appointment": appointment,
            "version": appointment.sequence,
            "gone": False,
        },
    )


def _conflict(
    connection: CalendarConnection,
    appointment: Appointment,
    event: GoogleEvent,
    kind: ConflictKind,
) -> None:
    detail: dict[str, str] = {}
    if event.start is not None and event.end is not None:
        detail = {"google_start": event.start.isoformat(), "google_end": event.end.isoformat()}
    conflict = SyncConflict.objects.create(
        connection=connection,
        appointment=appointment,
        remote_id=event.id,
        kind=kind,
        detail=detail,
    )
    notify_conflict(conflict)


# --- personal events ---------------------------------------------------------------------------


def _apply_to_personal_event(connection: CalendarConnection, event: GoogleEvent) -> None:
    if event.recurring_event_id:
        _apply_to_occurrence(connection, event)
        return
    link = (
        RemoteEvent.objects.filter(connection=connection, remote_id=event.id)
        .select_related("personal_event")
        .first()
    )
    existing = link.personal_event if link is not None and not link.gone else None
    if event.cancelled or not event.busy:
        if existing is not None:
            personal_events.delete(
                connection.practice, existing, origin=Origin.EXTERNAL, connection=connection.key
            )
        if link is not None:
            link.gone = True
            link.save(update_fields=["gone"])
        return
    start, end = _times(event)
    recurrence = read_recurrence(event.recurrence, event.time_zone)
    values = {
        "title": event.summary,
        "start": start,
        "end": end,
        "time_zone": event.time_zone,
        "rrule": recurrence.rrule,
        "exdates": recurrence.exdates,
    }
    if existing is not None:
        personal_events.change(
            connection.practice,
            existing,
            origin=Origin.EXTERNAL,
            connection=connection.key,
            **values,  # type: ignore[arg-type]
        )
        personal = existing
    else:
        personal = personal_events.create(
            connection.practice,
            practitioner=connection.practitioner_id,
            origin=Origin.EXTERNAL,
            connection=connection.key,
            **values,  # type: ignore[arg-type]
        ).event
    RemoteEvent.objects.update_or_create(
        connection=connection,
        remote_id=event.id,
        defaults={
            "etag": event.etag,
            "remote_updated": event.updated,
            "personal_event": personal,
            "gone": False,
        },
    )


def _apply_to_occurrence(connection: CalendarConnection, event: GoogleEvent) -> None:
    """A single occurrence moved or cancelled in Google: an override of its series."""
    series = (
        RemoteEvent.objects.filter(
            connection=connection, remote_id=event.recurring_event_id, gone=False
        )
        .select_related("personal_event")
        .first()
    )
    if series is None or series.personal_event is None or event.original_start is None:
        return  # a series Carnet does not hold (free time, or unreadable): nothing to block
    if event.cancelled:
        personal_events.cancel_occurrence(
            connection.practice,
            series.personal_event,
            event.original_start,
            origin=Origin.EXTERNAL,
            connection=connection.key,
        )
        return
    start, end = _times(event)
    personal_events.move_occurrence(
        connection.practice,
        series.personal_event,
        event.original_start,
        start=start,
        end=end,
        origin=Origin.EXTERNAL,
        connection=connection.key,
    )


def _times(event: GoogleEvent) -> tuple[datetime, datetime]:
    """Timed events as they are; all-day ones from midnight to midnight in their zone."""
    if event.start is not None and event.end is not None:
        return event.start, event.end
    zone = ZoneInfo(event.time_zone)
    assert event.all_day_start is not None and event.all_day_end is not None
    return (
        datetime.combine(event.all_day_start, time.min, zone),
        datetime.combine(event.all_day_end, time.min, zone),
    )
