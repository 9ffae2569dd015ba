"""The slot engine: which appointment start times are free for a practitioner.

Plain values in, slots out: no ORM, no I/O, no Django. The booking site, the staff agenda and
the API all ask this module, so it must be right (daylight-saving changes included) and fast
enough to be called per request (a 90-day horizon with thousands of busy intervals in a few
milliseconds).

All instants that leave this module are aware datetimes in UTC. Local wall-clock time only
appears in weekly schedule lines and in the grid, both interpreted in the zone of the line.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, pairwise
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

__all__ = [
    "DatedRange",
    "Interval",
    "Slot",
    "SlotRules",
    "WeeklyRange",
    "booking_window",
    "free_slots",
    "free_slots_any",
    "opening_hours",
    "pick_practitioner",
]

Interval = tuple[datetime, datetime]
"""A busy interval, half-open [start, end), aware (UTC preferred: other zones compare slower)."""

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_DAY_US = 86_400_000_000
_MIDNIGHT = time(0)


@dataclass(frozen=True, slots=True)
class WeeklyRange:
    """One line of a weekly schedule: open on `weekday` from `start` to `end`, local wall clock.

    Times are wall clock in `zone` (the center's zone) so that "09:00-12:00" stays 09:00-12:00 on
    both sides of a daylight-saving change. A day with a lunch break is two lines. An `end` of 00:00
    means the midnight that ends the day, the only way to express a line that runs until midnight.
    """

    weekday: int  # 0 = Monday, as date.weekday()
    start: time
    end: time
    center_id: int
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class DatedRange:
    """A dated range of aware instants: time off, or extra opening hours beyond the weekly schedule.

    For time off, `center_id` None means the practitioner is away from every center (holidays);
    extra opening hours always belong to one center, because a slot is booked at a place.
    """

    start: datetime
    end: datetime
    center_id: int | None


@dataclass(frozen=True, slots=True)
class SlotRules:
    """How an appointment type turns open time into slots.

    Buffers are prep and clean-up time: they must not overlap other appointments, but they may lie
    outside opening hours (a practitioner can prepare before the door opens), so a 09:00 slot with a
    10-minute `buffer_before` is offered when opening is at 09:00.
    The grid is anchored at local midnight: a 15-minute grid offers :00, :15, :30 and :45.
    """

    duration: timedelta
    buffer_before: timedelta = _ZERO
    buffer_after: timedelta = _ZERO
    grid: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        # Checked here once rather than failing obscurely (or looping forever) in the engine.
        if self.duration <= _ZERO:
            raise ValueError("duration must be positive")
        if self.grid <= _ZERO:
            raise ValueError("grid must be positive")
        if self.buffer_before < _ZERO or self.buffer_after < _ZERO:
            raise ValueError("buffers cannot be negative")


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A bookable appointment time at one center, aware UTC; ordered by start, end, center."""

    start: datetime
    end: datetime
    center_id: int


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _local_start(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which a local start time happens.

    fold=0 picks the first of two ambiguous instants (fall back) and, for a nonexistent wall time
    (spring forward), the offset before the change, which moves the time forward by the gap:
    02:30 in Paris on the spring day is 01:30 UTC, 03:30 local.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _local_end(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which a local end time happens, never earlier than the wall clock says.

    The later of the two folds: the second occurrence of an ambiguous time (the range is not
    shortened by the repeated hour) and, in a gap, the same forward shift as for starts.
    """
    if at == _MIDNIGHT:
        return _local_start(day + _DAY, _MIDNIGHT, zone)
    local = datetime.combine(day, at, tzinfo=zone)
    return max(local.astimezone(UTC), local.replace(fold=1).astimezone(UTC))


def _offset_at_midnight(day: date, zone: ZoneInfo) -> timedelta:
    """The zone's UTC offset at the start of a local day (fold=0, as for any start)."""
    return datetime.combine(day, _MIDNIGHT, tzinfo=zone).utcoffset() or _ZERO


def booking_window(
    now: datetime, min_notice: timedelta, horizon_days: int, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The [earliest, latest] instants a patient may book at, in UTC.

    Earliest is `now` plus the minimum notice. Latest is the end of the local day `horizon_days`
    after today, where "today" is counted in the practice's zone, not in UTC: at 23:30 UTC it is
    already tomorrow in Sydney, and the horizon moves with the patients' calendar.
    """
    _require_aware(now, "now")
    if horizon_days < 0:
        raise ValueError("horizon_days cannot be negative")
    today = now.astimezone(zone).date()
    latest = _local_start(today + timedelta(days=horizon_days + 1), _MIDNIGHT, zone)
    return (now + min_notice).astimezone(UTC), latest


def _merge(ranges: list[Interval]) -> list[Interval]:
    """Union of half-open intervals; touching intervals are joined (open 09-12 + 12-13 = 09-13)."""
    ranges.sort()
    merged: list[Interval] = []
    for start, end in ranges:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(opened: list[Interval], closed: list[Interval]) -> list[Interval]:
    """`opened` minus `closed`, both merged and sorted; a linear sweep."""
    if not closed:
        return opened
    result: list[Interval] = []
    j = 0
    for start, end in opened:
        while j < len(closed) and closed[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(closed) and closed[k][0] < end:
            if closed[k][0] > cursor:
                result.append((cursor, closed[k][0]))
            cursor = max(cursor, closed[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def _open_time(
    schedule: Sequence[WeeklyRange],
    window: tuple[datetime, datetime],
    time_off: Sequence[DatedRange],
    extra: Sequence[DatedRange],
    center_id: int | None,
) -> list[tuple[datetime, datetime, int, ZoneInfo]]:
    """Merged open intervals (UTC start, UTC end, center, grid zone), sorted by start."""
    window_start, window_end = window
    by_center: dict[int, list[Interval]] = {}
    zones: dict[int, ZoneInfo] = {}
    lines_by_zone: dict[ZoneInfo, list[list[WeeklyRange]]] = {}
    for line in schedule:
        if center_id is not None and line.center_id != center_id:
            continue
        # One zone per center for the grid; a center's lines are expected to share it.
        zones.setdefault(line.center_id, line.zone)
        lines_by_zone.setdefault(line.zone, [[] for _ in range(7)])[line.weekday].append(line)

    for zone, by_weekday in lines_by_zone.items():
        # One day of margin each side: a window edge's local date differs from its UTC date.
        day = window_start.astimezone(zone).date() - _DAY
        last = window_end.astimezone(zone).date() + _DAY
        offset = _offset_at_midnight(day, zone)
        while day <= last:
            following = day + _DAY
            next_offset = _offset_at_midnight(following, zone)
            lines = by_weekday[day.weekday()]
            for line in lines:
                if offset == next_offset:
                    # No change of offset that day (all but two days a year): plain arithmetic,
                    # and zoneinfo lookups stay out of the per-line work.
                    start = datetime.combine(day, line.start, tzinfo=UTC) - offset
                    end_day = following if line.end == _MIDNIGHT else day
                    end = datetime.combine(end_day, line.end, tzinfo=UTC) - offset
                else:
                    start = _local_start(day, line.start, zone)
                    end = _local_end(day, line.end, zone)
                if end > window_start and start < window_end:
                    by_center.setdefault(line.center_id, []).append((start, end))
            day, offset = following, next_offset

    for dated in extra:
        if dated.center_id is None:
            raise ValueError("extra opening hours need a center")
        if center_id is not None and dated.center_id != center_id:
            continue
        _require_aware(dated.start, "extra start")
        _require_aware(dated.end, "extra end")
        if dated.center_id not in zones:
            # A center open only through extra hours: anchor its grid in the zone it was given in.
            tz = dated.start.tzinfo
            zones[dated.center_id] = tz if isinstance(tz, ZoneInfo) else ZoneInfo("UTC")
        by_center.setdefault(dated.center_id, []).append(
            (dated.start.astimezone(UTC), dated.end.astimezone(UTC))
        )

    everywhere_off = [
        (off.start.astimezone(UTC), off.end.astimezone(UTC))
        for off in time_off
        if off.center_id is None
    ]
    result: list[tuple[datetime, datetime, int, ZoneInfo]] = []
    for center, ranges in by_center.items():
        closed = everywhere_off + [
            (off.start.astimezone(UTC), off.end.astimezone(UTC))
            for off in time_off
            if off.center_id == center
        ]
        zone = zones[center]
        for start, end in _subtract(_merge(ranges), _merge(closed)):
            result.append((start, end, center, zone))
    result.sort(key=itemgetter(0, 2))
    return result


def opening_hours(
    schedule: Sequence[WeeklyRange],
    window: tuple[datetime, datetime],
    time_off: Sequence[DatedRange] = (),
    extra: Sequence[DatedRange] = (),
) -> list[tuple[datetime, datetime, int]]:
    """A practitioner's open time in `window` as (UTC start, UTC end, center), sorted by start.

    The same open time the slots are cut from (weekly schedule plus extra hours, minus time off,
    daylight-saving changes included), for the staff agenda to shade; not clipped to the window.
    """
    return [
        (start, end, center)
        for start, end, center, _zone in _open_time(schedule, window, time_off, extra, None)
    ]


def _first_grid_point(instant: datetime, zone: ZoneInfo, grid_us: int) -> datetime:
    """The first grid point at or after `instant`, the grid counted in wall-clock time from local
    midnight; the distance to it is then added in absolute time (DST offsets are whole multiples of
    15 minutes, so points stay on the wall-clock grid)."""
    local = instant.astimezone(zone)
    since_midnight = (
        (local.hour * 60 + local.minute) * 60 + local.second
    ) * 1_000_000 + local.microsecond
    point = -(-since_midnight // grid_us) * grid_us
    if point >= _DAY_US:
        return _local_start(local.date() + _DAY, _MIDNIGHT, zone)
    return instant + timedelta(microseconds=point - since_midnight)


def free_slots(
    schedule: Sequence[WeeklyRange],
    rules: SlotRules,
    window: tuple[datetime, datetime],
    busy: Iterable[Interval],
    time_off: Sequence[DatedRange] = (),
    extra: Sequence[DatedRange] = (),
    center_id: int | None = None,
) -> list[Slot]:
    """Every free slot of one practitioner in `window`, sorted; `center_id` None means any center.

    A slot [s, s + duration] is offered when s is on the grid, the slot lies inside one continuous
    stretch of open time at its center (weekly schedule plus `extra`, minus `time_off`), it lies
    inside `window` (see `booking_window`), and the slot widened by the type's buffers overlaps no
    `busy` interval (touching is fine). Buffers may fall outside opening hours.

    Cost is O((n + m) log(n + m)) for n busy intervals and m candidate starts: busy intervals are
    sorted once, and each candidate is checked with one binary search; a blocked candidate jumps
    straight past the interval that blocks it.
    """
    window_start, window_end = window
    _require_aware(window_start, "window start")
    _require_aware(window_end, "window end")
    window_start = window_start.astimezone(UTC)
    window_end = window_end.astimezone(UTC)
    if window_end <= window_start:
        return []

    # Busy starts sorted, with the running maximum of their ends: among the busy intervals that
    # start before t, one reaches past u exactly when that running maximum does. Sorting and the
    # running maximum run in C, which is what keeps thousands of intervals cheap.
    ordered = sorted((b for b in busy if b[0] < b[1]), key=itemgetter(0))
    busy_starts = list(map(itemgetter(0), ordered))
    reach = list(accumulate(map(itemgetter(1), ordered), max))

    duration = rules.duration
    before = rules.buffer_before
    span_after = rules.duration + rules.buffer_after
    grid = rules.grid
    grid_us = grid // timedelta(microseconds=1)
    slots: list[Slot] = []
    append = slots.append
    opened = _open_time(schedule, (window_start, window_end), time_off, extra, center_id)
    # Open intervals are disjoint per center; only two centers open at once interleave slots.
    interleaved = any(a[1] > b[0] for a, b in pairwise(opened))

    for open_start, open_end, center, zone in opened:
        last_start = min(open_end, window_end) - duration
        first = max(open_start, window_start)
        if first > last_start:
            continue
        start = _first_grid_point(first, zone, grid_us)
        while start <= last_start:
            # Busy intervals that start before the padded slot ends; does one reach into it?
            i = bisect_left(busy_starts, start + span_after)
            if i:
                reached = reach[i - 1]
                if reached > start - before:
                    # Blocked until that interval ends (plus our buffer): jump on the grid.
                    start += grid * -((start - before - reached) // grid)
                    continue
            append(Slot(start, start + duration, center))
            start += grid
    if interleaved:
        slots.sort(key=attrgetter("start", "end", "center_id"))
    return slots


def free_slots_any(
    per_practitioner: Mapping[int, Sequence[Slot]],
) -> list[tuple[Slot, tuple[int, ...]]]:
    """The union of several practitioners' slots, for "any practitioner" booking.

    Each distinct (start, end, center) comes once, with the sorted ids of the practitioners free
    then; choose one with `pick_practitioner` when the patient books.
    """
    who: dict[Slot, list[int]] = {}
    for practitioner_id in sorted(per_practitioner):
        for slot in per_practitioner[practitioner_id]:
            who.setdefault(slot, []).append(practitioner_id)
    return [(slot, tuple(ids)) for slot, ids in sorted(who.items(), key=itemgetter(0))]


def pick_practitioner(candidates: Sequence[int], booked_minutes_that_day: Mapping[int, int]) -> int:
    """The candidate with the fewest booked minutes that day; ties go to the lowest id.

    Spreading load this way is fair to practitioners and deterministic, so a retried booking
    lands on the same person.
    """
    if not candidates:
        raise ValueError("no candidate practitioner")
    return min(candidates, key=lambda pid: (booked_minutes_that_day.get(pid, 0), pid))
