"""RFC 3339 as the Calendar API writes it, and the two shapes of an event time.

An event's `start`/`end` is either `{"date": "2026-01-05"}` (all day) or
`{"dateTime": "2026-01-05T09:00:00+01:00", "timeZone": "Europe/Paris"}`; the zone matters for
recurring events, whose occurrences keep their wall-clock time across DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ApiError, bad_request


def rfc3339_ms(moment: datetime) -> str:
    """`updated`/`created` as Google writes them: UTC, milliseconds, a Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def rfc3339(moment: datetime) -> str:
    """An instant in UTC, seconds precision, with a Z (free/busy periods, channel data)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str, *, field: str, zone: tzinfo | None = None) -> datetime:
    """An RFC 3339 timestamp with an offset (or local to `zone`); 400 otherwise."""
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise bad_request(f"Invalid value for: {field}", location=field) from None
    if moment.tzinfo is None and zone is not None:
        moment = moment.replace(tzinfo=zone)
    if moment.tzinfo is None:
        raise bad_request(f"Invalid value for: {field}", location=field)
    return moment


def parse_date(text: str, *, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_request(f"Invalid value for: {field}", location=field) from None


def zone(name: str | None, *, default: str) -> tzinfo:
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, "timeZoneInvalid", "Invalid time zone definition.") from None


@dataclass(frozen=True)
class EventTime:
    """One end of an event: an all-day date, or an instant with the zone it recurs in."""

    all_day: bool
    day: date | None
    moment: datetime | None  # aware, in `tz`
    tz: tzinfo
    tz_name: str | None

    @classmethod
    def parse(cls, value: Any, *, field: str, calendar_zone: str) -> EventTime:
        if not isinstance(value, dict):
            raise ApiError(400, "required", f"Missing {field} time.")
        tz_name = value.get("timeZone")
        tz = zone(tz_name, default=calendar_zone)
        if value.get("date"):
            if value.get("dateTime"):
                raise bad_request(f"Invalid {field} time.")
            return cls(True, parse_date(value["date"], field=f"{field}.date"), None, tz, tz_name)
        if value.get("dateTime"):
            # An offset is required unless timeZone says where the wall-clock time is.
            moment = parse_datetime(
                value["dateTime"], field=f"{field}.dateTime", zone=tz if tz_name else None
            )
            return cls(False, None, moment.astimezone(tz), tz, tz_name)
        raise ApiError(400, "required", f"Missing {field} time.")

    def instant(self) -> datetime:
        """When this happens, in UTC (an all-day date starts at midnight in the zone)."""
        if self.all_day:
            assert self.day is not None
            return datetime.combine(self.day, time(), self.tz).astimezone(UTC)
        assert self.moment is not None
        return self.moment.astimezone(UTC)

    def local_start(self) -> datetime:
        """The wall-clock start recurrence rules step from (aware, in the event's zone)."""
        if self.all_day:
            assert self.day is not None
            return datetime.combine(self.day, time(), UTC)
        assert self.moment is not None
        return self.moment


def event_time_body(moment: datetime, *, all_day: bool, tz_name: str | None) -> dict[str, str]:
    """The JSON of an occurrence's start or end, as Google writes it."""
    if all_day:
        return {"date": moment.date().isoformat()}
    body = {"dateTime": moment.replace(microsecond=0).isoformat()}
    if tz_name:
        body["timeZone"] = tz_name
    return body
