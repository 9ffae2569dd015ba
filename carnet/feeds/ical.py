"""The private ICS subscription feed, written as bytes from plain values.

The feed is what a practitioner pastes into Google Calendar, Apple Calendar or Outlook to see
their Carnet agenda read-only. This module is pure: no ORM, no Django, no clock unless asked.
The view builds the input values (titles through :mod:`carnet.feeds.privacy`, translated
labels, absolute URLs) and calls::

    render_feed(FeedCalendar(
        name="Dr Martin - Carnet",
        refresh=timedelta(minutes=15),
        appointments=[FeedAppointment(uid=str(a.public_id), start=..., end=..., summary=...,
                                      url=..., sequence=..., last_modified=...)],
        personal_events=[FeedPersonalEvent(...)],
        description_label=_("Open in Carnet: {url}"),
    ))  # -> bytes, serve as "text/calendar; charset=utf-8"

Public API: :class:`FeedCalendar`, :class:`FeedAppointment`, :class:`FeedPersonalEvent`,
:class:`FeedOccurrenceOverride`, :func:`render_feed`, :func:`fold_line`, :func:`escape_text`.

Why it looks the way it does:

- The input types carry only what the feed may show. There is no field for an email, a phone
  number, notes or the reason for the visit, so no future edit can leak them by accident.
- Lines are written with string building, not ``icalendar.Component`` objects: a busy
  practitioner's feed has thousands of events and calendar clients poll it every 15 minutes.
- ``DTSTAMP`` and ``LAST-MODIFIED`` are the event's own last modification, never "now", so
  the bytes of an unchanged feed do not change and clients do not churn.
- Appointments are written in UTC. A recurring personal event is written in its own zone,
  because "every Tuesday at 09:00" must stay at 09:00 across daylight-saving changes; every
  zone used gets a ``VTIMEZONE`` with yearly ``RRULE`` observances (see ``_vtimezone_lines``),
  the form that ical.js, Outlook, Google and Apple all read the same way.
- Values from the caller that are written unescaped (URL, RRULE, UID) are validated when the
  input values are built, so no value can inject a line into the feed.
"""

from __future__ import annotations

import calendar as gregorian
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from uuid import UUID
from zoneinfo import ZoneInfo

__all__ = [
    "PRODID",
    "FeedAppointment",
    "FeedCalendar",
    "FeedOccurrenceOverride",
    "FeedPersonalEvent",
    "escape_text",
    "fold_line",
    "render_feed",
]

PRODID = "-//Carnet//Carnet//EN"
UID_DOMAIN = "carnet"
MAX_LINE_OCTETS = 75  # RFC 5545 section 3.1, excluding the CRLF

# ---------------------------------------------------------------------------------------------
# Input values
# ---------------------------------------------------------------------------------------------

# A URI or a recurrence rule written verbatim must not contain anything that could end the
# line or start a parameter: no controls, no spaces.
_URL_RE = re.compile(r"[!-~\u00a0-\U0010ffff]+")
_RRULE_RE = re.compile(r"[A-Z0-9=;,+\-]+")
_RRULE_UNTIL_RE = re.compile(r"(?:^|;)UNTIL=([^;]*)")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")


def _canonical_uid(value: str) -> str:
    """The public UUID in canonical form, so that a UID never changes between renders."""
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise ValueError(f"uid must be the public UUID of the object, got {value!r}") from None


@dataclass(frozen=True, slots=True)
class FeedAppointment:
    """One appointment as the feed may show it, and nothing more.

    ``uid`` is the appointment's public UUID (the writer appends ``@carnet``); a database id
    would leak volumes and change on restore. ``summary`` is already the privacy-filtered
    title from :func:`carnet.feeds.privacy.appointment_title`. ``url`` is the absolute link
    to the appointment page, which needs a login: it is the only other thing the feed says.
    ``sequence`` and ``last_modified`` come from the appointment and change only when it does.
    """

    uid: str
    start: datetime
    end: datetime
    summary: str
    url: str
    sequence: int
    last_modified: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", _canonical_uid(self.uid))
        for name in ("start", "end", "last_modified"):
            _require_aware(name, getattr(self, name))
        if self.end <= self.start:
            raise ValueError("an appointment must end after it starts")
        if self.sequence < 0:
            raise ValueError("sequence must not be negative")
        if not _URL_RE.fullmatch(self.url):
            raise ValueError(f"url must be a non-empty URI without spaces, got {self.url!r}")


@dataclass(frozen=True, slots=True)
class FeedOccurrenceOverride:
    """One occurrence of a recurring personal event that differs from its rule.

    ``recurrence_id`` is the occurrence's original start (an aware instant). A cancelled
    occurrence is written as an ``EXDATE``; a moved one as its own ``VEVENT`` with a
    ``RECURRENCE-ID``. ``start`` or ``end`` left as ``None`` keep the original start, and
    the rule's duration from the (new) start.
    """

    recurrence_id: datetime
    start: datetime | None = None
    end: datetime | None = None
    cancelled: bool = False

    def __post_init__(self) -> None:
        _require_aware("recurrence_id", self.recurrence_id)
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                _require_aware(name, value)
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("a moved occurrence must end after it starts")


@dataclass(frozen=True, slots=True)
class FeedPersonalEvent:
    """A practitioner's personal event (holiday, meeting, school run) as the feed shows it.

    A single event (``rrule`` is ``None``) is written in UTC. A recurring one is written as
    one master ``VEVENT`` in ``zone`` with its ``RRULE`` (the rule's value, e.g.
    ``"FREQ=WEEKLY;BYDAY=TU"``; ``UNTIL`` must be in UTC, as RFC 5545 requires with a zoned
    start), ``exdates`` (original starts of removed occurrences) and ``overrides``.
    ``summary`` comes from :func:`carnet.feeds.privacy.personal_event_title`.
    """

    uid: str
    summary: str
    start: datetime
    end: datetime
    zone: ZoneInfo
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()
    overrides: tuple[FeedOccurrenceOverride, ...] = ()
    sequence: int = 0
    last_modified: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", _canonical_uid(self.uid))
        for name in ("start", "end", "last_modified"):
            _require_aware(name, getattr(self, name))
        for value in self.exdates:
            _require_aware("exdates", value)
        if self.end <= self.start:
            raise ValueError("a personal event must end after it starts")
        if self.sequence < 0:
            raise ValueError("sequence must not be negative")
        if not getattr(self.zone, "key", None):
            raise ValueError("zone must be a ZoneInfo built from a key, e.g. 'Europe/Paris'")
        if self.rrule is None:
            if self.exdates or self.overrides:
                raise ValueError("exdates and overrides need a recurrence rule")
            return
        rule = self.rrule.strip().upper().removeprefix("RRULE:")
        if not _RRULE_RE.fullmatch(rule) or "FREQ=" not in rule:
            raise ValueError(f"rrule must be an RRULE value like 'FREQ=WEEKLY', got {rule!r}")
        until = _RRULE_UNTIL_RE.search(rule)
        if until and not re.fullmatch(r"\d{8}T\d{6}Z", until.group(1)):
            raise ValueError("UNTIL must be a UTC date-time (…Z) with a zoned DTSTART")
        object.__setattr__(self, "rrule", rule)
        ids = [override.recurrence_id for override in self.overrides]
        if len(set(ids)) != len(ids):
            raise ValueError("two overrides for the same occurrence")
        excluded = set(self.exdates)
        for override in self.overrides:
            if not override.cancelled and override.recurrence_id in excluded:
                raise ValueError("an occurrence cannot be both excluded and moved")


@dataclass(frozen=True, slots=True)
class FeedCalendar:
    """Everything one feed shows.

    ``name`` is shown by clients as the calendar's name. ``refresh`` is how often clients
    should poll (15 minutes by default in the product). ``description_label`` is the caller's
    translated text around the appointment link, with ``{url}`` where the link goes (for
    example "Open in Carnet: {url}"); it is substituted literally, never with ``str.format``,
    so a translation with stray braces cannot break the feed.
    """

    name: str
    refresh: timedelta
    appointments: Sequence[FeedAppointment]
    personal_events: Sequence[FeedPersonalEvent]
    description_label: str

    def __post_init__(self) -> None:
        if self.refresh <= timedelta(0):
            raise ValueError("refresh must be positive")


# ---------------------------------------------------------------------------------------------
# Text: escaping and folding
# ---------------------------------------------------------------------------------------------

# RFC 5545 TEXT may not contain CONTROL characters other than HTAB; they are dropped.
_ESCAPES: dict[int, str | None] = {c: None for c in [*range(0x09), *range(0x0A, 0x20), 0x7F]}
_ESCAPES |= {ord("\\"): "\\\\", ord(";"): "\\;", ord(","): "\\,", ord("\n"): "\\n"}
_NEEDS_ESCAPE = re.compile(r"[\\;,\x00-\x08\x0a-\x1f\x7f]")


def escape_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 section 3.3.11); CR LF and lone CR become newlines."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_ESCAPES)


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, returned as text joined by CRLF + space.

    Cuts fall between UTF-8 sequences, never inside one. Continuation lines hold 74 octets
    after their leading space. Lone surrogates, which UTF-8 cannot carry, become "?".
    """
    if line.isascii():
        if len(line) <= MAX_LINE_OCTETS:
            return line
        if len(line) <= 2 * MAX_LINE_OCTETS - 1:  # URLs and descriptions: one fold
            return f"{line[:MAX_LINE_OCTETS]}\r\n {line[MAX_LINE_OCTETS:]}"
        first = MAX_LINE_OCTETS
        rest = range(first, len(line), MAX_LINE_OCTETS - 1)
        return "\r\n ".join([line[:first], *(line[i : i + MAX_LINE_OCTETS - 1] for i in rest)])
    data = line.encode("utf-8", "replace")
    chunks = []
    begin, limit, size = 0, MAX_LINE_OCTETS, len(data)
    while size - begin > limit:
        cut = begin + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: step back to a boundary
            cut -= 1
        chunks.append(data[begin:cut])
        begin, limit = cut, MAX_LINE_OCTETS - 1
    chunks.append(data[begin:])
    return b"\r\n ".join(chunks).decode("utf-8")


def fold_line(line: str) -> bytes:
    """One unfolded content line as feed bytes: UTF-8, folded at 75 octets, ending in CRLF.

    The line must already be escaped: a CR or LF in it raises ``ValueError``.
    """
    if "\r" in line or "\n" in line:
        raise ValueError("a content line cannot contain CR or LF: escape the value first")
    return (_fold(line) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Values: date-times, durations, offsets
# ---------------------------------------------------------------------------------------------


# %-formatting measured fastest here (strftime and f-strings are about twice as slow), and
# date-times are most of the work of a feed. Seconds are truncated: iCalendar has no fractions.
def _utc(value: datetime) -> str:
    u = value.astimezone(UTC)
    return "%04d%02d%02dT%02d%02d%02dZ" % (u.year, u.month, u.day, u.hour, u.minute, u.second)  # noqa: UP031


def _local(value: datetime, zone: ZoneInfo) -> str:
    u = value.astimezone(zone)
    return "%04d%02d%02dT%02d%02d%02d" % (u.year, u.month, u.day, u.hour, u.minute, u.second)  # noqa: UP031


def _duration(value: timedelta) -> str:
    """A positive RFC 5545 DURATION such as ``PT15M`` or ``P1DT2H``."""
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = "P" + (f"{days}D" if days else "")
    if hours or minutes or seconds or not days:
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        text += f"{seconds}S" if seconds or not (hours or minutes) else ""
    return text


def _offset(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


# ---------------------------------------------------------------------------------------------
# VTIMEZONE
# ---------------------------------------------------------------------------------------------

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EPOCH = datetime(1970, 1, 1)
_BASE_YEAR = 1970  # observances start here, as Google's and Mozilla's VTIMEZONEs do
_CHECK_YEARS = 8  # later years a yearly rule must predict before we trust it
_LISTED_YEARS = 6  # years written one by one for zones whose rules are not yearly


def _offset_at(zone: ZoneInfo, timestamp: int) -> timedelta:
    offset = datetime.fromtimestamp(timestamp, zone).utcoffset()
    assert offset is not None
    return offset


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[int, timedelta, timedelta]]:
    """(instant, offset before, offset after) of each UTC-offset change in a year.

    zoneinfo does not expose its transitions, so they are found by sampling the offset
    daily and bisecting each change down to the second.
    """
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    found = []
    lo, before = start, _offset_at(zone, start)
    for hi in range(start + 86400, end + 86400, 86400):
        after = _offset_at(zone, hi)
        if after != before:
            low, high = lo, hi  # offset(low) == before, offset(high) == after
            while high - low > 1:
                mid = (low + high) // 2
                if _offset_at(zone, mid) == before:
                    low = mid
                else:
                    high = mid
            if start <= high < end:
                found.append((high, before, after))
        lo, before = hi, after
    return found


def _wall(instant: int, offset: timedelta) -> datetime:
    """Naive local wall time of a UTC instant at an offset."""
    return _EPOCH + timedelta(seconds=instant) + offset


def _nth_candidates(day: datetime) -> list[int]:
    """Ways to name a date's weekday in its month: last first (-1), then the nth."""
    candidates = []
    if day.day + 7 > gregorian.monthrange(day.year, day.month)[1]:
        candidates.append(-1)
    if day.day <= 28:
        candidates.append((day.day - 1) // 7 + 1)
    return candidates


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> int:
    """Day of the month of the nth (or last, -1) given weekday."""
    first_weekday, length = gregorian.monthrange(year, month)
    first = 1 + (weekday - first_weekday) % 7
    if nth > 0:
        return first + 7 * (nth - 1)
    return first + 7 * ((length - first) // 7)


def _yearly_rules(
    zone: ZoneInfo, year: int, changes: list[tuple[int, timedelta, timedelta]]
) -> list[tuple[datetime, int, timedelta, timedelta]] | None:
    """Express this year's and next year's changes as yearly nth-weekday rules, or None.

    Returns, per change, its wall time this year, the nth weekday (-1 for last) and its
    offsets. A rule is kept only if it also predicts the zone's changes in the following
    years, which catches rules like Israel's "Friday before the last Sunday of March".
    """
    this_year = [c for c in changes if _wall(c[0], c[1]).year == year]
    next_year = [c for c in changes if _wall(c[0], c[1]).year == year + 1]
    if len(this_year) != 2 or len(next_year) != 2:
        return None
    rules = []
    for (t1, from1, to1), (t2, from2, to2) in zip(this_year, next_year, strict=True):
        w1, w2 = _wall(t1, from1), _wall(t2, from2)
        same = (from1, to1, w1.month, w1.weekday(), w1.time()) == (
            from2,
            to2,
            w2.month,
            w2.weekday(),
            w2.time(),
        )
        if not same:
            return None
        shared = [n for n in _nth_candidates(w1) if n in _nth_candidates(w2)]
        for nth in shared:
            if all(_predicts(zone, y, w1, nth, from1, to1) for y in _later_years(year)):
                rules.append((w1, nth, from1, to1))
                break
        else:
            return None
    return rules


def _later_years(year: int) -> range:
    return range(year + 2, year + 2 + _CHECK_YEARS)


def _predicts(
    zone: ZoneInfo, year: int, wall: datetime, nth: int, before: timedelta, after: timedelta
) -> bool:
    day = _nth_weekday(year, wall.month, wall.weekday(), nth)
    local = wall.replace(year=year, day=day)
    instant = int((local - before - _EPOCH).total_seconds())
    return _offset_at(zone, instant - 1) == before and _offset_at(zone, instant) == after


def _observance(kind: str, before: timedelta, after: timedelta, name: str, start: str) -> list[str]:
    return [
        f"BEGIN:{kind}",
        f"TZOFFSETFROM:{_offset(before)}",
        f"TZOFFSETTO:{_offset(after)}",
        _fold("TZNAME:" + escape_text(name)),
        f"DTSTART:{start}",
    ]


def _stamp(wall: datetime) -> str:
    return wall.strftime("%Y%m%dT%H%M%S")


def _listed_observances(zone: ZoneInfo, year: int) -> list[str]:
    """One observance per change from ``year`` on, for zones without a yearly rule.

    As with the yearly rules, the larger offset is DAYLIGHT. The first observance goes from
    the smaller offset, so that ``TZOFFSETTO`` minus the daylight saving is the same
    standard offset throughout, which dateutil's reader (vobject's) relies on to place the
    repeated hour when clocks go back.
    """
    listed = [c for y in range(year, year + _LISTED_YEARS) for c in _transitions(zone, y)]
    standard = min(min(before, after) for _, before, after in listed)
    first = listed[0][1]
    kind = "DAYLIGHT" if first > standard else "STANDARD"
    name = datetime.fromtimestamp(listed[0][0] - 1, zone).tzname() or zone.key
    lines = _observance(kind, standard, first, name, f"{_BASE_YEAR}0101T000000")
    lines.append(f"END:{kind}")
    for instant, before, after in listed:
        kind = "DAYLIGHT" if after > standard else "STANDARD"
        name = datetime.fromtimestamp(instant, zone).tzname() or zone.key
        lines += _observance(kind, before, after, name, _stamp(_wall(instant, before)))
        lines.append(f"END:{kind}")
    return lines


@lru_cache(maxsize=512)
def _vtimezone_lines(zone: ZoneInfo, year: int) -> tuple[str, ...]:
    """The VTIMEZONE of a zone, from the rules in force in ``year`` and ``year + 1``.

    Zones with daylight saving get one STANDARD and one DAYLIGHT observance, each with a
    yearly RRULE such as ``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``, starting in 1970 so that
    every event date is covered (ical.js treats a time before the first observance as UTC).
    Zones without DST get one STANDARD observance. Zones whose changes are not yearly
    weekday rules (Morocco's Ramadan, Israel's Friday rule) get one observance per change,
    from ``year`` for a few years, each with its own DTSTART: never comma-separated RDATE
    lists, which ical.js and Outlook misread.
    """
    changes = _transitions(zone, year) + _transitions(zone, year + 1)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    reference = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    if not changes:
        offset = _offset_at(zone, reference)
        name = datetime.fromtimestamp(reference, zone).tzname() or zone.key
        lines += _observance("STANDARD", offset, offset, name, f"{_BASE_YEAR}0101T000000")
        lines.append("END:STANDARD")
    elif (rules := _yearly_rules(zone, year, changes)) is not None:
        rules.sort(key=lambda rule: rule[3] > rule[2])  # STANDARD first, by convention
        for wall, nth, before, after in rules:
            kind = "DAYLIGHT" if after > before else "STANDARD"
            instant = int((wall - before - _EPOCH).total_seconds())
            name = datetime.fromtimestamp(instant, zone).tzname() or zone.key
            day = _nth_weekday(_BASE_YEAR, wall.month, wall.weekday(), nth)
            start = _stamp(wall.replace(year=_BASE_YEAR, day=day))
            lines += _observance(kind, before, after, name, start)
            byday = f"{nth}{_WEEKDAYS[wall.weekday()]}"
            lines += [f"RRULE:FREQ=YEARLY;BYMONTH={wall.month};BYDAY={byday}", f"END:{kind}"]
    else:
        lines += _listed_observances(zone, year)
    lines.append("END:VTIMEZONE")
    return tuple(lines)


# ---------------------------------------------------------------------------------------------
# The feed
# ---------------------------------------------------------------------------------------------

_EVENT_TAIL = ("TRANSP:OPAQUE", "CLASS:PRIVATE", "STATUS:CONFIRMED", "END:VEVENT")


def _append_appointment(out: list[str], appointment: FeedAppointment, label: str) -> None:
    stamp = _utc(appointment.last_modified)
    url = appointment.url
    description = label.replace("{url}", url) if "{url}" in label else f"{label}\n{url}"
    out += (
        "BEGIN:VEVENT",
        f"UID:{appointment.uid}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{appointment.sequence}",
        f"DTSTART:{_utc(appointment.start)}",
        f"DTEND:{_utc(appointment.end)}",
        _fold("SUMMARY:" + escape_text(appointment.summary)),
        _fold("DESCRIPTION:" + escape_text(description)),
        _fold("URL:" + url),
        *_EVENT_TAIL,
    )


def _append_personal_event(out: list[str], event: FeedPersonalEvent) -> None:
    stamp = _utc(event.last_modified)
    head = (
        "BEGIN:VEVENT",
        f"UID:{event.uid}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{event.sequence}",
    )
    summary = _fold("SUMMARY:" + escape_text(event.summary))
    if event.rrule is None:
        out += (*head, f"DTSTART:{_utc(event.start)}", f"DTEND:{_utc(event.end)}", summary)
        out += _EVENT_TAIL
        return
    zone = event.zone
    at = f";TZID={zone.key}:"
    out += (*head, f"DTSTART{at}{_local(event.start, zone)}")
    out += (f"DTEND{at}{_local(event.end, zone)}", _fold("RRULE:" + event.rrule))
    removed = [*event.exdates, *(o.recurrence_id for o in event.overrides if o.cancelled)]
    # One EXDATE per line: some clients read only the first value of a list.
    written = set()
    for instant in sorted(removed):
        value = _local(instant, zone)
        if value not in written:
            written.add(value)
            out.append(f"EXDATE{at}{value}")
    out += (summary, *_EVENT_TAIL)
    duration = event.end - event.start
    for override in event.overrides:
        if override.cancelled:
            continue
        start = override.start or override.recurrence_id
        end = override.end or start + duration
        out += (*head, f"RECURRENCE-ID{at}{_local(override.recurrence_id, zone)}")
        out += (f"DTSTART{at}{_local(start, zone)}", f"DTEND{at}{_local(end, zone)}", summary)
        out += _EVENT_TAIL


def render_feed(calendar: FeedCalendar, *, year: int | None = None) -> bytes:
    """Serialise a feed: UTF-8 bytes with CRLF line ends, folded at 75 octets, no BOM.

    ``year`` chooses whose time-zone rules the VTIMEZONEs describe (that year's and the
    next); it defaults to the current UTC year and exists so tests are deterministic.
    """
    if year is None:
        year = datetime.now(UTC).year
    refresh = _duration(calendar.refresh)
    name = escape_text(calendar.name)
    out = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _fold(f"NAME:{name}"),
        _fold(f"X-WR-CALNAME:{name}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    zones = {e.zone.key: e.zone for e in calendar.personal_events if e.rrule is not None}
    for key in sorted(zones):
        out += _vtimezone_lines(zones[key], year)
    label = calendar.description_label
    for appointment in calendar.appointments:
        _append_appointment(out, appointment, label)
    for event in calendar.personal_events:
        _append_personal_event(out, event)
    out += ("END:VCALENDAR", "")
    return "\r\n".join(out).encode("utf-8")
