"""Tests of the slot engine: properties against a brute-force oracle, then specific cases.

The oracle works in whole UTC minutes: it marks every open minute of every center, then tries
every minute of the window as a start. It is slow and obviously correct; the engine must agree
with it exactly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.scheduling.availability import (
    DatedRange,
    Slot,
    SlotRules,
    WeeklyRange,
    booking_window,
    free_slots,
    free_slots_any,
    pick_practitioner,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
ZONES = [PARIS, NEW_YORK, SYDNEY, ZoneInfo("UTC")]
# Days of daylight-saving changes in 2026 (both directions, three zones) and one quiet day.
CHANGE_DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 6, 15),
]
MINUTE = timedelta(minutes=1)


def at(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def minute_of(moment: datetime) -> int:
    seconds = int(moment.timestamp())
    assert seconds % 60 == 0
    return seconds // 60


# --- the oracle ------------------------------------------------------------------------------


class Scenario:
    """Generated inputs, plus the oracle's open-minute tables."""

    def __init__(
        self,
        zones: dict[int, ZoneInfo],
        lines: list[WeeklyRange],
        rules: SlotRules,
        window: tuple[int, int],
        busy: list[tuple[int, int]],
        time_off: list[DatedRange],
        extra: list[DatedRange],
        center_id: int | None,
    ) -> None:
        self.zones = zones
        self.lines = lines
        self.rules = rules
        self.window = window
        self.busy = busy
        self.time_off = time_off
        self.extra = extra
        self.center_id = center_id
        self.base = window[0] - 3 * 1440
        size = window[1] - self.base + 3 * 1440
        self.prefix: dict[int, list[int]] = {}
        for center in (1, 2):
            opened = [False] * size
            for start, end in self._line_minutes(center):
                for m in range(max(start, self.base), min(end, self.base + size)):
                    opened[m - self.base] = True
            for dated in extra:
                if dated.center_id == center:
                    for m in range(minute_of(dated.start), minute_of(dated.end)):
                        opened[m - self.base] = True
            for dated in time_off:
                if dated.center_id in (None, center):
                    for m in range(minute_of(dated.start), minute_of(dated.end)):
                        if 0 <= m - self.base < size:
                            opened[m - self.base] = False
            prefix = [0]
            for flag in opened:
                prefix.append(prefix[-1] + flag)
            self.prefix[center] = prefix

    def _line_minutes(self, center: int) -> list[tuple[int, int]]:
        """Each line on each local date, by the rule: start fold=0, end the later fold."""
        zone = self.zones[center]
        found = []
        first = at(self.window[0]).astimezone(zone).date() - timedelta(days=2)
        for offset in range(8):
            day = first + timedelta(days=offset)
            for line in self.lines:
                if line.center_id != center or line.weekday != day.weekday():
                    continue
                start = datetime.combine(day, line.start, tzinfo=zone)
                if line.end == time(0):
                    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                    end_minute = minute_of(end)
                else:
                    end = datetime.combine(day, line.end, tzinfo=zone)
                    end_minute = max(minute_of(end), minute_of(end.replace(fold=1)))
                found.append((minute_of(start), end_minute))
        return found

    def is_open(self, center: int, start: int, end: int) -> bool:
        prefix = self.prefix[center]
        return prefix[end - self.base] - prefix[start - self.base] == end - start

    def collides(self, start: int, end: int) -> bool:
        return any(b0 < end and b1 > start for b0, b1 in self.busy)

    def on_grid(self, center: int, start: int) -> bool:
        local = at(start).astimezone(self.zones[center])
        return (local.hour * 60 + local.minute) % (self.rules.grid // MINUTE) == 0

    def oracle(self) -> list[tuple[int, int, int]]:
        duration = self.rules.duration // MINUTE
        before = self.rules.buffer_before // MINUTE
        after = self.rules.buffer_after // MINUTE
        found = []
        for start in range(self.window[0], self.window[1] - duration + 1):
            for center in (1, 2):
                if self.center_id not in (None, center):
                    continue
                if (
                    self.on_grid(center, start)
                    and self.is_open(center, start, start + duration)
                    and not self.collides(start - before, start + duration + after)
                ):
                    found.append((start, start + duration, center))
        return found

    def run(self) -> list[Slot]:
        return free_slots(
            self.lines,
            self.rules,
            (at(self.window[0]), at(self.window[1])),
            [(at(b0), at(b1)) for b0, b1 in self.busy],
            self.time_off,
            self.extra,
            self.center_id,
        )


def as_time(minute: int) -> time:
    return time(0) if minute >= 1440 else time(minute // 60, minute % 60)


@st.composite
def scenarios(draw: st.DrawFn, grids: tuple[int, ...] = (5, 10, 15, 20, 30, 60)) -> Scenario:
    zones = {1: draw(st.sampled_from(ZONES)), 2: draw(st.sampled_from(ZONES))}
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        center = draw(st.sampled_from([1, 2]))
        start = draw(st.integers(0, 1435 // 5)) * 5
        end = min(1440, start + draw(st.integers(1, 144)) * 5)
        # Most lines run every day, so that most windows see some open time.
        weekdays = draw(st.one_of(st.just(set(range(7))), st.sets(st.integers(0, 6), min_size=1)))
        for weekday in sorted(weekdays):
            lines.append(WeeklyRange(weekday, as_time(start), as_time(end), center, zones[center]))
    day = draw(st.sampled_from(CHANGE_DAYS))
    window_start = minute_of(datetime.combine(day, time(0), tzinfo=UTC)) - 1440
    window_start += draw(st.integers(0, 2880))
    window = (window_start, window_start + draw(st.integers(6 * 60, 2 * 1440)))
    busy = []
    for _ in range(draw(st.integers(0, 25))):
        b0 = draw(st.integers(window[0] - 300, window[1] + 300))
        busy.append((b0, b0 + draw(st.integers(1, 120))))
    time_off = []
    for _ in range(draw(st.integers(0, 2))):
        t0 = draw(st.integers(window[0] - 600, window[1] + 600))
        t1 = t0 + draw(st.integers(1, 600))
        time_off.append(DatedRange(at(t0), at(t1), draw(st.sampled_from([None, 1, 2]))))
    extra = []
    for _ in range(draw(st.integers(0, 2))):
        center = draw(st.sampled_from([1, 2]))
        e0 = draw(st.integers(window[0] - 600, window[1] + 600))
        e1 = e0 + draw(st.integers(1, 600))
        zone = zones[center]
        extra.append(DatedRange(at(e0).astimezone(zone), at(e1).astimezone(zone), center))
    rules = SlotRules(
        duration=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15]))),
        grid=timedelta(minutes=draw(st.sampled_from(grids))),
    )
    center_id = draw(st.sampled_from([None, 1, 2]))
    return Scenario(zones, lines, rules, window, busy, time_off, extra, center_id)


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(scenarios(grids=(5, 10, 15, 20, 30, 45, 60, 90)))
def test_every_slot_is_open_free_and_inside_the_window(case: Scenario) -> None:
    slots = case.run()
    assert slots == sorted(slots)
    assert len(set(slots)) == len(slots)
    before = case.rules.buffer_before // MINUTE
    after = case.rules.buffer_after // MINUTE
    for slot in slots:
        start, end = minute_of(slot.start), minute_of(slot.end)
        assert slot.start.tzinfo is UTC
        assert end - start == case.rules.duration // MINUTE
        assert case.center_id in (None, slot.center_id)
        assert case.is_open(slot.center_id, start, end), "slot outside open time"
        assert not case.collides(start - before, end + after), "padded slot overlaps busy time"
        assert case.window[0] <= start, "slot before the window (notice)"
        assert end <= case.window[1], "slot after the window (horizon)"
        if 60 % (case.rules.grid // MINUTE) == 0:
            assert case.on_grid(slot.center_id, start), "slot off the wall-clock grid"


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_no_free_grid_start_is_missed(case: Scenario) -> None:
    found = [(minute_of(s.start), minute_of(s.end), s.center_id) for s in case.run()]
    assert found == case.oracle()


# --- daylight-saving changes -----------------------------------------------------------------

CHANGES = [
    (PARIS, date(2026, 3, 29)),
    (PARIS, date(2026, 10, 25)),
    (NEW_YORK, date(2026, 3, 8)),
    (NEW_YORK, date(2026, 11, 1)),
    (SYDNEY, date(2026, 4, 5)),
    (SYDNEY, date(2026, 10, 4)),
]


def every_day(start: time, end: time, zone: ZoneInfo) -> list[WeeklyRange]:
    return [WeeklyRange(weekday, start, end, 1, zone) for weekday in range(7)]


def local_window(zone: ZoneInfo, first: date, days: int) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


@pytest.mark.parametrize(("zone", "day"), CHANGES, ids=lambda v: str(v))
def test_morning_hours_keep_wall_clock_across_the_change(zone: ZoneInfo, day: date) -> None:
    saturday = day - timedelta(days=1)
    assert saturday.weekday() == 5
    rules = SlotRules(duration=timedelta(minutes=30))
    slots = free_slots(
        every_day(time(9), time(12), zone), rules, local_window(zone, saturday, 3), []
    )
    expected_times = [time(9 + q // 4, q % 4 * 15) for q in range(11)]  # 09:00 .. 11:30
    for offset in range(3):
        local_day = saturday + timedelta(days=offset)
        starts = [s.start.astimezone(zone) for s in slots]
        that_day = [s for s in starts if s.date() == local_day]
        assert [s.time() for s in that_day] == expected_times
    for slot in slots:
        assert slot.end - slot.start == timedelta(minutes=30)
        assert slot.end.astimezone(zone).time() <= time(12)


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    return any(
        wall.replace(tzinfo=zone, fold=fold).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        == wall
        for fold in (0, 1)
    )


@pytest.mark.parametrize(("zone", "day"), CHANGES, ids=lambda v: str(v))
def test_night_line_on_the_change_night(zone: ZoneInfo, day: date) -> None:
    rules = SlotRules(duration=timedelta(minutes=15))
    window = local_window(zone, day, 1)
    slots = free_slots([WeeklyRange(6, time(1), time(4), 1, zone)], rules, window, [])
    instants = [s.start for s in slots]
    assert len(set(instants)) == len(instants)
    for instant in instants:
        local = instant.astimezone(zone)
        assert exists(local.replace(tzinfo=None), zone)
        assert local.minute % 15 == 0
    # Spring forward: the line is two real hours; fall back: four (never shortened).
    offset_change = (window[1] - window[0]) - timedelta(days=1)
    assert len(slots) == 12 + offset_change // timedelta(minutes=15)


def test_end_in_the_repeated_hour_takes_the_second_one() -> None:
    rules = SlotRules(duration=timedelta(minutes=30), grid=timedelta(minutes=30))
    window = local_window(PARIS, date(2026, 10, 25), 1)
    slots = free_slots([WeeklyRange(6, time(1), time(2, 30), 1, PARIS)], rules, window, [])
    # 01:00 CEST (23:00 UTC) to the second 02:30, CET (01:30 UTC): five half hours, not three.
    assert [s.start.strftime("%H:%M") for s in slots] == [
        "23:00",
        "23:30",
        "00:00",
        "00:30",
        "01:00",
    ]


def test_start_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    rules = SlotRules(duration=timedelta(minutes=30), grid=timedelta(minutes=30))
    window = local_window(PARIS, date(2026, 3, 29), 1)
    slots = free_slots([WeeklyRange(6, time(2, 30), time(4), 1, PARIS)], rules, window, [])
    # 02:30 does not exist: it is read as 01:30 UTC, 03:30 local.
    assert [s.start for s in slots] == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]


# --- specific behaviour ----------------------------------------------------------------------

DAY = date(2026, 6, 15)  # a Monday


def test_buffers_may_fall_outside_opening_hours_but_not_on_appointments() -> None:
    rules = SlotRules(
        duration=timedelta(minutes=30),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=10),
        grid=timedelta(minutes=30),
    )
    window = local_window(PARIS, DAY, 1)
    ten = datetime.combine(DAY, time(10), tzinfo=PARIS).astimezone(UTC)
    busy = [(ten, ten + timedelta(minutes=30))]
    slots = free_slots([WeeklyRange(0, time(9), time(12), 1, PARIS)], rules, window, busy)
    local = [s.start.astimezone(PARIS).time() for s in slots]
    # 09:00 is offered (prep before opening); 09:30 and 10:30 are too close to the 10:00.
    assert local == [time(9), time(11), time(11, 30)]


def test_touching_busy_interval_does_not_block() -> None:
    rules = SlotRules(duration=timedelta(minutes=30), grid=timedelta(minutes=30))
    window = local_window(PARIS, DAY, 1)
    nine = datetime.combine(DAY, time(9), tzinfo=PARIS).astimezone(UTC)
    busy = [(nine, nine + timedelta(minutes=30))]
    slots = free_slots([WeeklyRange(0, time(9), time(10), 1, PARIS)], rules, window, busy)
    assert [s.start for s in slots] == [nine + timedelta(minutes=30)]


def test_adjacent_lines_merge_and_time_off_applies_to_every_center() -> None:
    rules = SlotRules(duration=timedelta(minutes=60), grid=timedelta(minutes=30))
    lines = [
        WeeklyRange(0, time(9), time(9, 30), 1, PARIS),
        WeeklyRange(0, time(9, 30), time(10, 30), 1, PARIS),
        WeeklyRange(0, time(14), time(16), 2, PARIS),
    ]
    window = local_window(PARIS, DAY, 1)
    slots = free_slots(lines, rules, window, [])
    assert [(s.start.astimezone(PARIS).time(), s.center_id) for s in slots] == [
        (time(9), 1),
        (time(9, 30), 1),
        (time(14), 2),
        (time(14, 30), 2),
        (time(15), 2),
    ]
    afternoon = datetime.combine(DAY, time(13), tzinfo=PARIS)
    off = [DatedRange(afternoon, afternoon + timedelta(hours=5), None)]
    assert {s.center_id for s in free_slots(lines, rules, window, [], off)} == {1}
    assert [s.center_id for s in free_slots(lines, rules, window, [], (), (), 2)] == [2, 2, 2]


def test_extra_hours_open_a_closed_day_and_need_a_center() -> None:
    rules = SlotRules(duration=timedelta(minutes=60), grid=timedelta(minutes=60))
    saturday = datetime(2026, 6, 20, 9, tzinfo=PARIS)
    extra = [DatedRange(saturday, saturday + timedelta(hours=2), 3)]
    window = local_window(PARIS, date(2026, 6, 20), 1)
    slots = free_slots([], rules, window, [], (), extra)
    assert [(s.start.astimezone(PARIS).hour, s.center_id) for s in slots] == [(9, 3), (10, 3)]
    with pytest.raises(ValueError, match="center"):
        free_slots([], rules, window, [], (), [DatedRange(saturday, saturday, None)])


def test_seconds_in_the_window_round_up_to_the_grid() -> None:
    rules = SlotRules(duration=timedelta(minutes=15))
    start = datetime.combine(DAY, time(9, 0, 1), tzinfo=PARIS).astimezone(UTC)
    window = (start, start + timedelta(hours=1))
    slots = free_slots([WeeklyRange(0, time(9), time(12), 1, PARIS)], rules, window, [])
    assert slots[0].start.astimezone(PARIS).time() == time(9, 15)
    assert slots[-1].end <= window[1]


def test_naive_window_is_refused() -> None:
    rules = SlotRules(duration=timedelta(minutes=15))
    with pytest.raises(ValueError, match="aware"):
        free_slots([], rules, (datetime(2026, 1, 1), datetime(2026, 1, 2)), [])
    with pytest.raises(ValueError):
        SlotRules(duration=timedelta(0))


# --- booking window --------------------------------------------------------------------------


def test_booking_window_counts_days_in_the_practice_zone() -> None:
    now = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)  # already 11 June, 09:30, in Sydney
    earliest, latest = booking_window(now, timedelta(hours=2), 0, SYDNEY)
    assert earliest == datetime(2026, 6, 11, 1, 30, tzinfo=UTC)
    assert latest == datetime(2026, 6, 12, 0, 0, tzinfo=SYDNEY)
    assert latest.tzinfo is UTC
    _, latest_paris = booking_window(now, timedelta(0), 1, PARIS)  # 01:30 on 11 June in Paris
    assert latest_paris == datetime(2026, 6, 13, 0, 0, tzinfo=PARIS)


def test_booking_window_over_a_change_ends_at_local_midnight() -> None:
    now = datetime(2026, 3, 27, 12, tzinfo=UTC)
    _, latest = booking_window(now, timedelta(0), 2, PARIS)
    assert latest == datetime(2026, 3, 30, 0, 0, tzinfo=PARIS)
    assert latest == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


# --- any practitioner ------------------------------------------------------------------------


def test_any_practitioner_union_and_fair_pick() -> None:
    nine = datetime(2026, 6, 15, 7, tzinfo=UTC)
    half = timedelta(minutes=30)
    a = Slot(nine, nine + half, 1)
    b = Slot(nine + half, nine + 2 * half, 1)
    c = Slot(nine, nine + half, 2)  # same time, other center: a different slot
    merged = free_slots_any({7: [a, b], 3: [a, c], 5: []})
    assert merged == [(a, (3, 7)), (c, (3,)), (b, (7,))]
    assert pick_practitioner([7, 3], {7: 60, 3: 90}) == 7
    assert pick_practitioner([7, 3, 5], {7: 60, 3: 60, 5: 60}) == 3
    assert pick_practitioner([7, 3], {}) == 3
    with pytest.raises(ValueError):
        pick_practitioner([], {})
