"""Occurrences of a recurring event: RRULE, RDATE and EXDATE lines, expanded with dateutil.

Google stores the recurrence as iCalendar lines (`"RRULE:FREQ=WEEKLY;COUNT=5"`,
`"EXDATE;TZID=Europe/Paris:20260112T090000"`) and steps in the event's zone, so a 09:00
weekly meeting stays at 09:00 across a DST change. An occurrence is named by its original
start: `<eventId>_<YYYYMMDDTHHMMSSZ>` (UTC) for timed events, `<eventId>_<YYYYMMDD>` for
all-day ones; that is the id of an instance and of the exception that overrides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rruleset, rrulestr

from .errors import bad_request
from .times import EventTime

MAX_INSTANCES = 1000  # an unbounded rule is cut here, as Google stops expanding far ahead
UNTIL_DATE = re.compile(r"UNTIL=(\d{8})(?=;|$)")
UNTIL_FLOATING = re.compile(r"UNTIL=(\d{8}T\d{6})(?=;|$)")


def instance_stamp(original_start: datetime, *, all_day: bool) -> str:
    """The suffix of an instance id: the original start in UTC, or the date for all-day events."""
    if all_day:
        return original_start.strftime("%Y%m%d")
    return original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def split_instance_id(event_id: str) -> tuple[str, str] | None:
    """`abc_20260105T080000Z` -> ("abc", "20260105T080000Z"); None for a plain event id."""
    master, sep, stamp = event_id.rpartition("_")
    if not sep or not re.fullmatch(r"\d{8}(T\d{6}Z)?", stamp):
        return None
    return master, stamp


class Recurrence:
    """The set of original starts of a recurring event."""

    def __init__(self, lines: list[str], start: EventTime) -> None:
        self.all_day = start.all_day
        self.tz = start.tz
        self.dtstart = start.local_start()
        self._set = rruleset()
        has_rule = False
        for line in lines:
            name, _, value = line.partition(":")
            kind, *params = name.split(";")
            kind = kind.upper()
            if kind in ("RRULE", "EXRULE"):
                rule = self._rule(value)
                (self._set.rrule if kind == "RRULE" else self._set.exrule)(rule)
                has_rule = has_rule or kind == "RRULE"
            elif kind in ("RDATE", "EXDATE"):
                for moment in self._dates(value, params):
                    (self._set.rdate if kind == "RDATE" else self._set.exdate)(moment)
                    has_rule = has_rule or kind == "RDATE"
            else:
                raise bad_request("Invalid recurrence rule.")
        if not has_rule:
            raise bad_request("Invalid recurrence rule.")
        # RFC 5545: the first instance is DTSTART even when the rule would not produce it;
        # Google follows that, so the series always starts with the event itself.
        self._set.rdate(self.dtstart)

    def _rule(self, value: str):  # type: ignore[no-untyped-def]
        # dateutil wants UNTIL in UTC when DTSTART is aware; Google accepts dates and floating
        # times too, meaning "until the end of that day / that local time".
        value = UNTIL_DATE.sub(lambda m: f"UNTIL={m.group(1)}T235959Z", value)
        value = UNTIL_FLOATING.sub(lambda m: self._floating_until(m.group(1)), value)
        try:
            return rrulestr(value, dtstart=self.dtstart, forceset=False)
        except (ValueError, TypeError):
            raise bad_request("Invalid recurrence rule.") from None

    def _floating_until(self, text: str) -> str:
        local = datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=self.tz)
        return "UNTIL=" + local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def _dates(self, value: str, params: list[str]) -> Iterator[datetime]:
        tz: tzinfo = self.tz
        for param in params:
            key, _, val = param.partition("=")
            if key.upper() == "TZID":
                try:
                    tz = ZoneInfo(val)
                except (ZoneInfoNotFoundError, ValueError):
                    raise bad_request("Invalid recurrence rule.") from None
        for text in value.split(","):
            text = text.strip()
            try:
                if len(text) == 8:
                    day = datetime.strptime(text, "%Y%m%d").date()
                    yield self._at_start_time(day)
                elif text.endswith("Z"):
                    moment = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                    yield self._at_start_time(moment.date()) if self.all_day else moment
                else:
                    moment = datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=tz)
                    yield self._at_start_time(moment.date()) if self.all_day else moment
            except ValueError:
                raise bad_request("Invalid recurrence rule.") from None

    def _at_start_time(self, day: date) -> datetime:
        if self.all_day:
            return datetime.combine(day, time(), UTC)
        return datetime.combine(day, self.dtstart.timetz())

    def starts(self, *, before: datetime | None = None) -> Iterator[datetime]:
        """Original starts in order (aware; all-day ones at midnight UTC of their date)."""
        for count, moment in enumerate(self._set):
            if count >= MAX_INSTANCES:
                return
            if before is not None and self.instant(moment) >= before:
                return
            yield moment

    def instant(self, moment: datetime) -> datetime:
        """The real instant of an original start (all-day: midnight in the event's zone)."""
        if self.all_day:
            return datetime.combine(moment.date(), time(), self.tz).astimezone(UTC)
        return moment.astimezone(UTC)

    def contains(self, moment: datetime) -> bool:
        window = self._set.between(
            moment - timedelta(seconds=1), moment + timedelta(seconds=1), inc=True
        )
        return any(self.instant(found) == self.instant(moment) for found in window)

    def start_for_stamp(self, stamp: str) -> datetime | None:
        """The original start an instance id names, if it is one of this series'."""
        try:
            if self.all_day:
                moment = datetime.combine(datetime.strptime(stamp, "%Y%m%d").date(), time(), UTC)
            else:
                moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                moment = moment.astimezone(self.tz)
        except ValueError:
            return None
        return moment if self.contains(moment) else None
