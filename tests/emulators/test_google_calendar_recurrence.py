"""The emulator's recurrence expansion: every instance id it generates names that instance back.

A pure function (no server), so hypothesis can walk it across time zones and DST changes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.emulators.google_calendar.recurrence import (
    Recurrence,
    instance_stamp,
    split_instance_id,
)
from carnet.emulators.google_calendar.times import EventTime

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    frequency=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]),
    count=st.integers(min_value=1, max_value=40),
    all_day=st.booleans(),
)
def test_instance_ids_round_trip(
    zone: str, start: datetime, frequency: str, count: int, all_day: bool
) -> None:
    start = start.replace(second=0, microsecond=0)
    value = (
        {"date": start.date().isoformat()}
        if all_day
        else {"dateTime": start.isoformat(), "timeZone": zone}
    )
    first = EventTime.parse(value, field="start", calendar_zone=zone)
    series = Recurrence([f"RRULE:FREQ={frequency};COUNT={count}"], first)
    starts = list(series.starts())
    assert 1 <= len(starts) <= count
    stamps = [instance_stamp(moment, all_day=all_day) for moment in starts]
    assert len(set(stamps)) == len(stamps)
    instants = [series.instant(moment) for moment in starts]
    assert instants == sorted(instants)
    for moment, stamp in zip(starts, stamps, strict=True):
        assert split_instance_id(f"abcde12345_{stamp}") == ("abcde12345", stamp)
        found = series.start_for_stamp(stamp)
        assert found is not None and series.instant(found) == series.instant(moment)
        if not all_day:  # the wall-clock time is kept across DST changes (unless it does not exist)
            local = moment.astimezone(first.tz).time()
            drift = datetime.combine(date.min, local) - datetime.combine(date.min, start.time())
            assert abs(drift) <= timedelta(hours=1)
