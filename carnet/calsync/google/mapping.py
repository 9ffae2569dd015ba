"""What Carnet sends to Google for an appointment, and how a Google event reads back.

This is the one place that answers "what does Carnet send to Google?" (architecture
principle 7). Only what `AppointmentFacts` holds can leave: the title the practice's privacy
choice allows (`carnet.feeds.privacy`, the same rule as the ICS feed), the times, and a link
back to the appointment. There is no field for contact details, notes or the reason for the
visit, so they cannot leak from here. Events are private, opaque (busy) and have no
attendees, so Google never sends an invitation.

Pure functions over plain values: no Django, no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from carnet.calsync.event_ids import event_id
from carnet.feeds.privacy import TitleChoice, appointment_title

# Keys of `extendedProperties.private`: how a full sync recognises Carnet's own events.
APPOINTMENT_KEY = "carnetAppointment"
VERSION_KEY = "carnetVersion"


@dataclass(frozen=True, slots=True)
class AppointmentFacts:
    """Everything about an appointment that may reach Google."""

    public_id: uuid.UUID
    start: datetime
    end: datetime
    time_zone: str
    first_name: str
    last_name: str
    version: int
    link: str


def appointment_event(
    facts: AppointmentFacts, privacy: TitleChoice | str, generic_label: str
) -> dict[str, Any]:
    """The body of `events.insert` / `events.update` for one appointment."""
    zone = ZoneInfo(facts.time_zone)
    start, end = facts.start.astimezone(zone), facts.end.astimezone(zone)
    return {
        "id": event_id(facts.public_id),
        "summary": appointment_title(privacy, facts.first_name, facts.last_name, generic_label),
        "description": facts.link,
        "start": {"dateTime": start.isoformat(), "timeZone": facts.time_zone},
        "end": {"dateTime": end.isoformat(), "timeZone": facts.time_zone},
        "visibility": "private",
        "transparency": "opaque",
        "status": "confirmed",
        "guestsCanInviteOthers": False,
        "guestsCanSeeOtherGuests": False,
        "source": {"title": "Carnet", "url": facts.link},
        "extendedProperties": {
            "private": {APPOINTMENT_KEY: str(facts.public_id), VERSION_KEY: str(facts.version)}
        },
    }


class UnreadableEvent(ValueError):
    """A Google event Carnet cannot place in time (it is skipped and logged, never a 500)."""


@dataclass(frozen=True, slots=True)
class GoogleEvent:
    """A Google event as the sync engine needs it, whatever else Google sent."""

    id: str
    etag: str
    cancelled: bool
    updated: datetime | None
    summary: str
    start: datetime | None
    end: datetime | None
    all_day_start: date | None
    all_day_end: date | None
    time_zone: str
    recurrence: tuple[str, ...]
    recurring_event_id: str
    original_start: datetime | None
    appointment: uuid.UUID | None
    version: int | None
    busy: bool


def read_event(body: dict[str, Any], calendar_zone: str = "UTC") -> GoogleEvent:
    """A Google event resource as a `GoogleEvent`; `UnreadableEvent` for nonsense.

    Cancelled tombstones in incremental results carry only their id and status; they read as
    `cancelled` with no times.
    """
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"]:
        raise UnreadableEvent("event without an id")
    cancelled = body.get("status") == "cancelled"
    private = _dict(_dict(body.get("extendedProperties")).get("private"))
    start = _when(body.get("start"), calendar_zone)
    end = _when(body.get("end"), calendar_zone)
    if not cancelled and (start is None or end is None):
        raise UnreadableEvent(f"event {body['id']} has no start or end")
    if isinstance(start, datetime) and isinstance(end, datetime) and end <= start:
        raise UnreadableEvent(f"event {body['id']} ends before it starts")
    original = _when(body.get("originalStartTime"), calendar_zone)
    zone = _dict(body.get("start")).get("timeZone") or calendar_zone
    return GoogleEvent(
        id=body["id"],
        etag=str(body.get("etag") or ""),
        cancelled=cancelled,
        updated=_timestamp(body.get("updated")),
        summary=str(body.get("summary") or "")[:200],
        start=start if isinstance(start, datetime) else None,
        end=end if isinstance(end, datetime) else None,
        # `datetime` is a `date`: an all-day event's times are dates and nothing more.
        all_day_start=None if isinstance(start, datetime) else start,
        all_day_end=None if isinstance(end, datetime) else end,
        time_zone=str(zone),
        recurrence=tuple(str(line) for line in _list(body.get("recurrence"))),
        recurring_event_id=str(body.get("recurringEventId") or ""),
        original_start=original if isinstance(original, datetime) else None,
        appointment=_uuid(private.get(APPOINTMENT_KEY)),
        version=_int(private.get(VERSION_KEY)),
        busy=body.get("transparency", "opaque") != "transparent",
    )


def _when(value: Any, calendar_zone: str) -> datetime | date | None:
    if not isinstance(value, dict):
        return None
    try:
        if value.get("dateTime"):
            moment = datetime.fromisoformat(str(value["dateTime"]))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(value.get("timeZone") or calendar_zone))
            return moment
        if value.get("date"):
            return date.fromisoformat(str(value["date"]))
    except (ValueError, KeyError, TypeError) as error:  # ZoneInfoNotFoundError: a KeyError
        raise UnreadableEvent(f"unreadable time {value!r}") from error
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except (ValueError, TypeError):
        return None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except (ValueError, AttributeError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (ValueError, TypeError):
        return None
