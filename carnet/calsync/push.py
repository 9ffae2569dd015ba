"""Carnet to the calendar: make the remote event match the appointment, once, whatever happens.

`push_appointment` is idempotent: it writes the event whose id is derived from the
appointment's UUID (a second insert is a 409, answered by an update), deletes it when the
appointment is cancelled or no longer synced, and records the etag and version it wrote in
`RemoteEvent`. Updates carry `If-Match`; on 412 the conflict rule decides: the side changed
last wins, and the overridden change is written to `SyncConflict`.

Errors never touch Carnet's data: `TryLater` is raised for the outbox to back off, `Broken`
marks the connection broken (its deliveries end; a later reconnection backfills everything).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from carnet.calsync.connections import mark_broken
from carnet.calsync.event_ids import event_id
from carnet.calsync.google.client import GoogleCalendar
from carnet.calsync.google.errors import Broken, Conflict, Gone, Stale
from carnet.calsync.google.mapping import AppointmentFacts, appointment_event, read_event
from carnet.calsync.models import (
    CalendarConnection,
    ConflictKind,
    Direction,
    RemoteEvent,
    SyncConflict,
)
from carnet.inbox import notify_conflict
from carnet.scheduling.models import Appointment, AppointmentStatus

logger = logging.getLogger(__name__)


def appointment_facts(appointment: Appointment) -> AppointmentFacts:
    practice = appointment.practice
    path = reverse(
        "workspace:appointment_detail",
        kwargs={"practice_slug": practice.slug, "public_id": appointment.public_id},
    )
    return AppointmentFacts(
        public_id=appointment.public_id,
        start=appointment.start,
        end=appointment.end,
        time_zone=appointment.center.time_zone,
        first_name=appointment.patient.first_name,
        last_name=appointment.patient.last_name,
        version=appointment.sequence,
        link=f"{settings.SITE_URL}{path}",
    )


def wanted_in_calendar(appointment: Appointment, connection: CalendarConnection) -> bool:
    return (
        appointment.sync_external
        and appointment.status != AppointmentStatus.CANCELLED
        and appointment.practitioner_id == connection.practitioner_id
    )


def push_appointment(
    connection: CalendarConnection, appointment: Appointment, calendar: GoogleCalendar
) -> None:
    """Make the connection's calendar show `appointment` as Carnet has it now."""
    remote_id = event_id(appointment.public_id)
    link = (
        RemoteEvent.objects.with_scopes_disabled()
        .filter(connection=connection, remote_id=remote_id)
        .first()
    )
    try:
        if wanted_in_calendar(appointment, connection):
            _write(connection, appointment, calendar, link)
        elif link is not None and not link.gone:
            _delete(calendar, link)
    except Broken as trouble:
        mark_broken(connection, str(trouble))
        return
    connection.last_push_at = timezone.now()
    CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
        last_push_at=connection.last_push_at
    )


def _body(connection: CalendarConnection, appointment: Appointment) -> dict[str, object]:
    with translation.override(appointment.practice.language):
        generic = gettext("Appointment")
    return appointment_event(appointment_facts(appointment), connection.privacy, generic)


def _write(
    connection: CalendarConnection,
    appointment: Appointment,
    calendar: GoogleCalendar,
    link: RemoteEvent | None,
) -> None:
    body = _body(connection, appointment)
    remote_id = str(body["id"])
    if link is None or link.gone:
        try:
            written = calendar.insert(body)
        except Conflict:
            # Already there: a retry after a crash, or a reconnection. Same id, so update it.
            written = calendar.update(remote_id, body, etag=None)
    else:
        try:
            written = calendar.update(remote_id, body, etag=link.etag or None)
        except Stale:
            if not _carnet_wins(connection, appointment, calendar, remote_id):
                return
            written = calendar.update(remote_id, body, etag=None)
        except Gone:
            written = calendar.insert(body)
    RemoteEvent.objects.with_scopes_disabled().update_or_create(
        connection=connection,
        remote_id=remote_id,
        defaults={
            "etag": written.etag,
            "remote_updated": _parse(written.updated),
            "appointment": appointment,
            "version": appointment.sequence,
            "gone": False,
        },
    )


def _carnet_wins(
    connection: CalendarConnection,
    appointment: Appointment,
    calendar: GoogleCalendar,
    remote_id: str,
) -> bool:
    """The conflict rule when Google changed the event since our last write: last change wins.

    On a one-way connection Carnet always wins. Otherwise Google's `updated` is compared with
    the appointment's own last change; the loser's change is logged for staff.
    """
    remote = read_event(calendar.get(remote_id))
    google_later = (
        connection.direction == Direction.TWO_WAY
        and remote.updated is not None
        and remote.updated > appointment.updated_at
    )
    conflict = SyncConflict.objects.create(
        connection=connection,
        appointment=appointment,
        remote_id=remote_id,
        kind=ConflictKind.GOOGLE_KEPT if google_later else ConflictKind.CARNET_KEPT,
    )
    notify_conflict(conflict)
    return not google_later


def _delete(calendar: GoogleCalendar, link: RemoteEvent) -> None:
    with contextlib.suppress(Gone):  # already deleted in Google: what we wanted
        calendar.delete(link.remote_id, etag=None)
    link.gone = True
    link.save(update_fields=["gone"])


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
