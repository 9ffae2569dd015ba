"""The bounded walk gives exactly what dateutil gives, wherever it starts, and stops where told.

`carnet.scheduling.recurrence_walk` reuses dateutil's loop with exits dateutil lacks; these tests
compare the two on random rules, so a dateutil upgrade that changes its private parts fails here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from time import perf_counter

from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from carnet.scheduling.recurrence import validate_rrule
from carnet.scheduling.recurrence_walk import walk

UNBOUNDED = 10**7

_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_PARTS = {
    "INTERVAL": st.integers(1, 5).map(str),
    "COUNT": st.integers(1, 60).map(str),
    "UNTIL": st.sampled_from(["20270301T000000", "20300101T000000", "20261231T235959"]),
    "BYMONTH": st.lists(st.integers(1, 12), min_size=1, max_size=3),
    "BYMONTHDAY": st.lists(st.integers(-31, 31).filter(bool), min_size=1, max_size=3),
    "BYYEARDAY": st.lists(st.integers(-366, 366).filter(bool), min_size=1, max_size=3),
    "BYWEEKNO": st.lists(st.integers(-53, 53).filter(bool), min_size=1, max_size=3),
    "BYDAY": st.lists(
        st.tuples(st.sampled_from(["", "1", "2", "-1", "-2", "4"]), st.sampled_from(_DAYS)).map(
            "".join
        ),
        min_size=1,
        max_size=3,
    ),
    "BYSETPOS": st.lists(st.sampled_from([1, 2, -1, -2]), min_size=1, max_size=2),
    "WKST": st.sampled_from(_DAYS),
}


@st.composite
def rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    names = draw(st.lists(st.sampled_from(sorted(_PARTS)), max_size=4, unique=True))
    if "COUNT" in names and "UNTIL" in names:
        names.remove("UNTIL")
    parts = [f"FREQ={freq}"]
    for name in names:
        value = draw(_PARTS[name])
        parts.append(f"{name}={','.join(map(str, value)) if isinstance(value, list) else value}")
    return ";".join(parts)


STARTS = st.datetimes(datetime(2018, 1, 1), datetime(2027, 1, 1)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


@settings(max_examples=300, deadline=None)
@given(rules(), STARTS, st.integers(-100, 2000), st.integers(0, 800))
def test_walk_equals_dateutil_from_any_window(
    text: str, start: datetime, offset: int, days: int
) -> None:
    # Only rules Carnet accepts: dateutil itself may search for seconds on the others.
    assume(validate_rrule(text, start) is None)
    rule = rrulestr(text, dtstart=start)
    low = start + timedelta(days=offset)
    high = low + timedelta(days=days)
    expected = rule.between(low, high, inc=True)
    assert walk(rule, low, high, budget=UNBOUNDED, limit=UNBOUNDED).found == expected
    from_start = walk(rule, None, high, budget=UNBOUNDED, limit=UNBOUNDED).found
    assert [moment for moment in from_start if moment >= low] == expected


def test_walk_stops_at_the_stop_even_when_nothing_matches_any_more() -> None:
    rule = rrulestr("FREQ=DAILY;BYYEARDAY=366;BYMONTH=1", dtstart=datetime(2000, 1, 3, 9))
    started = perf_counter()
    found = walk(rule, datetime(2026, 1, 1), datetime(2027, 1, 1), budget=UNBOUNDED, limit=10)
    assert found.found == []
    assert not found.truncated
    assert perf_counter() - started < 0.1  # dateutil's between() walks to the year 9999


def test_walk_reports_what_it_left_out() -> None:
    rule = rrulestr("FREQ=DAILY", dtstart=datetime(2000, 1, 3, 9))
    capped = walk(rule, datetime(2026, 1, 1), datetime(2027, 1, 1), budget=UNBOUNDED, limit=10)
    assert len(capped.found) == 10
    assert capped.truncated
    counted = rrulestr("FREQ=DAILY;COUNT=100000", dtstart=datetime(2000, 1, 3, 9))
    short = walk(counted, datetime(2026, 1, 1), datetime(2027, 1, 1), budget=1000, limit=10**6)
    assert short.found == []  # COUNT walks from the start: the budget ends in 2002
    assert short.truncated
