"""What the staff agenda shows over a range: appointments, personal events and opening hours.

`carnet.scheduling.agenda` loads what the slot engine needs to say "which times are free"; the
staff agenda needs more (who the patient is, the type's color, which personal event an occurrence
belongs to) and less (no buffers, no slots). This module loads exactly that, in four small
queries whatever the number of practitioners, and reuses the engine for the hard parts: the
weekly schedule becomes open time through `availability.opening_hours` (daylight-saving changes
included) and recurring personal events are expanded, each occurrence with the original start
that names it, by `personal_event_occurrences.in_window`.

Who may see what is not decided here: the caller (the agenda API) passes the practitioners the
member may read, and masks what the policy hides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection

from carnet.patients.models import Patient
from carnet.scheduling.agenda import row_instant, sql_instant, zone_named
from carnet.scheduling.availability import DatedRange, WeeklyRange, opening_hours
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    PersonalEvent,
    ScheduleException,
    ScheduleExceptionKind,
    ScheduleLine,
)
from carnet.scheduling.personal_event_occurrences import in_window

__all__ = ["AgendaAppointment", "AgendaContents", "AgendaPersonal", "OpenRange", "load_contents"]


@dataclass(frozen=True, slots=True)
class AgendaAppointment:
    """One appointment as the agenda draws it; instants aware UTC; `public_id` as text
    (8-4-4-4-12 hex digits, as in URLs)."""

    public_id: str
    practitioner_id: int
    center_id: int
    start: datetime
    end: datetime
    status: str
    patient_name: str
    type_name: str
    color: str


@dataclass(frozen=True, slots=True)
class AgendaPersonal:
    """One occurrence of a personal event. `occurrence` is the original start of an occurrence
    of a recurring event (RFC 5545's RECURRENCE-ID, what "change this occurrence" names), None
    for a one-off event."""

    event_id: int
    practitioner_id: int
    title: str
    start: datetime
    end: datetime
    occurrence: datetime | None


@dataclass(frozen=True, slots=True)
class OpenRange:
    """A stretch of a practitioner's opening hours at one center."""

    practitioner_id: int
    center_id: int
    start: datetime
    end: datetime


@dataclass(slots=True)
class AgendaContents:
    appointments: list[AgendaAppointment] = field(default_factory=list)
    personal: list[AgendaPersonal] = field(default_factory=list)
    open_ranges: list[OpenRange] = field(default_factory=list)


def load_contents(
    practice_id: int,
    practitioner_ids: list[int],
    window: tuple[datetime, datetime],
    center_id: int | None = None,
) -> AgendaContents:
    """Everything the agenda shows for these practitioners in [start, end): every appointment
    but cancelled ones, every personal event occurrence, and the opening hours (only those at
    `center_id` and its appointments when a center is given; personal events are everywhere)."""
    contents = AgendaContents()
    if not practitioner_ids:
        return contents
    contents.appointments = _appointments(practice_id, practitioner_ids, window, center_id)
    contents.personal = _personal(practitioner_ids, window)
    contents.open_ranges = _open_ranges(practitioner_ids, window, center_id)
    return contents


def _uuid_text(value: UUID | str) -> str:
    """A UUID column as text: PostgreSQL gives a UUID, SQLite its 32 hex digits."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


# Hand-written: for the benchmark's week (600 appointments, bench/agenda.py) the ORM's
# `values_list` (building the join, converting every column) took three times as long.
_APPOINTMENTS = (
    'SELECT a.public_id, a.practitioner_id, a.center_id, a.start, a."end", a.status, '
    "p.first_name, p.last_name, t.name, t.color "
    "FROM {appointment} a "
    "JOIN {patient} p ON p.id = a.patient_id "
    "JOIN {appointment_type} t ON t.id = a.appointment_type_id "
    'WHERE a.practice_id = %s AND a.practitioner_id IN ({ids}) AND a.start < %s AND a."end" > %s '
    "AND a.status <> %s{center} ORDER BY a.start, a.id"
)


def _appointments(
    practice_id: int,
    practitioner_ids: list[int],
    window: tuple[datetime, datetime],
    center_id: int | None,
) -> list[AgendaAppointment]:
    start, end = window
    sql = _APPOINTMENTS.format(
        appointment=Appointment._meta.db_table,
        patient=Patient._meta.db_table,
        appointment_type=AppointmentType._meta.db_table,
        ids=", ".join(["%s"] * len(practitioner_ids)),
        center="" if center_id is None else " AND a.center_id = %s",
    )
    params: list[Any] = [practice_id, *practitioner_ids, sql_instant(end), sql_instant(start)]
    params.append(AppointmentStatus.CANCELLED)
    if center_id is not None:
        params.append(center_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Each row straight into its dataclass, in the SELECT's column order.
    return [
        AgendaAppointment(
            _uuid_text(public_id),
            pid,
            center,
            row_instant(begins),
            row_instant(ends),
            status,
            f"{first} {last}".strip(),
            type_name,
            color,
        )
        for public_id, pid, center, begins, ends, status, first, last, type_name, color in rows
    ]


def _personal(
    practitioner_ids: list[int], window: tuple[datetime, datetime]
) -> list[AgendaPersonal]:
    start, end = window
    # One-off events overlapping the window, and every series begun by its end (the expansion
    # keeps the occurrences that fall inside), as `agenda.load_agendas` does.
    events = (
        PersonalEvent.objects.filter(practitioner_id__in=practitioner_ids, start__lt=end)
        .exclude(end__lte=start, rrule="")
        .only("pk", "practitioner_id", "title", "start", "end", "time_zone", "rrule", "exdates")
        .prefetch_related("overrides")
    )
    found = [
        AgendaPersonal(
            event.pk,
            event.practitioner_id,
            event.title,
            occurrence.start,
            occurrence.end,
            occurrence.recurrence_id,
        )
        for event in events
        # One event at a time: `in_window` keeps a list page short, the agenda needs them all.
        for occurrence in in_window([event], start, end)
    ]
    found.sort(key=lambda item: (item.start, item.event_id))
    return found


def _open_ranges(
    practitioner_ids: list[int], window: tuple[datetime, datetime], center_id: int | None
) -> list[OpenRange]:
    schedules: dict[int, list[WeeklyRange]] = defaultdict(list)
    lines = ScheduleLine.objects.filter(practitioner_id__in=practitioner_ids)
    for pid, weekday, opens, closes, center, zone in lines.values_list(
        "practitioner_id", "weekday", "start", "end", "center_id", "center__time_zone"
    ):
        schedules[pid].append(WeeklyRange(weekday, opens, closes, center, zone_named(zone)))
    time_off: dict[int, list[DatedRange]] = defaultdict(list)
    extra: dict[int, list[DatedRange]] = defaultdict(list)
    start, end = window
    for pid, kind, begins, ends, center in ScheduleException.objects.filter(
        practitioner_id__in=practitioner_ids, start__lt=end, end__gt=start
    ).values_list("practitioner_id", "kind", "start", "end", "center_id"):
        target = extra if kind == ScheduleExceptionKind.EXTRA else time_off
        if kind == ScheduleExceptionKind.EXTRA and center is None:
            continue  # extra hours always name a center; a stored row without one is ignored
        target[pid].append(DatedRange(begins, ends, center))
    ranges = [
        OpenRange(pid, center, begins, ends)
        for pid in practitioner_ids
        for begins, ends, center in opening_hours(
            schedules.get(pid, []), window, time_off.get(pid, []), extra.get(pid, [])
        )
        if center_id is None or center == center_id
    ]
    ranges.sort(key=lambda item: (item.start, item.practitioner_id))
    return ranges
