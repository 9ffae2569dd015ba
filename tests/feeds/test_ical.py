"""The ICS feed writer: byte rules, content, time zones, and four independent readers.

Every generated feed is read back by icalendar, vobject, ``ical`` (allenporter's, strict by
default: its compatibility fixes must be switched on with ``enable_compat_mode``, which we
never do) and ical.js through node, the parser of Thunderbird and many web calendars.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from carnet.feeds.ical import (
    FeedAppointment,
    FeedCalendar,
    FeedOccurrenceOverride,
    FeedPersonalEvent,
    _duration,
    escape_text,
    fold_line,
    render_feed,
)
from tests.feeds.test_vtimezone import ZONES

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
YEAR = 2026
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def uid(n: int) -> str:
    return str(uuid.UUID(int=n))


def appointment(n: int = 1, **changes: object) -> FeedAppointment:
    start = datetime(2026, 3, 2, 8, tzinfo=UTC) + timedelta(hours=n)
    values: dict[str, object] = {
        "uid": uid(n),
        "start": start,
        "end": start + timedelta(minutes=30),
        "summary": "Jeanne Martin",
        "url": f"https://carnet.example/agenda/appointments/{uid(n)}/",
        "sequence": 2,
        "last_modified": datetime(2026, 2, 20, 17, 5, 9, 123456, tzinfo=UTC),
    }
    return FeedAppointment(**(values | changes))  # type: ignore[arg-type]


def weekly(zone: ZoneInfo, first: date, n: int = 1000, **changes: object) -> FeedPersonalEvent:
    """A weekly 09:00-10:00 personal event in ``zone`` from ``first``."""
    start = datetime(first.year, first.month, first.day, 9, tzinfo=zone)
    values: dict[str, object] = {
        "uid": uid(n),
        "summary": "Busy",
        "start": start,
        "end": start + timedelta(hours=1),
        "zone": zone,
        "rrule": f"FREQ=WEEKLY;BYDAY={WEEKDAYS[first.weekday()]}",
        "sequence": 1,
        "last_modified": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    return FeedPersonalEvent(**(values | changes))  # type: ignore[arg-type]


def feed(appointments=(), personal_events=(), **changes: object) -> bytes:
    calendar = FeedCalendar(
        name="Dr Martin - Carnet",
        refresh=timedelta(minutes=15),
        appointments=list(appointments),
        personal_events=list(personal_events),
        description_label="Open in Carnet: {url}",
    )
    return render_feed(replace(calendar, **changes), year=YEAR)  # type: ignore[arg-type]


def unfold(data: bytes) -> list[str]:
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], value)


def events(data: bytes) -> list[list[str]]:
    """The unfolded lines of each VEVENT."""
    found, current = [], None
    for line in unfold(data):
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def assert_byte_rules(data: bytes) -> None:
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert lines.pop() == b""
    for line in lines:
        assert b"\r" not in line and b"\n" not in line
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line is whole UTF-8: no sequence was split


def assert_read_by_python_parsers(data: bytes) -> None:
    """icalendar, vobject and ical (strict) all accept the feed."""
    calendar = icalendar.Calendar.from_ical(data)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    assert not calendar.get_missing_tzids()
    vobject.readOne(data.decode("utf-8")).validate(raiseException=True)
    IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))


def local_9am(zone: ZoneInfo, first: date, until: date, skip=()) -> list[str]:
    """UTC instants of 09:00 local every week from ``first`` to before ``until``."""
    days = itertools.takewhile(
        lambda d: d < until, (first + timedelta(weeks=i) for i in range(999))
    )
    return [
        datetime(d.year, d.month, d.day, 9, tzinfo=zone)
        .astimezone(UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        for d in days
        if d not in skip
    ]


# --- bytes -----------------------------------------------------------------------------------


def test_calendar_header_and_byte_rules() -> None:
    data = feed([appointment()], [weekly(PARIS, date(2026, 3, 3))])
    assert_byte_rules(data)
    assert unfold(data)[:9] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Carnet//Carnet//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME:Dr Martin - Carnet",
        "X-WR-CALNAME:Dr Martin - Carnet",
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
        "X-PUBLISHED-TTL:PT15M",
    ]


@pytest.mark.parametrize(
    ("refresh", "text"),
    [
        (timedelta(minutes=15), "PT15M"),
        (timedelta(hours=2), "PT2H"),
        (timedelta(days=1), "P1D"),
        (timedelta(days=1, minutes=1), "P1DT1M"),
        (timedelta(seconds=90), "PT1M30S"),
        (timedelta(seconds=5), "PT5S"),
    ],
)
def test_refresh_durations(refresh: timedelta, text: str) -> None:
    assert _duration(refresh) == text


def test_fold_line_short_and_exact() -> None:
    assert fold_line("SUMMARY:x") == b"SUMMARY:x\r\n"
    line = "X" * 75
    assert fold_line(line) == line.encode() + b"\r\n"
    assert fold_line("X" * 76) == b"X" * 75 + b"\r\n X\r\n"
    # continuation lines hold 74 octets after their space
    assert fold_line("X" * 75 + "Y" * 74 + "Z") == (
        b"X" * 75 + b"\r\n " + b"Y" * 74 + b"\r\n Z\r\n"
    )


def test_fold_line_never_splits_a_character() -> None:
    # "é" is 2 octets: 8 + 2*33 = 74, the next one would end at octet 76
    folded = fold_line("SUMMARY:" + "é" * 40)
    first, rest = folded.split(b"\r\n ", 1)
    assert len(first) == 74
    assert first.decode() == "SUMMARY:" + "é" * 33
    assert rest == "é".encode() * 7 + b"\r\n"
    emoji = fold_line("SUMMARY:" + "😀" * 30)  # 4 octets each
    for physical in emoji.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")


def test_fold_line_refuses_line_breaks() -> None:
    with pytest.raises(ValueError, match="escape"):
        fold_line("SUMMARY:a\r\nATTENDEE:mailto:x@example.com")


@given(st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=400))
def test_fold_line_round_trips_any_text(text: str) -> None:
    folded = fold_line(text)
    assert folded.endswith(b"\r\n")
    physical = folded[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in physical)
    assert all(line.startswith(b" ") for line in physical[1:])
    for line in physical:
        line.decode("utf-8")
    assert folded[:-2].replace(b"\r\n ", b"").decode("utf-8") == text


def test_escape_text() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    assert escape_text("a\r\nb\rc") == "a\\nb\\nc"
    assert escape_text("tab\tkept, bell\x07 and nul\x00 dropped") == (
        "tab\tkept\\, bell and nul dropped"
    )
    assert escape_text("Jeanne Martin") == "Jeanne Martin"


def expected_text(text: str) -> str:
    """What a reader gets back: RFC 5545 controls dropped, line breaks as LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\t\n" or not (c < " " or c == "\x7f"))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from(["😀", "👩‍⚕️", "e\u0301", "\u0301", "\\", ";", ",", "\n", "\r\n"]),
        ),
        max_size=120,
    ).map("".join)
)
def test_any_summary_round_trips(summary: str) -> None:
    data = feed([appointment(summary=summary)])
    assert_byte_rules(data)
    (event,) = events(data)
    (line,) = [line for line in event if line.startswith("SUMMARY:")]
    assert unescape(line.removeprefix("SUMMARY:")) == expected_text(summary)
    parsed = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == expected_text(summary)


def test_nasty_text_is_read_back_by_every_parser(icaljs) -> None:
    summary = "Zoë O'Brien-Núñez; née «Ĺ», 😀👩‍⚕️ e\u0301 \\n, back\\slash\nsecond line " * 3
    data = feed([appointment(summary=summary)], name="Cabinet 😀; Lyon, 2ᵉ " * 6)
    assert_byte_rules(data)
    assert_read_by_python_parsers(data)
    expected = expected_text(summary)
    assert str(icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["SUMMARY"]) == expected
    assert vobject.readOne(data.decode()).vevent.summary.value == expected
    assert IcsCalendarStream.calendar_from_ics(data.decode()).events[0].summary == expected
    assert icaljs(data)["events"][0]["summary"] == expected
    name = "Cabinet 😀; Lyon, 2ᵉ " * 6
    assert vobject.readOne(data.decode()).contents["name"][0].value == name
    (calname,) = [line for line in unfold(data) if line.startswith("X-WR-CALNAME:")]
    assert unescape(calname.removeprefix("X-WR-CALNAME:")) == name


# --- appointments ----------------------------------------------------------------------------


def test_appointment_event_says_exactly_this() -> None:
    data = feed([appointment(7, summary="Jeanne Martin")])
    (event,) = events(data)
    url = f"https://carnet.example/agenda/appointments/{uid(7)}/"
    assert event == [
        f"UID:{uid(7)}@carnet",
        "DTSTAMP:20260220T170509Z",
        "LAST-MODIFIED:20260220T170509Z",
        "SEQUENCE:2",
        "DTSTART:20260302T150000Z",
        "DTEND:20260302T153000Z",
        "SUMMARY:Jeanne Martin",
        f"DESCRIPTION:Open in Carnet: {url}",  # the link once: no URL property
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        "STATUS:CONFIRMED",
    ]


def test_each_appointment_carries_its_link_once() -> None:
    data = feed([appointment(n) for n in range(1, 4)]).replace(b"\r\n ", b"")
    for n in range(1, 4):
        assert data.count(f"/agenda/appointments/{uid(n)}/".encode()) == 1
    (event,) = icalendar.Calendar.from_ical(feed([appointment(5)])).walk("VEVENT")
    assert "URL" not in event
    assert str(event["DESCRIPTION"]).endswith(f"/agenda/appointments/{uid(5)}/")


def test_appointment_times_are_written_in_utc() -> None:
    start = datetime(2026, 7, 1, 9, 30, tzinfo=PARIS)
    data = feed([appointment(start=start, end=start + timedelta(minutes=45))])
    (event,) = events(data)
    assert "DTSTART:20260701T073000Z" in event
    assert "DTEND:20260701T081500Z" in event


def test_uid_is_the_canonical_public_uuid() -> None:
    upper = appointment(uid=uid(255).upper())
    assert upper.uid == uid(255)
    with pytest.raises(ValueError, match="public UUID"):
        appointment(uid="42")


def test_feed_bytes_do_not_change_unless_the_data_does() -> None:
    """DTSTAMP is the last modification, not "now": clients see an unchanged feed."""
    first = render_feed(
        FeedCalendar("n", timedelta(minutes=15), [appointment()], [], "{url}"), year=YEAR
    )
    again = render_feed(
        FeedCalendar("n", timedelta(minutes=15), [appointment()], [], "{url}"), year=YEAR
    )
    assert first == again
    assert b"DTSTAMP:20260220T170509Z" in first


def test_description_label_without_placeholder_still_carries_the_link() -> None:
    (event,) = events(feed([appointment(3)], description_label="Voir {lien} {0}"))
    url = f"https://carnet.example/agenda/appointments/{uid(3)}/"
    assert f"DESCRIPTION:Voir {{lien}} {{0}}\\n{url}" in event


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2026, 3, 2, 9)}, "aware"),
        ({"last_modified": datetime(2026, 3, 2, 9)}, "aware"),
        ({"end": datetime(2026, 3, 2, 8, tzinfo=UTC)}, "end after"),
        ({"url": "https://x.example/a\r\nATTENDEE:mailto:x@example.com"}, "url"),
        ({"url": ""}, "url"),
        ({"sequence": -1}, "sequence"),
    ],
)
def test_appointment_rejects_bad_values(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        appointment(**changes)


# --- personal events -------------------------------------------------------------------------


def test_single_personal_event_is_written_in_utc() -> None:
    start = datetime(2026, 5, 4, 12, tzinfo=PARIS)
    event = FeedPersonalEvent(
        uid=uid(9),
        summary="Dentist",
        start=start,
        end=start + timedelta(hours=1),
        zone=PARIS,
        rrule=None,
        exdates=(),
        overrides=(),
        sequence=0,
        last_modified=datetime(2026, 5, 1, tzinfo=UTC),
    )
    data = feed(personal_events=[event])
    assert b"VTIMEZONE" not in data and b"TZID" not in data
    (lines,) = events(data)
    assert lines == [
        f"UID:{uid(9)}@carnet",
        "DTSTAMP:20260501T000000Z",
        "LAST-MODIFIED:20260501T000000Z",
        "SEQUENCE:0",
        "DTSTART:20260504T100000Z",
        "DTEND:20260504T110000Z",
        "SUMMARY:Dentist",
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        "STATUS:CONFIRMED",
    ]


def test_recurring_personal_event_master_exdates_and_overrides() -> None:
    event = weekly(
        PARIS,
        date(2026, 3, 3),
        exdates=(datetime(2026, 3, 31, 7, tzinfo=UTC), datetime(2026, 3, 10, 9, tzinfo=PARIS)),
        overrides=(
            FeedOccurrenceOverride(
                recurrence_id=datetime(2026, 3, 17, 9, tzinfo=PARIS),
                start=datetime(2026, 3, 17, 14, tzinfo=PARIS),
                end=None,
                cancelled=False,
            ),
            FeedOccurrenceOverride(datetime(2026, 3, 24, 9, tzinfo=PARIS), None, None, True),
        ),
    )
    master, moved = events(feed(personal_events=[event]))
    assert master == [
        f"UID:{uid(1000)}@carnet",
        "DTSTAMP:20260102T030405Z",
        "LAST-MODIFIED:20260102T030405Z",
        "SEQUENCE:1",
        "DTSTART;TZID=Europe/Paris:20260303T090000",
        "DTEND;TZID=Europe/Paris:20260303T100000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU",
        "EXDATE;TZID=Europe/Paris:20260310T090000",
        "EXDATE;TZID=Europe/Paris:20260324T090000",
        "EXDATE;TZID=Europe/Paris:20260331T090000",
        "SUMMARY:Busy",
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        "STATUS:CONFIRMED",
    ]
    assert moved == [
        f"UID:{uid(1000)}@carnet",
        "DTSTAMP:20260102T030405Z",
        "LAST-MODIFIED:20260102T030405Z",
        "SEQUENCE:1",
        "RECURRENCE-ID;TZID=Europe/Paris:20260317T090000",
        "DTSTART;TZID=Europe/Paris:20260317T140000",
        "DTEND;TZID=Europe/Paris:20260317T150000",
        "SUMMARY:Busy",
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        "STATUS:CONFIRMED",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rrule": "FREQ=WEEKLY\r\nATTENDEE:x"}, "rrule"),
        ({"rrule": "BYDAY=TU"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20261231T235959"}, "UNTIL"),
        ({"rrule": None, "exdates": (datetime(2026, 3, 10, 9, tzinfo=PARIS),)}, "recurrence"),
        ({"exdates": (datetime(2026, 3, 10, 9),)}, "aware"),
        (
            {
                "exdates": (datetime(2026, 3, 10, 9, tzinfo=PARIS),),
                "overrides": (
                    FeedOccurrenceOverride(
                        datetime(2026, 3, 10, 9, tzinfo=PARIS),
                        datetime(2026, 3, 10, 11, tzinfo=PARIS),
                    ),
                ),
            },
            "both",
        ),
    ],
)
def test_personal_event_rejects_bad_values(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        weekly(PARIS, date(2026, 3, 3), **changes)


def test_rrule_is_normalised() -> None:
    event = weekly(PARIS, date(2026, 3, 3), rrule="RRULE:freq=weekly;until=20261231T080000Z")
    assert event.rrule == "FREQ=WEEKLY;UNTIL=20261231T080000Z"


# --- time zones ------------------------------------------------------------------------------


def probe_instants(zone: ZoneInfo, years: range) -> list[int]:
    """Noon UTC on the 1st and 15th of each month, plus a second either side of each change."""
    instants = []
    for year in years:
        for month in range(1, 13):
            for day in (1, 15):
                instants.append(int(datetime(year, month, day, 12, tzinfo=UTC).timestamp()))
    previous = None
    for instant in range(instants[0], instants[-1], 3600):
        offset = datetime.fromtimestamp(instant, zone).utcoffset()
        if previous is not None and offset != previous:
            low, high = instant - 3600, instant
            while high - low > 1:
                mid = (low + high) // 2
                if datetime.fromtimestamp(mid, zone).utcoffset() == previous:
                    low = mid
                else:
                    high = mid
            instants += [high - 3601, high - 1, high, high + 1800, high + 3601]
        previous = offset
    return sorted(instants)


def instants_showing(wall: datetime, zone: ZoneInfo) -> list[int]:
    """Every instant whose local time in ``zone`` is ``wall``.

    Worked out by hand rather than with ``fold``: zoneinfo gets ``fold`` wrong for
    Morocco's Ramadan hour, a negative daylight saving.
    """
    guess = int((wall - datetime(1970, 1, 1)).total_seconds())
    offsets = {datetime.fromtimestamp(guess + h * 3600, zone).utcoffset() for h in (-26, 26)}
    candidates = {guess - int(offset.total_seconds()) for offset in offsets if offset is not None}
    return sorted(
        t for t in candidates if datetime.fromtimestamp(t, zone).replace(tzinfo=None) == wall
    )


PROBE_YEARS = range(YEAR, YEAR + 5)  # the listed zones are only listed this far


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_agrees_with_zoneinfo_in_python_readers(zone: str) -> None:
    """icalendar and vobject build their own tzinfo from our VTIMEZONE, not from its name."""
    tz = ZoneInfo(zone)
    data = feed(personal_events=[weekly(tz, date(2026, 1, 6))])
    assert_read_by_python_parsers(data)
    (component,) = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
    from_icalendar = component.to_tz(lookup_tzid=False)
    from_vobject = vobject.readOne(data.decode()).vtimezone.gettzinfo()
    for instant in probe_instants(tz, PROBE_YEARS):
        expected = datetime.fromtimestamp(instant, tz).utcoffset()
        when = datetime.fromtimestamp(instant, UTC)
        assert when.astimezone(from_icalendar).utcoffset() == expected, (zone, when)
        assert when.astimezone(from_vobject).utcoffset() == expected, (zone, when)


def test_vtimezone_agrees_with_zoneinfo_in_icaljs(icaljs) -> None:
    """ical.js turns local wall times into the same instants as zoneinfo.

    Only wall times that exist once are probed: in a gap or an overlap, the RFC's choice and
    zoneinfo's ``fold`` differ on purpose. (ical.js's UTC-to-local direction looks offsets up
    by the UTC wall time, a quirk of its own, so the probes go local-to-UTC, as an event's
    ``DTSTART;TZID=`` does.)
    """
    zones = [ZoneInfo(zone) for zone in ZONES]
    data = feed(personal_events=[weekly(tz, date(2026, 1, 6), n=i) for i, tz in enumerate(zones)])
    probes: dict[str, list[str]] = {}
    expected: dict[str, dict[str, int]] = {}
    for tz in zones:
        for instant in probe_instants(tz, PROBE_YEARS):
            wall = datetime.fromtimestamp(instant, tz).replace(tzinfo=None)
            if instants_showing(wall, tz) == [instant]:  # neither in a gap nor an overlap
                local = wall.strftime("%Y-%m-%dT%H:%M:%S")
                probes.setdefault(tz.key, []).append(local)
                expected.setdefault(tz.key, {})[local] = instant
    seen = icaljs(data, until="2026-01-01T00:00:00Z", probes=probes)["timezones"]
    assert set(seen) == set(ZONES)
    for tz in zones:
        assert len(seen[tz.key]) > 100
        for local, instant in seen[tz.key]:
            assert instant == expected[tz.key][local], (tz.key, local)


# --- recurrence as clients expand it ---------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        # Tuesdays across 2026-03-29 and 2026-10-25: 08:00Z in winter, 07:00Z in summer
        (PARIS, date(2026, 1, 6)),
        # across 2026-03-08 and 2026-11-01: 14:00Z, then 13:00Z
        (NEW_YORK, date(2026, 1, 6)),
        # across 2026-04-05 and 2026-10-04: 22:00Z the day before, then 23:00Z
        (SYDNEY, date(2026, 1, 6)),
    ],
)
def test_weekly_event_stays_at_local_time_across_dst_in_every_reader(icaljs, zone, first) -> None:
    until = date(2027, 1, 1)
    data = feed(personal_events=[weekly(zone, first)])
    expected = local_9am(zone, first, until)
    assert len(expected) == 52

    seen = icaljs(data, from_="2026-01-01T00:00:00Z", until="2027-01-01T00:00:00Z")
    (event,) = seen["events"]
    assert event["recurring"] and event["tzid"] == zone.key and event["zoneFromFeed"]
    assert [o["start"] for o in event["occurrences"]] == expected
    assert {o["summary"] for o in event["occurrences"]} == {"Busy"}

    vevent = vobject.readOne(data.decode()).vevent
    expanded = [d for d in vevent.getrruleset() if d.date() < until]
    assert [d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for d in expanded] == expected

    calendar = IcsCalendarStream.calendar_from_ics(data.decode())
    timeline = calendar.timeline_tz(UTC).overlapping(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    instants = [e.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for e in timeline]
    assert instants == expected

    if zone is PARIS:
        assert "2026-03-24T08:00:00Z" in expected and "2026-03-31T07:00:00Z" in expected
        assert "2026-10-20T07:00:00Z" in expected and "2026-10-27T08:00:00Z" in expected


def test_exdates_cancellations_and_moves_are_honoured_by_every_reader(icaljs) -> None:
    first = date(2026, 3, 3)
    moved_from = datetime(2026, 3, 31, 9, tzinfo=PARIS)  # first Tuesday of summer time
    moved_to = datetime(2026, 4, 1, 16, 30, tzinfo=PARIS)
    event = weekly(
        PARIS,
        first,
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=8",
        exdates=(datetime(2026, 3, 10, 9, tzinfo=PARIS),),
        overrides=(
            FeedOccurrenceOverride(moved_from, moved_to, moved_to + timedelta(minutes=45)),
            FeedOccurrenceOverride(datetime(2026, 4, 14, 9, tzinfo=PARIS), cancelled=True),
        ),
    )
    data = feed([appointment()], [event])
    assert_byte_rules(data)
    assert_read_by_python_parsers(data)
    skipped = {date(2026, 3, 10), date(2026, 4, 14)}
    regular = local_9am(PARIS, first, date(2026, 4, 22), skip=skipped)
    regular.remove("2026-03-31T07:00:00Z")
    expected = sorted([*regular, "2026-04-01T14:30:00Z"])

    seen = icaljs(data, from_="2026-01-01T00:00:00Z", until="2027-01-01T00:00:00Z")
    appointment_seen, personal = seen["events"]
    assert appointment_seen["occurrences"][0]["start"] == "2026-03-02T09:00:00Z"
    assert sorted(o["start"] for o in personal["occurrences"]) == expected
    (moved,) = [o for o in personal["occurrences"] if o["moved"]]
    assert moved == {
        "recurrenceId": "2026-03-31T07:00:00Z",
        "start": "2026-04-01T14:30:00Z",
        "end": "2026-04-01T15:15:00Z",
        "summary": "Busy",
        "moved": True,
    }

    calendar = IcsCalendarStream.calendar_from_ics(data.decode())
    timeline = calendar.timeline_tz(UTC)
    starts = [e.start.astimezone(UTC) for e in timeline if e.uid == f"{uid(1000)}@carnet"]
    assert [s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts] == expected


def test_every_tzid_used_has_a_vtimezone() -> None:
    zones = [PARIS, NEW_YORK, SYDNEY, ZoneInfo("Asia/Tokyo")]
    data = feed([appointment()], [weekly(tz, date(2026, 1, 6), n=i) for i, tz in enumerate(zones)])
    text = data.replace(b"\r\n ", b"").decode()
    used = set(re.findall(r";TZID=([^:;]+)", text))
    defined = set(re.findall(r"^TZID:(.+)\r$", text, re.MULTILINE))
    assert used == defined == {tz.key for tz in zones}
    assert not icalendar.Calendar.from_ical(data).get_missing_tzids()


# --- the byte budget -------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def daily(days: range) -> list[FeedAppointment]:
    """One appointment a day at 09:00 UTC, ``days`` from NOW, in the caller's order."""
    return [
        appointment(
            100 + n,
            start=NOW + timedelta(days=d, hours=9),
            end=NOW + timedelta(days=d, hours=9, minutes=30),
        )
        for n, d in enumerate(days)
    ]


def starts(data: bytes) -> list[str]:
    return sorted(line for event in events(data) for line in event if line.startswith("DTSTART:"))


def test_without_a_budget_nothing_is_left_out() -> None:
    data = feed(daily(range(-30, 366)))
    assert len(events(data)) == 396


def test_budget_keeps_the_nearest_events_and_drops_the_far_end() -> None:
    everything = daily(range(-30, 366))
    series = weekly(PARIS, date(2026, 1, 6))
    errand = FeedPersonalEvent(
        uid=uid(5000),
        summary="Busy",
        start=NOW + timedelta(days=2, hours=14),
        end=NOW + timedelta(days=2, hours=15),
        zone=PARIS,
    )
    far_errand = replace(errand, uid=uid(5001), start=NOW + timedelta(days=300, hours=14),
                         end=NOW + timedelta(days=300, hours=15))  # fmt: skip
    data = feed(everything, [series, far_errand, errand], max_bytes=20_000, now=NOW)
    assert len(data) < 20_000
    assert_byte_rules(data)
    assert_read_by_python_parsers(data)
    kept = starts(data)
    # One unbroken span: the 20 days ahead and 10 days back (the past counts twice as far),
    # every day's appointment in it, nothing beyond.
    days = sorted({line[8:16] for line in kept})
    first, last = days[0], days[-1]
    expected_days = [(NOW + timedelta(days=d)).strftime("%Y%m%d") for d in range(-30, 366)]
    assert days == expected_days[expected_days.index(first) : expected_days.index(last) + 1]
    assert "20260601" in days and "20260531" in days  # today and yesterday
    ahead = (datetime.strptime(last, "%Y%m%d").replace(tzinfo=UTC) - NOW).days
    back = (NOW - datetime.strptime(first, "%Y%m%d").replace(tzinfo=UTC)).days
    assert ahead >= 10 and 2 * back <= ahead + 2 and back >= ahead // 2 - 2
    summaries = [line for event in events(data) for line in event if line.startswith("UID:")]
    assert f"UID:{uid(1000)}@carnet" in summaries  # a series is always written
    assert f"UID:{uid(5000)}@carnet" in summaries  # a near personal event is kept
    assert f"UID:{uid(5001)}@carnet" not in summaries  # a far one is not
    # The budget is used: one more day would not have fitted.
    assert len(data) > 20_000 - 2 * len(feed(daily(range(1))))


def test_budget_cut_falls_between_times_never_inside_one() -> None:
    """Two appointments at the same time are kept or left out together."""
    twin = appointment(
        900,
        start=NOW + timedelta(days=2, hours=9),
        end=NOW + timedelta(days=2, hours=9, minutes=30),
    )
    twins = [*daily(range(3)), twin]
    size_of_three = len(feed(twins[:3], max_bytes=10**6, now=NOW))
    data = feed(twins, max_bytes=size_of_three + 10, now=NOW)  # room for 3, not 4
    assert starts(data) == ["DTSTART:20260601T090000Z", "DTSTART:20260602T090000Z"]


def test_a_budget_needs_now() -> None:
    with pytest.raises(ValueError, match="now"):
        FeedCalendar("n", timedelta(minutes=15), [], [], "{url}", max_bytes=1000)
