"""Expansion of recurring personal events into busy intervals, for the slot engine.

A practitioner's personal events (a weekly staff meeting, school pick-up on Wednesdays) follow an
RFC 5545 RRULE with EXDATEs and per-occurrence overrides, as Google Calendar and CalDAV give them.
Pure functions over plain values: no ORM, no I/O, no Django.

Expansion happens in naive local wall time and the zone is attached afterwards, because a weekly
09:00 meeting is at 09:00 local on both sides of a daylight-saving change, not at a fixed UTC time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from carnet.scheduling.availability import Interval

__all__ = ["Override", "RecurringEvent", "occurrences", "validate_rrule"]

# Margin around the window when asking dateutil for naive local occurrences: the window is
# converted to local wall time, which may be off by a daylight-saving shift; exact filtering
# happens afterwards on UTC instants.
_MARGIN = timedelta(days=1)

_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_TOO_FREQUENT = ("SECONDLY", "MINUTELY", "HOURLY")
_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_UNTIL_RE = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")
# Allowed magnitudes of numeric BY parts. dateutil accepts some values no date can match
# (BYMONTHDAY=40) and then searches up to year 9999 for an occurrence, which takes seconds.
_RANGES = {"BYMONTHDAY": 31, "BYYEARDAY": 366, "BYWEEKNO": 53, "BYMONTH": 12}
_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class Override:
    """One occurrence changed from the series: moved (new start and/or end) or cancelled.

    `recurrence_id` is the original local start of the occurrence, aware, as RFC 5545's
    RECURRENCE-ID: it names which occurrence is changed even after it has moved.
    """

    recurrence_id: datetime
    start: datetime | None
    end: datetime | None
    cancelled: bool


@dataclass(frozen=True, slots=True)
class RecurringEvent:
    """A personal event, possibly recurring; `start`/`end` are the first occurrence, aware.

    `rrule` is one RFC 5545 RRULE value ("FREQ=WEEKLY;BYDAY=MO", an "RRULE:" prefix is accepted)
    or None for a one-off event. `exdates` are original local starts that are skipped.
    """

    start: datetime
    end: datetime
    zone: ZoneInfo
    rrule: str | None
    exdates: tuple[datetime, ...] = ()
    overrides: tuple[Override, ...] = ()


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """Naive wall-clock time of an aware instant in `zone` (naive values are taken as wall time)."""
    if instant.tzinfo is None:
        return instant
    return instant.astimezone(zone).replace(tzinfo=None)


def _to_utc(wall: datetime, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """Wall time to UTC; nonexistent times move forward by the gap, ambiguous ones take the first
    instant for a start and the second for an end, so a busy interval is never shortened."""
    local = wall.replace(tzinfo=zone)
    first = local.astimezone(UTC)
    if not end:
        return first
    return max(first, local.replace(fold=1).astimezone(UTC))


def _parse(text: str, dtstart: datetime, zone: ZoneInfo) -> tuple[rrule, datetime | None]:
    """Parse an RRULE for a naive local `dtstart`; returns the rule and UNTIL as a UTC instant.

    dateutil refuses a UTC UNTIL with a naive DTSTART, so UNTIL is rewritten as local wall time
    (with a margin for daylight saving) and enforced exactly afterwards on UTC instants.
    Raises ValueError with a plain English message for anything malformed.
    """
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    if not value:
        raise ValueError("The recurrence rule is empty.")
    if "\n" in value or "\r" in value:
        raise ValueError("Only one RRULE line is allowed, without DTSTART, RDATE or EXDATE.")
    seen: dict[str, str] = {}
    for part in value.split(";"):
        if not part:
            continue
        name, sep, arg = part.partition("=")
        name = name.strip().upper()
        arg = arg.strip()
        if not sep or not name:
            raise ValueError(f"'{part}' is not a NAME=VALUE part of a recurrence rule.")
        if name not in _PARTS:
            raise ValueError(f"Unknown recurrence rule part '{name}'.")
        if name in seen:
            raise ValueError(f"The part '{name}' appears more than once.")
        if not arg:
            raise ValueError(f"The part '{name}' has no value.")
        seen[name] = arg
    freq = seen.get("FREQ", "").upper()
    if not freq:
        raise ValueError("The recurrence rule has no FREQ (for example FREQ=WEEKLY).")
    if freq in _TOO_FREQUENT:
        raise ValueError(f"FREQ={freq} is not supported: an event can repeat at most daily.")
    if freq not in _FREQUENCIES:
        raise ValueError(f"Unknown frequency '{freq}'; use DAILY, WEEKLY, MONTHLY or YEARLY.")
    if "COUNT" in seen and "UNTIL" in seen:
        raise ValueError("COUNT and UNTIL cannot both be set.")
    for name in ("COUNT", "INTERVAL"):
        if name in seen and (not seen[name].isdigit() or int(seen[name]) < 1):
            raise ValueError(f"{name} must be a whole number of at least 1, not '{seen[name]}'.")
    _check_ranges(seen)
    until_utc: datetime | None = None
    if "UNTIL" in seen:
        until_utc = _parse_until(seen["UNTIL"], zone)
        # Local wall time plus a margin; the exact cut happens on UTC instants in occurrences().
        seen["UNTIL"] = (_wall(until_utc, zone) + _MARGIN).strftime("%Y%m%dT%H%M%S")
    rebuilt = ";".join(f"{name}={arg}" for name, arg in seen.items())
    try:
        rule = rrulestr(rebuilt, dtstart=dtstart, forceset=False)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ValueError(f"Invalid recurrence rule: {exc}.") from exc
    if not isinstance(rule, rrule):  # pragma: no cover - forceset=False gives a plain rrule
        raise ValueError("Only one RRULE is allowed.")
    return rule, until_utc


def _check_ranges(parts: dict[str, str]) -> None:
    """Reject numeric BY parts that no date can match, so expansion cannot search for ever."""
    numbers: dict[str, list[int]] = {}
    for name, limit in _RANGES.items():
        if name not in parts:
            continue
        try:
            values = [int(item) for item in parts[name].split(",")]
        except ValueError:
            message = f"{name} must be a list of whole numbers, not '{parts[name]}'."
            raise ValueError(message) from None
        low = 1 if name == "BYMONTH" else -limit
        for item in values:
            if not low <= item <= limit or item == 0:
                raise ValueError(f"{name} value {item} is out of range (1 to {limit}).")
        numbers[name] = values
    if "BYMONTHDAY" in numbers:
        months = numbers.get("BYMONTH", list(range(1, 13)))
        longest = max(_LONGEST_MONTH[month - 1] for month in months)
        if all(abs(day) > longest for day in numbers["BYMONTHDAY"]):
            raise ValueError("No date matches this BYMONTH and BYMONTHDAY combination.")


def _parse_until(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as a UTC instant: 'Z' form is UTC, a floating date-time is wall time in `zone`, and a
    bare date means through the end of that local day (the reading users expect)."""
    match = _UNTIL_RE.match(value.upper())
    if not match:
        raise ValueError(
            f"UNTIL '{value}' is not a date (YYYYMMDD) or a date-time (YYYYMMDDTHHMMSSZ)."
        )
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d")
        if match.group(2) is None:
            return _to_utc(day + timedelta(days=1), zone) - timedelta(microseconds=1)
        moment = datetime.strptime(match.group(1) + match.group(3), "%Y%m%d%H%M%S")
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"UNTIL '{value}' is not a valid date.") from exc
    if match.group(4):
        return moment.replace(tzinfo=UTC)
    return _to_utc(moment, zone)


def validate_rrule(text: str) -> str | None:
    """A plain English message saying what is wrong with an RRULE value, or None if it is usable.

    For form validation: never raises on garbage.
    """
    try:
        _parse(text, datetime(2000, 1, 3, 9, 0), ZoneInfo("UTC"))
    except ValueError as exc:
        return str(exc)
    return None


def occurrences(
    event: RecurringEvent, window_start: datetime, window_end: datetime
) -> list[Interval]:
    """The event's occurrences overlapping [window_start, window_end), as whole UTC intervals.

    EXDATEs and cancelled overrides are dropped; a moved occurrence is replaced by its new times,
    which can bring it into the window from outside or take it out. Occurrences are not clipped to
    the window: a busy interval is the whole event. Sorted by start. Raises ValueError for a
    malformed rule (see `validate_rrule`).
    """
    zone = event.zone
    wall_start = _wall(event.start, zone)
    length = _wall(event.end, zone) - wall_start
    if length < timedelta(0):
        raise ValueError("The event ends before it starts.")
    window_start = window_start.astimezone(UTC)
    window_end = window_end.astimezone(UTC)

    excluded = {_wall(moment, zone) for moment in event.exdates}
    changed = {_wall(override.recurrence_id, zone): override for override in event.overrides}

    if event.rrule is None:
        rule: rrule | None = None
        until_utc = None
        originals = [wall_start]
    else:
        rule, until_utc = _parse(event.rrule, wall_start, zone)
        # Moved occurrences are found by their own times below, so the margin only needs to
        # cover this event's length and a daylight-saving shift.
        originals = rule.between(
            _wall(window_start, zone) - length - _MARGIN,
            _wall(window_end, zone) + _MARGIN,
            inc=True,
        )

    # Originals the series really produces, for the overrides: one pass, not one per override.
    produced: set[datetime] = set()
    if changed:
        if rule is None:
            produced = {wall_start}
        else:
            ordered = sorted(changed)
            produced = set(rule.between(ordered[0], ordered[-1], inc=True))

    found: list[Interval] = []
    for original in originals:
        if original in excluded or original in changed:
            continue
        if until_utc is not None and _to_utc(original, zone) > until_utc:
            continue
        start = _to_utc(original, zone)
        end = _to_utc(original + length, zone, end=True)
        if start < window_end and end > window_start:
            found.append((start, end))

    for original, override in changed.items():
        if override.cancelled or original in excluded or original not in produced:
            continue
        if until_utc is not None and _to_utc(original, zone) > until_utc:
            continue
        start = (override.start or _to_utc(original, zone).astimezone(zone)).astimezone(UTC)
        end = (
            override.end.astimezone(UTC)
            if override.end is not None
            else _to_utc(_wall(start, zone) + length, zone, end=True)
        )
        if start < window_end and end > window_start:
            found.append((start, end))

    found.sort()
    return found
