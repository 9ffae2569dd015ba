"""VTIMEZONE components as written: yearly rules where the zone has them, never RDATE lists.

How readers (icalendar, vobject, ical.js) interpret them is tested with whole feeds in
test_ical.py.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from carnet.feeds.vtimezone import vtimezone_lines

YEAR = 2026
# Zones with every kind of rule: EU, US, southern hemisphere, half-hour and 45-minute offsets,
# Ireland's negative DST, none at all, and two the writer must list year by year.
ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Europe/Dublin",
    "Asia/Tokyo",
    "UTC",
    "Asia/Jerusalem",
    "Africa/Casablanca",
]


def vtimezone(zone: str) -> list[str]:
    return list(vtimezone_lines(ZoneInfo(zone), YEAR))


@pytest.mark.parametrize(
    ("zone", "standard", "daylight"),
    [
        (
            "Europe/Paris",
            ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
             "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"],
            ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
             "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"],
        ),
        (
            "America/New_York",
            ["TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST", "DTSTART:19701101T020000",
             "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"],
            ["TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT", "DTSTART:19700308T020000",
             "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"],
        ),
        (
            "Australia/Sydney",
            ["TZOFFSETFROM:+1100", "TZOFFSETTO:+1000", "TZNAME:AEST", "DTSTART:19700405T030000",
             "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"],
            ["TZOFFSETFROM:+1000", "TZOFFSETTO:+1100", "TZNAME:AEDT", "DTSTART:19701004T020000",
             "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"],
        ),
    ],
)  # fmt: skip
def test_vtimezone_is_written_as_yearly_rules(zone, standard, daylight) -> None:
    assert vtimezone(zone) == [
        "BEGIN:VTIMEZONE",
        f"TZID:{zone}",
        "BEGIN:STANDARD",
        *standard,
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        *daylight,
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]


@pytest.mark.parametrize(
    ("zone", "offset", "name"), [("Asia/Tokyo", "+0900", "JST"), ("UTC", "+0000", "UTC")]
)
def test_vtimezone_without_daylight_saving_has_one_standard(zone, offset, name) -> None:
    assert vtimezone(zone) == [
        "BEGIN:VTIMEZONE",
        f"TZID:{zone}",
        "BEGIN:STANDARD",
        f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}",
        f"TZNAME:{name}",
        "DTSTART:19700101T000000",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_never_uses_rdate_lists(zone: str) -> None:
    lines = vtimezone(zone)
    assert not any(line.startswith("RDATE") for line in lines)
    rules = [line for line in lines if line.startswith("RRULE:")]
    assert len(rules) in (0, 2)
    if zone in ("Asia/Jerusalem", "Africa/Casablanca"):  # not yearly nth-weekday rules
        assert not rules
        assert lines.count("BEGIN:DAYLIGHT") >= 6
