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
        max_bytes=1_000_000,
        now=start_of_today,
    ))  # -> bytes, serve as "text/calendar; charset=utf-8"

Public API: :class:`FeedCalendar`, :class:`FeedAppointment`, :class:`FeedPersonalEvent`,
:class:`FeedOccurrenceOverride`, :func:`render_feed`, :func:`smallest_appointment_bytes`,
:func:`fold_line`, :func:`escape_text`.

Why it looks the way it does:

- The input types carry only what the feed may show. There is no field for an email, a phone
  number, notes or the reason for the visit, so no future edit can leak them by accident.
- Lines are written with string building, not ``icalendar.Component`` objects: a busy
  practitioner's feed has thousands of events and calendar clients poll it every 15 minutes.
- ``DTSTAMP`` and ``LAST-MODIFIED`` are the event's own last modification, never "now", so
  the bytes of an unchanged feed do not change and clients do not churn.
- Appointments are written in UTC. A recurring personal event is written in its own zone,
  because "every Tuesday at 09:00" must stay at 09:00 across daylight-saving changes; every
  zone used gets a ``VTIMEZONE`` from :mod:`carnet.feeds.vtimezone`.
- An appointment carries its link once, in ``DESCRIPTION``: the one property Google Calendar,
  Outlook and Apple Calendar all show (Google and Outlook ignore ``URL``). A second copy in
  ``URL`` cost about a fifth of every event's bytes.
- A feed has a byte budget (``max_bytes``): Google Calendar refuses subscriptions over 1 MB.
  When the events do not fit, the nearest ones to ``now`` are kept (the near future first,
  the recent past counting twice as far, see ``PAST_WEIGHT``) and the far end is left out,
  so a trimmed feed still covers one unbroken span around today.
- Values from the caller that are written unescaped (URL, RRULE, UID) are validated when the
  input values are built, so no value can inject a line into the feed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from carnet.feeds.content_lines import escape_text, fold, fold_line
from carnet.feeds.vtimezone import vtimezone_lines

__all__ = [
    "PRODID",
    "FeedAppointment",
    "FeedCalendar",
    "FeedOccurrenceOverride",
    "FeedPersonalEvent",
    "escape_text",
    "fold_line",
    "render_feed",
    "smallest_appointment_bytes",
]

PRODID = "-//Carnet//Carnet//EN"
UID_DOMAIN = "carnet"
# A past event counts as this many times farther from now than a future one, when a feed
# over its byte budget keeps the nearest events: the coming weeks matter most.
PAST_WEIGHT = 2

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

    ``max_bytes``, when given, is the budget: the body is always shorter. Appointments and
    single personal events are then kept nearest to ``now`` first (see ``PAST_WEIGHT``), until
    the next one would not fit; it and every farther event are left out. The calendar's
    header, its time zones and recurring personal events (a few lines each, and they cover
    the near future too) are always written.
    """

    name: str
    refresh: timedelta
    appointments: Sequence[FeedAppointment]
    personal_events: Sequence[FeedPersonalEvent]
    description_label: str
    max_bytes: int | None = None
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.refresh <= timedelta(0):
            raise ValueError("refresh must be positive")
        if self.max_bytes is not None:
            if self.now is None:
                raise ValueError("a byte budget needs `now`, from where nearness is measured")
            _require_aware("now", self.now)


# ---------------------------------------------------------------------------------------------
# Values: date-times, durations
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


# ---------------------------------------------------------------------------------------------
# The feed
# ---------------------------------------------------------------------------------------------

_EVENT_TAIL = ("TRANSP:OPAQUE", "CLASS:PRIVATE", "STATUS:CONFIRMED", "END:VEVENT")


def _appointment_lines(appointment: FeedAppointment, label: str) -> list[str]:
    stamp = _utc(appointment.last_modified)
    url = appointment.url
    description = label.replace("{url}", url) if "{url}" in label else f"{label}\n{url}"
    return [
        "BEGIN:VEVENT",
        f"UID:{appointment.uid}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{appointment.sequence}",
        f"DTSTART:{_utc(appointment.start)}",
        f"DTEND:{_utc(appointment.end)}",
        fold("SUMMARY:" + escape_text(appointment.summary)),
        fold("DESCRIPTION:" + escape_text(description)),
        *_EVENT_TAIL,
    ]


def _personal_event_lines(event: FeedPersonalEvent) -> list[str]:
    stamp = _utc(event.last_modified)
    head = (
        "BEGIN:VEVENT",
        f"UID:{event.uid}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{event.sequence}",
    )
    summary = fold("SUMMARY:" + escape_text(event.summary))
    if event.rrule is None:
        return [
            *head,
            f"DTSTART:{_utc(event.start)}",
            f"DTEND:{_utc(event.end)}",
            summary,
            *_EVENT_TAIL,
        ]
    zone = event.zone
    at = f";TZID={zone.key}:"
    out = [*head, f"DTSTART{at}{_local(event.start, zone)}"]
    out += (f"DTEND{at}{_local(event.end, zone)}", fold("RRULE:" + event.rrule))
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
    return out


def smallest_appointment_bytes(url: str) -> int:
    """No appointment event carrying a link as long as ``url`` takes fewer bytes.

    With a one-character title, the link alone as its description and the smallest sequence:
    a budget of B bytes holds fewer than ``B // smallest_appointment_bytes(url)`` of them,
    so a caller may leave out what lies farther than that many events from ``now``.
    """
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    smallest = FeedAppointment(
        uid=str(UUID(int=0)),
        start=epoch,
        end=epoch + timedelta(minutes=1),
        summary="A",
        url=url,
        sequence=0,
        last_modified=epoch,
    )
    return _size("\r\n".join(_appointment_lines(smallest, "{url}")))


def _size(text: str) -> int:
    """UTF-8 length of a chunk plus the CRLF that follows it."""
    return (len(text) if text.isascii() else len(text.encode("utf-8"))) + 2


def _nearness(start: datetime, now: datetime) -> timedelta:
    """How far an event is from now, for the budget: the past counts PAST_WEIGHT times."""
    return start - now if start >= now else (now - start) * PAST_WEIGHT


def _within_budget(calendar: FeedCalendar, used: int) -> dict[tuple[int, int], list[str]]:
    """The lines of the appointments (kind 0) and single personal events (kind 1) that fit.

    Keyed by (kind, index in the calendar's list). ``used`` is what is always written.
    Events are taken nearest to ``now`` first; the first that does not fit sets the horizon,
    and every event as far or farther is left out, so the kept events form one unbroken span
    of time around ``now``.
    """
    assert calendar.max_bytes is not None and calendar.now is not None
    now, budget, label = calendar.now, calendar.max_bytes, calendar.description_label
    ranked = [(_nearness(a.start, now), 0, i) for i, a in enumerate(calendar.appointments)]
    ranked += [
        (_nearness(e.start, now), 1, i)
        for i, e in enumerate(calendar.personal_events)
        if e.rrule is None
    ]
    ranked.sort()
    kept: dict[tuple[int, int], list[str]] = {}
    for position, (nearness, kind, index) in enumerate(ranked):
        if kind == 0:
            lines = _appointment_lines(calendar.appointments[index], label)
        else:
            lines = _personal_event_lines(calendar.personal_events[index])
        size = _size("\r\n".join(lines))
        if used + size >= budget:
            for near, earlier_kind, earlier in reversed(ranked[:position]):
                if near < nearness:
                    break
                del kept[earlier_kind, earlier]  # as near as the first left out: out too
            break
        used += size
        kept[kind, index] = lines
    return kept


def render_feed(calendar: FeedCalendar, *, year: int | None = None) -> bytes:
    """Serialise a feed: UTF-8 bytes with CRLF line ends, folded at 75 octets, no BOM.

    ``year`` chooses whose time-zone rules the VTIMEZONEs describe (that year's and the
    next); it defaults to the current UTC year and exists so tests are deterministic.
    With ``calendar.max_bytes``, the far end is left out so the body stays under it.
    """
    if year is None:
        year = datetime.now(UTC).year
    refresh = _duration(calendar.refresh)
    name = escape_text(calendar.name)
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        fold(f"NAME:{name}"),
        fold(f"X-WR-CALNAME:{name}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    zones = {e.zone.key: e.zone for e in calendar.personal_events if e.rrule is not None}
    for key in sorted(zones):
        head += vtimezone_lines(zones[key], year)
    tail = ["END:VCALENDAR", ""]
    out = head
    label = calendar.description_label
    if calendar.max_bytes is None:
        for appointment in calendar.appointments:
            out += _appointment_lines(appointment, label)
        for event in calendar.personal_events:
            out += _personal_event_lines(event)
    else:
        series = {
            index: _personal_event_lines(event)
            for index, event in enumerate(calendar.personal_events)
            if event.rrule is not None
        }
        always = "\r\n".join(head + [line for lines in series.values() for line in lines] + tail)
        kept = _within_budget(calendar, _size(always))
        for index in range(len(calendar.appointments)):  # in the caller's order
            out += kept.get((0, index), ())
        for index in range(len(calendar.personal_events)):
            out += series[index] if index in series else kept.get((1, index), ())
    out += tail
    return "\r\n".join(out).encode("utf-8")
