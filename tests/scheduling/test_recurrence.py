"""Tests of recurring personal events: expansion across DST, EXDATE, overrides, COUNT/UNTIL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.scheduling.recurrence import Override, RecurringEvent, occurrences, validate_rrule

PARIS = ZoneInfo("Europe/Paris")
SYDNEY = ZoneInfo("Australia/Sydney")
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def weekly(rule: str = "FREQ=WEEKLY", **kwargs: object) -> RecurringEvent:
    """Mondays 09:00-10:00 Paris from 2 March 2026, across the 29 March change."""
    first = datetime(2026, 3, 2, 9, tzinfo=PARIS)
    return RecurringEvent(first, first + timedelta(hours=1), PARIS, rule, **kwargs)  # type: ignore[arg-type]


def local(intervals: list[tuple[datetime, datetime]], zone: ZoneInfo = PARIS) -> list[str]:
    return [f"{a.astimezone(zone):%m-%d %H:%M}-{b.astimezone(zone):%H:%M}" for a, b in intervals]


def test_weekly_keeps_wall_clock_across_dst() -> None:
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC))
    found = occurrences(weekly(), *window)
    assert local(found) == [
        "03-02 09:00-10:00",
        "03-09 09:00-10:00",
        "03-16 09:00-10:00",
        "03-23 09:00-10:00",
        "03-30 09:00-10:00",
        "04-06 09:00-10:00",
    ]
    assert found[3][0] == datetime(2026, 3, 23, 8, tzinfo=UTC)
    assert found[4][0] == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert all(a.tzinfo is UTC and b.tzinfo is UTC for a, b in found)


def test_sydney_weekly_across_its_autumn_change() -> None:
    first = datetime(2026, 3, 25, 18, 30, tzinfo=SYDNEY)
    event = RecurringEvent(
        first, first + timedelta(minutes=90), SYDNEY, "RRULE:FREQ=WEEKLY;COUNT=3"
    )
    found = occurrences(event, *YEAR)
    assert local(found, SYDNEY) == ["03-25 18:30-20:00", "04-01 18:30-20:00", "04-08 18:30-20:00"]
    assert found[2][0] - found[1][0] == timedelta(days=7, hours=1)


def test_exdate_and_cancelled_override_remove_occurrences() -> None:
    event = weekly(
        "FREQ=WEEKLY;COUNT=4",
        exdates=(datetime(2026, 3, 9, 9, tzinfo=PARIS),),
        overrides=(Override(datetime(2026, 3, 16, 8, tzinfo=UTC), None, None, True),),
    )
    assert local(occurrences(event, *YEAR)) == ["03-02 09:00-10:00", "03-23 09:00-10:00"]


def test_moved_occurrence_is_replaced_and_can_cross_the_window() -> None:
    moved_in = Override(
        datetime(2026, 3, 9, 9, tzinfo=PARIS),  # original is outside the window below
        datetime(2026, 3, 20, 14, tzinfo=PARIS),
        datetime(2026, 3, 20, 15, 30, tzinfo=PARIS),
        False,
    )
    moved_out = Override(
        datetime(2026, 3, 23, 9, tzinfo=PARIS),
        datetime(2026, 5, 1, 9, tzinfo=PARIS),
        None,  # keeps the series' length
        False,
    )
    event = weekly("FREQ=WEEKLY;COUNT=6", overrides=(moved_in, moved_out))
    window = (datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC))
    assert local(occurrences(event, *window)) == ["03-16 09:00-10:00", "03-20 14:00-15:30"]
    assert local(occurrences(event, *YEAR)) == [
        "03-02 09:00-10:00",
        "03-16 09:00-10:00",
        "03-20 14:00-15:30",
        "03-30 09:00-10:00",
        "04-06 09:00-10:00",
        "05-01 09:00-10:00",
    ]


def test_override_of_an_occurrence_the_series_does_not_have_is_ignored() -> None:
    stray = Override(
        datetime(2026, 3, 10, 9, tzinfo=PARIS),  # a Tuesday: not in a Monday series
        datetime(2026, 3, 11, 9, tzinfo=PARIS),
        datetime(2026, 3, 11, 10, tzinfo=PARIS),
        False,
    )
    event = weekly("FREQ=WEEKLY;COUNT=2", overrides=(stray,))
    assert local(occurrences(event, *YEAR)) == ["03-02 09:00-10:00", "03-09 09:00-10:00"]


def test_count_and_utc_until() -> None:
    assert len(occurrences(weekly("FREQ=WEEKLY;COUNT=5"), *YEAR)) == 5
    # UNTIL 30 March 07:00 UTC is exactly 09:00 CEST that day: inclusive.
    until = occurrences(weekly("FREQ=WEEKLY;UNTIL=20260330T070000Z"), *YEAR)
    assert local(until)[-1] == "03-30 09:00-10:00"
    assert len(until) == 5
    before = occurrences(weekly("FREQ=WEEKLY;UNTIL=20260330T065959Z"), *YEAR)
    assert len(before) == 4
    by_date = occurrences(weekly("FREQ=WEEKLY;UNTIL=20260330"), *YEAR)
    assert len(by_date) == 5  # a bare date includes that whole local day


def test_occurrences_overlapping_the_window_are_whole() -> None:
    window = (datetime(2026, 3, 2, 8, 30, tzinfo=UTC), datetime(2026, 3, 2, 8, 45, tzinfo=UTC))
    assert occurrences(weekly(), *window) == [
        (datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 9, tzinfo=UTC))
    ]
    touching = (datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 10, tzinfo=UTC))
    assert occurrences(weekly(), *touching) == []


def test_one_off_event_and_its_override() -> None:
    start = datetime(2026, 6, 1, 12, tzinfo=PARIS)
    single = RecurringEvent(start, start + timedelta(hours=1), PARIS, None)
    assert local(occurrences(single, *YEAR)) == ["06-01 12:00-13:00"]
    cancelled = RecurringEvent(
        start,
        start + timedelta(hours=1),
        PARIS,
        None,
        overrides=(Override(start, None, None, True),),
    )
    assert occurrences(cancelled, *YEAR) == []


def test_daily_event_through_the_repeated_hour_is_never_shortened() -> None:
    first = datetime(2026, 10, 24, 2, 0, tzinfo=PARIS)
    event = RecurringEvent(first, first + timedelta(minutes=45), PARIS, "FREQ=DAILY;COUNT=2")
    (_, _), (start, end) = occurrences(event, *YEAR)
    # 02:00-02:45 on the night 02:00-03:00 happens twice: busy from the first 02:00 to the
    # second 02:45.
    assert start == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 1, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("RRULE:", "empty"),
        ("BYDAY=MO", "no FREQ"),
        ("FREQ=FORTNIGHTLY", "Unknown frequency"),
        ("FREQ=MINUTELY", "at most daily"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT"),
        ("FREQ=WEEKLY;INTERVAL=-2", "INTERVAL"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20260101T000000Z", "COUNT and UNTIL"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL"),
        ("FREQ=WEEKLY;UNTIL=20261340", "not a valid date"),
        ("FREQ=WEEKLY;COLOR=red", "Unknown recurrence rule part 'COLOR'"),
        ("FREQ=WEEKLY;FREQ=DAILY", "more than once"),
        ("FREQ=WEEKLY;BYDAY", "NAME=VALUE"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "out of range"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "No date matches"),
        ("FREQ=DAILY;BYHOUR=25", "Invalid recurrence rule"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "Only one RRULE line"),
    ],
)
def test_bad_rules_get_a_message(text: str, message: str) -> None:
    result = validate_rrule(text)
    assert result is not None
    assert message in result
    with pytest.raises(ValueError):
        occurrences(weekly(text), *YEAR)


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=WEEKLY",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TH;INTERVAL=2",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "freq=daily;count=10",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=WEEKLY;UNTIL=20261231",
        "FREQ=WEEKLY;UNTIL=20261231T230000Z;WKST=SU",
    ],
)
def test_good_rules_pass(text: str) -> None:
    assert validate_rrule(text) is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_garbage_never_raises_from_validate(text: str) -> None:
    result = validate_rrule(text)
    assert result is None or isinstance(result, str)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(["FREQ=", "WEEKLY", "DAILY", ";", "BYDAY=", "MO", "COUNT=", "3", "UNTIL="])
        | st.sampled_from(["20260101", "T", "Z", ",", "-1", "BYMONTHDAY=", "INTERVAL=", "x", "="]),
        max_size=8,
    ).map("".join)
)
def test_near_miss_rules_give_message_or_expand(text: str) -> None:
    message = validate_rrule(text)
    if message is None:
        first = datetime(2026, 1, 5, 9, tzinfo=PARIS)
        event = RecurringEvent(first, first + timedelta(hours=1), PARIS, text)
        window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
        found = occurrences(event, *window)
        assert found == sorted(found)
        assert all(a.astimezone(PARIS).time() == time(9) for a, _ in found if "BY" not in text)
