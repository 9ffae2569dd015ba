"""From the database to the slot engine: a practitioner's agenda over a window, as plain values.

`carnet.scheduling.availability` knows nothing of the ORM; this module loads exactly what it needs
for a bounded window (a few queries, whatever the number of practitioners, selecting only the
columns used) and `available_slots` answers "which times can be booked" for the booking site and
the staff pages. `carnet.scheduling.booking` uses the same loader to check one requested time.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection

from carnet.practices.models import Center, Practice
from carnet.scheduling.availability import (
    DatedRange,
    Interval,
    Slot,
    SlotRules,
    WeeklyRange,
    booking_window,
    free_slots,
    free_slots_any,
)
from carnet.scheduling.errors import (
    InvalidRange,
    NotOffered,
    NotOnlineBookable,
    WrongPractice,
)
from carnet.scheduling.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    AppointmentType,
    PersonalEvent,
    PersonalEventOverride,
    Practitioner,
    ScheduleException,
    ScheduleExceptionKind,
    ScheduleLine,
    TypeScheduleLine,
)
from carnet.scheduling.recurrence import Override, RecurringEvent, occurrences, read_exdates

__all__ = [
    "PractitionerAgenda",
    "available_slots",
    "load_agendas",
    "offering_practitioners",
    "slot_rules",
]

logger = logging.getLogger(__name__)

# Buffers are at most 240 minutes each (AppointmentType's validators). A candidate slot padded by
# its own buffer can touch a busy interval padded by another type's buffer, so busy rows are
# fetched this far beyond the window on each side.
BUSY_MARGIN = timedelta(minutes=2 * 240)
LONGEST_RANGE = timedelta(days=366)


@lru_cache(maxsize=256)
def zone_named(name: str) -> ZoneInfo:
    """A time zone by name, built once (every row of hand-written SQL names one)."""
    return ZoneInfo(name)


@dataclass(slots=True)
class PractitionerAgenda:
    """Everything the engine needs about one practitioner over a window; all instants aware UTC.

    `appointments` are the raw [start, end) of occupying appointments; `padded` the same widened by
    each appointment's own type buffers, which is what the engine treats as busy.
    """

    schedule: list[WeeklyRange] = field(default_factory=list)
    time_off: list[DatedRange] = field(default_factory=list)
    extra: list[DatedRange] = field(default_factory=list)
    appointments: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    padded: list[Interval] = field(default_factory=list)
    personal: list[Interval] = field(default_factory=list)
    personal_titles: list[str] = field(default_factory=list)

    @property
    def busy(self) -> list[Interval]:
        return self.padded + self.personal


def slot_rules(appointment_type: AppointmentType, practice: Practice) -> SlotRules:
    """The engine's rules for a type: its duration, buffers and grid (the practice's by default)."""
    return SlotRules(
        duration=timedelta(minutes=appointment_type.duration_minutes),
        buffer_before=timedelta(minutes=appointment_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=appointment_type.buffer_after_minutes),
        grid=timedelta(minutes=appointment_type.slot_grid_minutes or practice.slot_grid_minutes),
    )


def _sql(template: str, params: list[Any], ids: list[int]) -> list[tuple[Any, ...]]:
    """Run one SELECT with `{table}` names filled in from the models and `{ids}` with one
    placeholder per id. The ids come first in the parameters; for a UNION, `params` is a list
    with one list per branch, each then preceded by the ids.

    The booking path runs these for every booking, so they are plain SQL rather than ORM
    querysets, whose building and compiling cost more than the queries themselves (the benchmark
    in bench/booking.py went from 90 to over 300 bookings a second with it). Columns are few and
    named; values are converted by `row_instant` and `_clock` below.
    """
    if params and isinstance(params[0], list):
        flat = [value for branch in params for value in (*ids, *branch)]
    else:
        flat = [*ids, *params]
    with connection.cursor() as cursor:
        cursor.execute(template.format(ids=", ".join(["%s"] * len(ids)), **_TABLES), flat)
        return cursor.fetchall()


_TABLES = {
    "appointment": Appointment._meta.db_table,
    "appointment_type": AppointmentType._meta.db_table,
    "center": Center._meta.db_table,
    "exception": ScheduleException._meta.db_table,
    "line": ScheduleLine._meta.db_table,
    "type_line": TypeScheduleLine._meta.db_table,
    "personal": PersonalEvent._meta.db_table,
    "override": PersonalEventOverride._meta.db_table,
}


def sql_instant(moment: datetime) -> Any:
    """An aware instant as the database compares it (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def row_instant(value: datetime | str) -> datetime:
    """A timestamp column as an aware UTC datetime, from PostgreSQL (aware) or SQLite (text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _clock(value: time | str) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class _BusyRow:
    """One row of the busy-time UNION in `load_agendas`; `what` says which branch it came from:
    'x' a schedule exception, 'a' an appointment, 'p' a personal event."""

    what: str
    practitioner_id: int
    pk: int
    start: datetime
    end: datetime
    center_id: int | None = None  # x
    buffer_before: int = 0  # a, minutes
    buffer_after: int = 0  # a, minutes
    label: str | None = None  # x: the exception's kind; p: the title
    time_zone: str | None = None  # p
    rrule: str | None = None  # p
    exdates: str | None = None  # p, JSON text

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> _BusyRow:
        what, pid, pk, start, end, number1, number2, text1, text2, text3, text4 = row
        common = (what, pid, pk, row_instant(start), row_instant(end))
        if what == "a":
            return cls(*common, buffer_before=number1, buffer_after=number2)
        if what == "x":
            return cls(*common, center_id=number1, label=text1)
        return cls(*common, label=text1, time_zone=text2, rrule=text3, exdates=text4)


class _PersonalRow(NamedTuple):
    """A personal event as `_expand_personal` reads it."""

    pk: int
    practitioner_id: int
    title: str
    start: datetime
    end: datetime
    time_zone: str
    rrule: str
    exdates: str | None


def load_agendas(
    appointment_type: AppointmentType,
    practitioner_ids: list[int],
    window: tuple[datetime, datetime],
    *,
    exclude_appointment_id: int | None = None,
) -> dict[int, PractitionerAgenda]:
    """The agendas of several practitioners for `window`, in two or three queries in all.

    The schedule is the type's own weekly schedule when it has one (it replaces the general one,
    for every practitioner offering the type), else each practitioner's. Busy time is occupying
    appointments (every status but cancelled, `exclude_appointment_id` left out so that a move
    does not collide with itself) and personal events, recurring ones expanded with their
    exceptions and moved or cancelled occurrences. Every query is bounded by the window (busy rows
    by the window widened by the longest buffers) and selects only the columns used.
    """
    agendas = {pid: PractitionerAgenda() for pid in practitioner_ids}
    if not practitioner_ids:
        return agendas
    window_start, window_end = window
    near_start = sql_instant(window_start - BUSY_MARGIN)
    near_end = sql_instant(window_end + BUSY_MARGIN)

    if appointment_type.has_own_schedule:
        shared = [
            WeeklyRange(weekday, _clock(start), _clock(end), center_id, zone_named(zone))
            for weekday, start, end, center_id, zone in _sql(
                'SELECT l.weekday, l.start, l."end", l.center_id, c.time_zone '
                "FROM {type_line} l JOIN {center} c ON c.id = l.center_id "
                "WHERE l.appointment_type_id = %s",
                [appointment_type.pk],
                [],
            )
        ]
        for agenda in agendas.values():
            agenda.schedule = shared
    else:
        for pid, weekday, start, end, center_id, zone in _sql(
            'SELECT l.practitioner_id, l.weekday, l.start, l."end", l.center_id, c.time_zone '
            "FROM {line} l JOIN {center} c ON c.id = l.center_id "
            "WHERE l.practitioner_id IN ({ids})",
            [],
            practitioner_ids,
        ):
            agendas[pid].schedule.append(
                WeeklyRange(weekday, _clock(start), _clock(end), center_id, zone_named(zone))
            )

    # Time off, extra hours, appointments and personal events in one round trip: these run for
    # every booking, under the practitioner's lock. Columns: what, practitioner, id, start, end,
    # then two numbers and four texts whose meaning depends on `what`.
    rows = _sql(
        "SELECT 'x', practitioner_id, id, start, \"end\", center_id, NULL, kind, NULL, NULL, NULL "
        "FROM {exception} "
        'WHERE practitioner_id IN ({ids}) AND start < %s AND "end" > %s '
        "UNION ALL "
        "SELECT 'a', a.practitioner_id, a.id, a.start, a.\"end\", "
        "t.buffer_before_minutes, t.buffer_after_minutes, NULL, NULL, NULL, NULL "
        "FROM {appointment} a JOIN {appointment_type} t ON t.id = a.appointment_type_id "
        'WHERE a.practitioner_id IN ({ids}) AND a.start < %s AND a."end" > %s '
        "AND a.status <> %s AND a.id <> %s "
        "UNION ALL "
        # One-off events overlapping the window, and every series that has started by its end
        # (the expansion then keeps only the occurrences that fall inside).
        "SELECT 'p', practitioner_id, id, start, \"end\", NULL, NULL, title, time_zone, rrule, "
        "CAST(exdates AS TEXT) FROM {personal} "
        "WHERE practitioner_id IN ({ids}) AND start < %s AND (\"end\" > %s OR rrule <> '')",
        [
            [sql_instant(window_end), sql_instant(window_start)],
            [near_end, near_start, AppointmentStatus.CANCELLED, exclude_appointment_id or 0],
            [near_end, near_start],
        ],
        practitioner_ids,
    )
    personal: list[tuple[Any, ...]] = []
    for row in map(_BusyRow.from_row, rows):
        agenda = agendas[row.practitioner_id]
        start, end = row.start, row.end
        if row.what == "a":
            agenda.appointments.append((row.pk, start, end))
            agenda.padded.append(
                (
                    start - timedelta(minutes=row.buffer_before),
                    end + timedelta(minutes=row.buffer_after),
                )
            )
        elif row.what == "x":
            dated = DatedRange(start, end, row.center_id)
            if row.label == ScheduleExceptionKind.EXTRA:
                agenda.extra.append(dated)
            else:
                agenda.time_off.append(dated)
        else:
            personal.append(
                _PersonalRow(
                    row.pk,
                    row.practitioner_id,
                    row.label or "",
                    start,
                    end,
                    row.time_zone or "UTC",
                    row.rrule or "",
                    row.exdates,
                )
            )
    _expand_personal(agendas, personal, window_start - BUSY_MARGIN, window_end + BUSY_MARGIN)
    return agendas


def _expand_personal(
    agendas: dict[int, PractitionerAgenda],
    rows: list[tuple[Any, ...]],
    window_start: datetime,
    window_end: datetime,
) -> None:
    """Add personal events to the agendas, recurring ones expanded over the window."""
    recurring = [row[0] for row in rows if row[6]]
    overrides: dict[int, list[Override]] = defaultdict(list)
    if recurring:
        for event_id, recurrence_id, start, end, cancelled in _sql(
            'SELECT event_id, recurrence_id, start, "end", cancelled FROM {override} '
            "WHERE event_id IN ({ids})",
            [],
            recurring,
        ):
            try:
                override = Override(
                    row_instant(recurrence_id),
                    row_instant(start) if start is not None else None,
                    row_instant(end) if end is not None else None,
                    bool(cancelled),
                )
            except (ValueError, TypeError) as error:
                logger.warning(
                    "agenda: changed occurrence of event %s left out: %s", event_id, error
                )
                continue
            overrides[event_id].append(override)
    for pk, pid, title, start, end, zone_name, rrule, exdates in rows:
        agenda = agendas[pid]
        if not rrule:
            agenda.personal.append((start, end))
            agenda.personal_titles.append(title)
            continue
        # Stored rows are read as they are: an older version, the admin or another calendar may
        # have written what the model refuses today. One unreadable event must never make the
        # agenda, and so every booking of the practitioner, fail: it is left out and logged.
        try:
            zone = zone_named(zone_name)
            excluded, unreadable = _exdates(exdates, zone)
            if unreadable:
                logger.warning("agenda: %d unreadable EXDATEs of event %s", unreadable, pk)
            event = RecurringEvent(
                start=start,
                end=end,
                zone=zone,
                rrule=rrule,
                exdates=excluded,
                overrides=tuple(overrides.get(pk, ())),
            )
            found = occurrences(event, window_start, window_end)
        except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
            logger.warning("agenda: personal event %s left out: %s", pk, error)
            continue
        agenda.personal.extend(found)
        agenda.personal_titles.extend([title] * len(found))


def _exdates(text: str | None, zone: ZoneInfo) -> tuple[tuple[datetime, ...], int]:
    """The readable EXDATEs of the stored JSON text, and how many items could not be read
    (those occurrences stay busy: the safe side for bookings)."""
    try:
        values = json.loads(text or "[]")
    except ValueError:
        return (), 1
    return read_exdates(values, zone)


def offering_practitioners(practice: Practice, appointment_type: AppointmentType) -> list[int]:
    """Ids of the practice's active practitioners who offer the type, lowest first."""
    return list(
        Practitioner.objects.filter(
            practice_id=practice.pk, is_active=True, appointment_types=appointment_type.pk
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def local_day_window(start_date: date, end_date: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From local midnight starting `start_date` to the one ending `end_date`, in UTC."""
    return (
        datetime.combine(start_date, time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC),
    )


def available_slots(
    practice: Practice,
    appointment_type: AppointmentType,
    practitioner: Practitioner | None,
    center: Center | None,
    start_date: date,
    end_date: date,
    now: datetime,
    *,
    channel: str = AppointmentSource.ONLINE,
) -> list[tuple[Slot, tuple[int, ...]]]:
    """The bookable slots from `start_date` to `end_date` (inclusive, the practice's local days).

    Each slot comes with the ids of the practitioners free then: just the one asked for, or for
    `practitioner=None` ("any practitioner") every active practitioner offering the type. Online
    (the default channel) also applies each practitioner's minimum notice and booking horizon, and
    refuses types that are not bookable online; staff see the whole range.
    Raises `WrongPractice`, `NotOffered`, `NotOnlineBookable` or `InvalidRange`.
    """
    online = channel == AppointmentSource.ONLINE
    if appointment_type.practice_id != practice.pk:
        raise WrongPractice("appointment_type")
    if center is not None and center.practice_id != practice.pk:
        raise WrongPractice("center")
    if practitioner is not None and practitioner.practice_id != practice.pk:
        raise WrongPractice("practitioner")
    if online and not (appointment_type.online_booking and appointment_type.is_active):
        raise NotOnlineBookable()
    if end_date < start_date:
        raise InvalidRange("inverted")
    if end_date - start_date >= LONGEST_RANGE:
        raise InvalidRange("too_long")

    candidates = offering_practitioners(practice, appointment_type)
    if practitioner is not None:
        if practitioner.pk not in candidates:
            raise NotOffered()
        candidates = [practitioner.pk]
    if not candidates:
        return []

    zone = practice.zone
    window = local_day_window(start_date, end_date, zone)
    windows = dict.fromkeys(candidates, window)
    if online:
        for pid, notice, horizon in Practitioner.objects.filter(pk__in=candidates).values_list(
            "pk", "min_notice_minutes", "booking_horizon_days"
        ):
            earliest, latest = booking_window(now, timedelta(minutes=notice), horizon, zone)
            windows[pid] = (max(window[0], earliest), min(window[1], latest))

    rules = slot_rules(appointment_type, practice)
    agendas = load_agendas(appointment_type, candidates, window)
    center_id = center.pk if center is not None else None
    per_practitioner = {
        pid: free_slots(
            agenda.schedule,
            rules,
            windows[pid],
            agenda.busy,
            agenda.time_off,
            agenda.extra,
            center_id,
        )
        for pid, agenda in agendas.items()
    }
    return free_slots_any(per_practitioner)
