"""Repetition in plain words: each choice is the RRULE it says, reads back as itself, and is a
rule the recurrence engine accepts; rules that are not a plain choice are left alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carnet.scheduling.recurrence import validate_rrule
from carnet.scheduling.repetition import (
    FREQUENCIES,
    MAX_COUNT,
    Repetition,
    describe,
    read_rrule,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("repetition", "rule"),
    [
        (Repetition("daily"), "FREQ=DAILY"),
        (Repetition("weekly", (3, 0)), "FREQ=WEEKLY;BYDAY=MO,TH"),
        (Repetition("biweekly", (0,), "count", count=5), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=5"),
        (
            Repetition("monthly", (), "until", until=date(2027, 6, 30)),
            "FREQ=MONTHLY;UNTIL=20270630",
        ),
    ],
)
def test_each_choice_is_the_rule_it_says(repetition: Repetition, rule: str) -> None:
    assert repetition.rrule() == rule


repetitions = st.builds(
    lambda frequency, days, ends, until, count: Repetition(
        frequency,
        tuple(sorted(days)) if FREQUENCIES[frequency][0] == "WEEKLY" else (),
        ends,
        until if ends == "until" else None,
        count if ends == "count" else None,
    ),
    st.sampled_from(sorted(FREQUENCIES)),
    st.sets(st.integers(0, 6), min_size=1),
    st.sampled_from(["never", "until", "count"]),
    st.dates(date(2026, 1, 1), date(2090, 12, 31)),
    st.integers(1, MAX_COUNT),
)


@given(repetitions)
def test_a_choice_reads_back_as_itself(repetition: Repetition) -> None:
    assert read_rrule(repetition.rrule()) == repetition
    assert read_rrule("RRULE:" + repetition.rrule().lower()) == repetition


@given(repetitions)
def test_every_choice_is_a_rule_the_engine_accepts(repetition: Repetition) -> None:
    # The first occurrence on a chosen day, before the last day: what the form ensures.
    first = datetime(2026, 1, 5, 9, 0, tzinfo=PARIS)  # a Monday
    if repetition.days:
        first += timedelta(days=repetition.days[0])
    if repetition.until is not None and repetition.until < first.date():
        return
    assert validate_rrule(repetition.rrule(), first, PARIS) is None


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;INTERVAL=3",
        "FREQ=YEARLY",
        "FREQ=MONTHLY;BYDAY=2TU",
        "FREQ=DAILY;BYDAY=MO",
        "FREQ=WEEKLY;UNTIL=20270101T120000Z",
        "FREQ=DAILY;COUNT=0",
        "FREQ=WEEKLY;BYDAY=MO,MO",
        "FREQ=MINUTELY",
        "FREQ=DAILY;COUNT=2;UNTIL=20270101",
        "nonsense",
    ],
)
def test_other_rules_are_not_plain_choices(rule: str) -> None:
    assert read_rrule(rule) is None
    assert describe(rule) == "Repeats (rule set in another calendar)"


@given(st.text(max_size=80))
def test_reading_any_text_never_raises(text: str) -> None:
    found = read_rrule(text)
    assert found is None or read_rrule(found.rrule()) == found


def test_rules_in_plain_words() -> None:
    assert describe("") == "Does not repeat"
    assert (
        describe("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10") == "Every week on Monday, Thursday, 10 times"
    )
    assert describe("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR") == "Every 2 weeks on Friday"
    assert describe("FREQ=DAILY;COUNT=1") == "Every day, 1 time"
    assert describe("FREQ=MONTHLY;UNTIL=20270630").startswith("Every month, until ")
