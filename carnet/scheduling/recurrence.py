"""Expansion of recurring personal events into busy intervals, for the slot engine.

A practitioner's personal events (a weekly staff meeting, school pick-up on Wednesdays) follow an
RFC 5545 RRULE with EXDATEs and per-occurrence overrides, as Google Calendar and CalDAV give them.
Pure functions over plain values: no ORM, no I/O; from Django only gettext, for the messages.

Expansion happens in naive local wall time and the zone is attached afterwards, because a weekly
09:00 meeting is at 09:00 local on both sides of a daylight-saving change, not at a fixed UTC time.

A rule is data from users and from other calendars, so it is judged by what it produces, and
every expansion is bounded whatever the rule: `validate_rrule` accepts a rule only if it repeats
at most once a day and has a first occurrence within `FIRST_OCCURRENCE_SEARCH` of its start;
`occurrences` walks only the window asked (see `carnet.scheduling.recurrence_walk`), examines at
most `WALK_BUDGET_DAYS` days and returns at most `MAX_OCCURRENCES`, so a rule stored before these
checks existed, or pulled from a remote calendar, costs milliseconds, not seconds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.utils.translation import gettext as _

from carnet.scheduling.availability import Interval
from carnet.scheduling.recurrence_walk import Walk, walk

__all__ = [
    "FIRST_OCCURRENCE_SEARCH",
    "MAX_EXDATES",
    "MAX_OCCURRENCES",
    "Override",
    "RecurringEvent",
    "exdates_problem",
    "occurrences",
    "read_exdates",
    "validate_rrule",
]

logger = logging.getLogger(__name__)

# Margin around the window when asking for naive local occurrences: the window is converted to
# local wall time, which may be off by a daylight-saving shift; exact filtering happens
# afterwards on UTC instants.
_MARGIN = timedelta(days=1)
# A rule whose first occurrence is further than this from its start is refused: long enough for
# 29 February across a century year (2096 -> 2104), short enough to search in milliseconds.
FIRST_OCCURRENCE_SEARCH = timedelta(days=10 * 366)
# At most this many occurrences per call. An accepted rule gives at most one a day, and the
# longest window asked (the feed: 30 days back, up to 730 ahead) has fewer days than this.
MAX_OCCURRENCES = 2000
# At most this many days examined per walk of a window (about 33 years; a window needs its own
# length plus a period), and for counting out a COUNT rule from its start, which happens once per
# rule and process (see `_series`): about 110 years, a few hundred milliseconds at worst.
WALK_BUDGET_DAYS = 12_000
COUNT_BUDGET_DAYS = 40_000

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
_BYDAY_RE = re.compile(r"^([+-]?\d{1,3})?(MO|TU|WE|TH|FR|SA|SU)$")
# Allowed magnitudes of numeric BY parts (RFC 5545). dateutil accepts some values no date can
# match (BYMONTHDAY=40) and then searches up to year 9999 for an occurrence.
_RANGES = {"BYMONTHDAY": 31, "BYYEARDAY": 366, "BYWEEKNO": 53, "BYMONTH": 12, "BYSETPOS": 366}
_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# COUNT and INTERVAL beyond these are no calendar's events; huge ones cost time in dateutil.
_MAX_COUNT = 100_000
_MAX_INTERVAL = 1000
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
# Removed occurrences one event may list; a weekly series over twenty years has fewer.
MAX_EXDATES = 1000


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


def _split(text: str) -> dict[str, str]:
    """The NAME=VALUE parts of one RRULE value, names upper-cased; ValueError if malformed."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    if not value:
        raise ValueError(_("The recurrence rule is empty."))
    if "\n" in value or "\r" in value:
        raise ValueError(_("Only one RRULE line is allowed, without DTSTART, RDATE or EXDATE."))
    seen: dict[str, str] = {}
    for part in value.split(";"):
        if not part:
            continue
        name, sep, arg = part.partition("=")
        name = name.strip().upper()
        arg = arg.strip()
        if not sep or not name:
            raise ValueError(_("'%(part)s' is not a NAME=VALUE part of a rule.") % {"part": part})
        if name not in _PARTS:
            raise ValueError(_("Unknown recurrence rule part '%(name)s'.") % {"name": name})
        if name in seen:
            raise ValueError(_("The part '%(name)s' appears more than once.") % {"name": name})
        if not arg:
            raise ValueError(_("The part '%(name)s' has no value.") % {"name": name})
        seen[name] = arg
    return seen


def _check_frequency(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ", "").upper()
    if not freq:
        raise ValueError(_("The recurrence rule has no FREQ (for example FREQ=WEEKLY)."))
    if freq in _TOO_FREQUENT:
        raise ValueError(
            _("FREQ=%(freq)s is not supported: an event can repeat at most daily.") % {"freq": freq}
        )
    if freq not in _FREQUENCIES:
        raise ValueError(
            _("Unknown frequency '%(freq)s'; use DAILY, WEEKLY, MONTHLY or YEARLY.")
            % {"freq": freq}
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError(_("COUNT and UNTIL cannot both be set."))
    for name, highest in (("COUNT", _MAX_COUNT), ("INTERVAL", _MAX_INTERVAL)):
        if name not in parts:
            continue
        arg = parts[name]
        if not (arg.isascii() and arg.isdigit() and len(arg) <= 9 and 1 <= int(arg) <= highest):
            raise ValueError(
                _("%(name)s must be a whole number from 1 to %(highest)s, not '%(value)s'.")
                % {"name": name, "highest": highest, "value": arg}
            )


def _parse(text: str, dtstart: datetime, zone: ZoneInfo) -> tuple[rrule, datetime | None]:
    """Parse an RRULE for a naive local `dtstart`; returns the rule and UNTIL as a UTC instant.

    dateutil refuses a UTC UNTIL with a naive DTSTART, so UNTIL is rewritten as local wall time
    (with a margin for daylight saving) and enforced exactly afterwards on UTC instants.
    Raises ValueError with a translated message for anything malformed.
    """
    seen = _split(text)
    _check_frequency(seen)
    _check_ranges(seen)
    until_utc: datetime | None = None
    if "UNTIL" in seen:
        until_utc = _parse_until(seen["UNTIL"], zone)
        # Local wall time plus a margin; the exact cut happens on UTC instants in occurrences().
        try:
            seen["UNTIL"] = (_wall(until_utc, zone) + _MARGIN).strftime("%Y%m%dT%H%M%S")
        except OverflowError:
            seen["UNTIL"] = "99991231T235959"
    rebuilt = ";".join(f"{name}={arg}" for name, arg in seen.items())
    try:
        rule = rrulestr(rebuilt, dtstart=dtstart.replace(microsecond=0), forceset=False)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ValueError(_("Invalid recurrence rule: %(detail)s.") % {"detail": exc}) from exc
    if not isinstance(rule, rrule):  # pragma: no cover - forceset=False gives a plain rrule
        raise ValueError(_("Only one RRULE is allowed."))
    return rule, until_utc


def _numbers(parts: dict[str, str], name: str) -> list[int]:
    try:
        return [int(item) for item in parts[name].split(",") if len(item) <= 9]
    except ValueError:
        raise ValueError(
            _("%(name)s must be a list of whole numbers, not '%(value)s'.")
            % {"name": name, "value": parts[name]}
        ) from None


def _check_ranges(parts: dict[str, str]) -> None:
    """Reject BY parts that no date can match, so expansion never searches for nothing."""
    numbers: dict[str, list[int]] = {}
    for name, limit in _RANGES.items():
        if name not in parts:
            continue
        values = _numbers(parts, name)
        low = 1 if name == "BYMONTH" else -limit
        if len(values) != len(parts[name].split(",")):
            values.append(limit + 1)  # a number too long to be read is out of range too
        for item in values:
            if not low <= item <= limit or item == 0:
                raise ValueError(
                    _("%(name)s value %(value)s is out of range (1 to %(limit)s).")
                    % {"name": name, "value": item, "limit": limit}
                )
        numbers[name] = values
    if "BYDAY" in parts:
        for day in parts["BYDAY"].upper().split(","):
            match = _BYDAY_RE.match(day.strip())
            if match is None or (match.group(1) and not 1 <= abs(int(match.group(1))) <= 53):
                raise ValueError(
                    _("BYDAY value '%(value)s' is not a day such as MO, 2TU or -1FR.")
                    % {"value": day}
                )
    if "BYMONTHDAY" in numbers:
        months = numbers.get("BYMONTH", list(range(1, 13)))
        longest = max(_LONGEST_MONTH[month - 1] for month in months)
        if all(abs(day) > longest for day in numbers["BYMONTHDAY"]):
            raise ValueError(_("No date matches this BYMONTH and BYMONTHDAY combination."))


def _parse_until(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as a UTC instant: 'Z' form is UTC, a floating date-time is wall time in `zone`, and a
    bare date means through the end of that local day (the reading users expect)."""
    match = _UNTIL_RE.match(value.upper())
    if not match:
        raise ValueError(
            _("UNTIL '%(value)s' is not a date (YYYYMMDD) or a date-time (YYYYMMDDTHHMMSSZ).")
            % {"value": value}
        )
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d")
        if match.group(2) is None:
            return _to_utc(day + timedelta(days=1), zone) - timedelta(microseconds=1)
        moment = datetime.strptime(match.group(1) + match.group(3), "%Y%m%d%H%M%S")
        if match.group(4):
            return moment.replace(tzinfo=UTC)
        return _to_utc(moment, zone)
    except (ValueError, OverflowError) as exc:
        raise ValueError(_("UNTIL '%(value)s' is not a valid date.") % {"value": value}) from exc


def _times_a_day(parts: dict[str, str]) -> int:
    """How many times of day the rule gives each day it matches: one per BYHOUR x BYMINUTE x
    BYSECOND combination (a missing part is DTSTART's one value)."""
    total = 1
    for name in _TIME_PARTS:
        if name in parts:
            total *= len({item.strip() for item in parts[name].split(",")})
    return total


def _walk(rule: rrule, begin: datetime | None, stop: datetime, *, limit: int, budget: int) -> Walk:
    """`recurrence_walk.walk`, with anything dateutil's arithmetic raises on extreme stored
    values (an ordinal weekday far outside the month, dates past 9999) as a ValueError."""
    try:
        return walk(rule, begin, stop, budget=budget, limit=limit)
    except (ValueError, IndexError, OverflowError, TypeError) as exc:
        raise ValueError(
            _("This recurrence rule cannot be expanded: %(detail)s") % {"detail": exc}
        ) from exc


def validate_rrule(
    text: str, start: datetime | None = None, zone: ZoneInfo | None = None
) -> str | None:
    """A message saying what is wrong with an RRULE value, or None if it is usable.

    Judged by what it produces from `start` (the first occurrence's start, in `zone`; a fixed
    Monday 09:00 if not given): it must parse, repeat at most once a day (a personal event is
    busy time, not a reminder every minute), and have a first occurrence within
    `FIRST_OCCURRENCE_SEARCH`. For form validation: never raises, and returns in milliseconds
    whatever the text. The message is in the active language.
    """
    zone = zone or ZoneInfo("UTC")
    wall = datetime(2000, 1, 3, 9, 0) if start is None else _wall(start, zone)
    try:
        parts = _split(text)
        rule, until_utc = _parse(text, wall, zone)
        if _times_a_day(parts) > 1:
            return _(
                "The rule repeats several times a day (BYHOUR, BYMINUTE or BYSECOND with more "
                "than one value); an event can repeat at most once a day."
            )
        search = _walk(rule, None, wall + FIRST_OCCURRENCE_SEARCH, limit=1, budget=WALK_BUDGET_DAYS)
        first = search.found[0] if search.found else None
        if first is None or (until_utc is not None and _to_utc(first, zone) > until_utc):
            return _(
                "The rule gives no occurrence in the ten years after the event's start; check "
                "its BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO and BYDAY parts."
            )
    except (ValueError, OverflowError) as exc:
        return str(exc)
    return None


def _exdate(value: object, zone: ZoneInfo) -> datetime:
    """One stored EXDATE as an aware instant: an ISO date-time, naive ones in the event's zone."""
    if not isinstance(value, str) or not 16 <= len(value) <= 40:
        raise ValueError(
            _("'%(value)s' is not a date and time such as 2026-03-09T09:00:00.")
            % {"value": str(value)[:40]}
        )
    try:
        moment = datetime.fromisoformat(value)
        # Years 1 and 9999 cannot be moved to every zone: the feed writes EXDATEs in local time.
        if not 2 <= moment.year <= 9998:
            raise ValueError(value)
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    except (ValueError, OverflowError):
        raise ValueError(
            _("'%(value)s' is not a date and time such as 2026-03-09T09:00:00.") % {"value": value}
        ) from None
    return aware


def exdates_problem(values: object) -> str | None:
    """What is wrong with a list of EXDATEs as stored on a personal event, or None.

    The list holds ISO date-times (naive ones are in the event's zone), at most `MAX_EXDATES`.
    """
    if not isinstance(values, list):
        return _("The excluded occurrences must be a list of dates and times.")
    if len(values) > MAX_EXDATES:
        return _("At most %(limit)d occurrences can be excluded.") % {"limit": MAX_EXDATES}
    for value in values:
        try:
            _exdate(value, ZoneInfo("UTC"))
        except ValueError as exc:
            return str(exc)
    return None


def read_exdates(values: object, zone: ZoneInfo) -> tuple[tuple[datetime, ...], int]:
    """The EXDATEs of a stored value that can be read, and how many items were left out.

    For readers of stored rows (the agenda, the feed): whatever an older version or another
    calendar wrote there, this never raises. What cannot be read is left out, so the occurrence
    it meant stays busy: the safe side for bookings.
    """
    if not isinstance(values, list):
        return (), 0 if values in (None, "") else 1
    read: list[datetime] = []
    for value in values[:MAX_EXDATES]:
        try:
            read.append(_exdate(value, zone))
        except ValueError:
            continue
    return tuple(read), len(values) - len(read)


@dataclass(frozen=True, slots=True)
class _Series:
    """A parsed rule ready to walk from any window: `rule` has no COUNT (it was turned into the
    UNTIL of its last occurrence) or is None when the series has no occurrence at all."""

    rule: rrule | None
    until_utc: datetime | None
    truncated: bool


@lru_cache(maxsize=1024)
def _series(text: str, dtstart: datetime, zone: ZoneInfo) -> _Series:
    """Parse once per (rule, first start, zone) per process, and turn a COUNT into an UNTIL.

    A COUNT can only be honoured by walking from the first occurrence; doing it here once, within
    the budget, lets every later window start near itself like any other rule. If the budget
    runs out first, the series is cut at the last occurrence found (and `truncated` says so).
    """
    rule, until_utc = _parse(text, dtstart, zone)
    count: int | None = getattr(rule, "_count", None)
    if count is None:
        return _Series(rule, until_utc, truncated=False)
    found = _walk(
        rule, None, datetime(9999, 12, 31, 23, 59, 59), limit=count, budget=COUNT_BUDGET_DAYS
    )
    if not found.found:
        return _Series(None, until_utc, truncated=found.truncated)
    exhausted = found.truncated and len(found.found) < count
    return _Series(rule.replace(count=None, until=found.found[-1]), until_utc, exhausted)


def occurrences(
    event: RecurringEvent, window_start: datetime, window_end: datetime
) -> list[Interval]:
    """The event's occurrences overlapping [window_start, window_end), as whole UTC intervals.

    EXDATEs and cancelled overrides are dropped; a moved occurrence is replaced by its new times,
    which can bring it into the window from outside or take it out. Occurrences are not clipped to
    the window: a busy interval is the whole event. Sorted by start. Raises ValueError for a
    malformed rule (see `validate_rrule`). Bounded whatever the rule: at most `MAX_OCCURRENCES`
    (a warning is logged when a rule gives more, or needs more than the walk budget).
    """
    try:
        return _occurrences(event, window_start, window_end)
    except OverflowError as exc:
        # An event lasting millennia, or dates near the year 9999, stored by an older version.
        raise ValueError(
            _("The event's dates are out of range: %(detail)s") % {"detail": exc}
        ) from exc


def _occurrences(
    event: RecurringEvent, window_start: datetime, window_end: datetime
) -> list[Interval]:
    zone = event.zone
    wall_start = _wall(event.start, zone)
    length = _wall(event.end, zone) - wall_start
    if length < timedelta(0):
        raise ValueError(_("The event ends before it starts."))
    window_start = window_start.astimezone(UTC)
    window_end = window_end.astimezone(UTC)

    excluded = {_wall(moment, zone) for moment in event.exdates}
    changed = {_wall(override.recurrence_id, zone): override for override in event.overrides}

    rule: rrule | None = None
    until_utc: datetime | None = None
    if event.rrule is None:
        originals = [wall_start]
    else:
        series = _series(event.rrule, wall_start.replace(microsecond=0), zone)
        rule, until_utc = series.rule, series.until_utc
        originals = []
        if rule is not None:
            # Moved occurrences are found by their own times below, so the margin only needs
            # to cover this event's length and a daylight-saving shift.
            try:
                begin = _wall(window_start, zone) - length - _MARGIN
            except OverflowError:
                begin = datetime.min
            found = _walk(
                rule,
                begin,
                _wall(window_end, zone) + _MARGIN,
                limit=MAX_OCCURRENCES,
                budget=WALK_BUDGET_DAYS,
            )
            originals = found.found
            if found.truncated or series.truncated:
                logger.warning(
                    "recurrence: %r from %s cut to %d occurrences in the window",
                    event.rrule,
                    wall_start,
                    len(originals),
                )

    found_intervals: list[Interval] = []
    for original in originals:
        if original in excluded or original in changed:
            continue
        if until_utc is not None and _to_utc(original, zone) > until_utc:
            continue
        start = _to_utc(original, zone)
        # A start in a spring-forward gap moves forward by the gap: the end moves with it, so an
        # occurrence is never shorter than the event, nor inverted.
        end = max(_to_utc(original + length, zone, end=True), start + length)
        if start < window_end and end > window_start:
            found_intervals.append((start, end))

    listed = set(originals)
    for original, override in changed.items():
        if override.cancelled or original in excluded:
            continue
        if until_utc is not None and _to_utc(original, zone) > until_utc:
            continue
        start = (override.start or _to_utc(original, zone).astimezone(zone)).astimezone(UTC)
        end = (
            override.end.astimezone(UTC)
            if override.end is not None
            else max(_to_utc(_wall(start, zone) + length, zone, end=True), start + length)
        )
        if not (start < window_end and end > window_start):
            continue
        if event.rrule is None:
            if original != wall_start:
                continue
        elif rule is None or not _produces(rule, original, listed):
            continue
        found_intervals.append((start, end))

    found_intervals.sort()
    return found_intervals


def _produces(rule: rrule, original: datetime, listed: set[datetime]) -> bool:
    """Whether the series really has an occurrence at `original` (an override of one it does not
    have is ignored): already listed for the window, or found by a walk of its one period."""
    if original in listed:
        return True
    return original in _walk(rule, original, original, limit=1, budget=WALK_BUDGET_DAYS).found
