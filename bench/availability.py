"""Benchmark of the slot engine: `uv run python bench/availability.py` (no Django needed).

One practitioner, two centers in Europe/Paris, Mon-Fri 08:30-12:30 and 14:00-18:30 alternating
centers, a 30-minute type with 5-minute buffers both sides, a 90-day window, and N busy intervals
of which 20 are weekly recurring personal events with exceptions (expanded with
`recurrence.occurrences`, timed separately). Busy intervals are shuffled: the engine must not rely
on the caller's order. The last line printed is one JSON object, for the lead's figures.
"""

from __future__ import annotations

import json
import random
import statistics
import time as clock
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from carnet.scheduling.availability import (
    Interval,
    SlotRules,
    WeeklyRange,
    booking_window,
    free_slots,
)
from carnet.scheduling.recurrence import Override, RecurringEvent, occurrences

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # the window crosses the spring DST change
RULES = SlotRules(
    duration=timedelta(minutes=30),
    buffer_before=timedelta(minutes=5),
    buffer_after=timedelta(minutes=5),
    grid=timedelta(minutes=15),
)


def schedule() -> list[WeeklyRange]:
    lines = []
    for weekday in range(5):
        morning, afternoon = (1, 2) if weekday % 2 == 0 else (2, 1)
        lines.append(WeeklyRange(weekday, time(8, 30), time(12, 30), morning, PARIS))
        lines.append(WeeklyRange(weekday, time(14, 0), time(18, 30), afternoon, PARIS))
    return lines


def series(rng: random.Random) -> list[RecurringEvent]:
    events = []
    for n in range(20):
        first = datetime(2026, 1, 5 + n % 5, 7 + n % 11, 15 * (n % 4), tzinfo=PARIS)
        start_of = [first + timedelta(weeks=w) for w in range(8, 30)]
        exdates = tuple(rng.sample(start_of, 2))
        moved = rng.choice([s for s in start_of if s not in exdates])
        cancelled = rng.choice([s for s in start_of if s not in exdates and s != moved])
        overrides = (
            Override(moved, moved + timedelta(days=1), moved + timedelta(days=1, hours=1), False),
            Override(cancelled, None, None, True),
        )
        events.append(
            RecurringEvent(
                first,
                first + timedelta(minutes=45),
                PARIS,
                "FREQ=WEEKLY;INTERVAL=1" if n % 3 else "FREQ=WEEKLY;UNTIL=20260601T000000Z",
                exdates,
                overrides,
            )
        )
    return events


def appointments(
    rng: random.Random, count: int, window: tuple[datetime, datetime]
) -> list[Interval]:
    """Appointments already padded with their own buffers, at random in opening-ish hours."""
    start, end = window
    minutes = int((end - start).total_seconds() // 60)
    busy = []
    for _ in range(count):
        at = start + timedelta(minutes=rng.randrange(0, minutes, 5))
        length = timedelta(minutes=rng.choice((20, 30, 40, 45, 60)))
        busy.append((at, at + length))
    return busy


def median_ms(runs: int, busy: list[Interval], window: tuple[datetime, datetime]) -> float:
    lines = schedule()
    timings = []
    for _ in range(runs):
        t0 = clock.perf_counter()
        free_slots(lines, RULES, window, busy)
        timings.append((clock.perf_counter() - t0) * 1000)
    return statistics.median(timings)


def main() -> None:
    rng = random.Random(20260302)
    window = booking_window(NOW, timedelta(hours=2), 90, PARIS)
    events = series(rng)

    expand = []
    for _ in range(15):
        t0 = clock.perf_counter()
        personal = [iv for event in events for iv in occurrences(event, *window)]
        expand.append((clock.perf_counter() - t0) * 1000)
    expand_ms = statistics.median(expand)
    print(f"window {window[0]:%Y-%m-%d %H:%M} .. {window[1]:%Y-%m-%d %H:%M} UTC")
    print(f"20 weekly series -> {len(personal)} occurrences, expanded in {expand_ms:.2f} ms")

    result: dict[str, float | int] = {}
    for count, runs in ((300, 50), (3000, 50), (30000, 15)):
        busy = appointments(rng, count - len(personal), window) + personal
        rng.shuffle(busy)
        found = free_slots(schedule(), RULES, window, busy)
        ms = median_ms(runs, busy, window)
        print(f"{count:>6} busy intervals: {len(found):>5} slots, median {ms:.2f} ms ({runs} runs)")
        result[f"median_ms_{count}"] = round(ms, 3)
        if count == 3000:
            result["slots_3000"] = len(found)
    result["expand_ms_20_series"] = round(expand_ms, 3)
    ordered = ("median_ms_300", "median_ms_3000", "median_ms_30000", "expand_ms_20_series")
    print(json.dumps({key: result[key] for key in (*ordered, "slots_3000")}))


if __name__ == "__main__":
    main()
