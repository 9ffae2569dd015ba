"""calendars.insert/get/patch/update/delete, calendarList.list/get and freeBusy.query.

`calendar_for` is also the one place that decides whether a caller may touch a calendar, so
events, channels and free/busy all apply the same scope rules (see scopes.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .errors import ApiError, bad_request, forbidden, insufficient_scopes, not_found
from .recurrence import Recurrence, instance_stamp
from .scopes import Caller
from .store import Calendar, Store, new_id
from .times import EventTime, parse_datetime, rfc3339


def calendar_for(
    store: Store, caller: Caller, calendar_id: str, *, write: bool, events: bool
) -> Calendar:
    """The calendar `calendar_id` names for this caller, or the error Google would answer."""
    calendar = (
        store.primary_calendar(caller.user)
        if calendar_id == "primary"
        else store.calendars.get(calendar_id)
    )
    role = calendar.role_of(caller.user) if calendar is not None else None
    if calendar is None or role is None:
        raise not_found()
    if write and role != "owner" and not (events and role == "writer"):
        raise forbidden()  # shared with this account, but not for this change
    if caller.reaches_all_calendars(write=write, events=events):
        return calendar
    if caller.reaches_own_calendars():
        if calendar.created_by_client == caller.client_id:
            return calendar
        raise forbidden()
    raise insufficient_scopes()


class CalendarsApi:
    def __init__(self, store: Store) -> None:
        self.store = store

    def insert(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        if not caller.may_create_calendars():
            raise insufficient_scopes()
        summary = body.get("summary")
        if not summary:
            raise ApiError(400, "required", "Missing title.")
        time_zone = body.get("timeZone") or self.store.default_time_zone
        EventTime.parse(
            {"date": "2000-01-01", "timeZone": time_zone}, field="timeZone", calendar_zone=time_zone
        )
        with self.store.lock:
            calendar = self.store.add_calendar(
                Calendar(
                    id=f"{new_id()}@group.calendar.google.com",
                    owner=caller.user,
                    summary=str(summary),
                    time_zone=time_zone,
                    created_by_client=caller.client_id,
                    description=body.get("description"),
                    location=body.get("location"),
                )
            )
            return calendar.body()

    def get(self, caller: Caller, calendar_id: str) -> dict[str, Any]:
        with self.store.lock:
            return calendar_for(self.store, caller, calendar_id, write=False, events=False).body()

    def modify(
        self, caller: Caller, calendar_id: str, body: dict[str, Any], *, replace: bool
    ) -> dict[str, Any]:
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=True, events=False)
            if replace and not body.get("summary"):
                raise ApiError(400, "required", "Missing title.")
            if "summary" in body or replace:
                calendar.summary = str(body.get("summary") or calendar.summary)
            if "timeZone" in body or replace:
                calendar.time_zone = body.get("timeZone") or calendar.time_zone
            for attribute in ("description", "location"):
                if attribute in body or replace:
                    setattr(calendar, attribute, body.get(attribute))
            calendar.etag = self.store.new_etag()
            return calendar.body()

    def delete(self, caller: Caller, calendar_id: str) -> None:
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=True, events=False)
            if calendar.primary:
                raise bad_request(
                    "The primary calendar cannot be deleted.", reason="cannotDeletePrimaryCalendar"
                )
            del self.store.calendars[calendar.id]

    def list_entries(self, caller: Caller) -> dict[str, Any]:
        with self.store.lock:
            self.store.primary_calendar(caller.user)
            items = []
            for calendar in self.store.calendars.values():
                try:
                    calendar_for(self.store, caller, calendar.id, write=False, events=False)
                except ApiError:
                    continue
                items.append(calendar.list_entry(calendar.role_of(caller.user) or "owner"))
            return {
                "kind": "calendar#calendarList",
                "etag": self.store.new_etag(),
                "nextSyncToken": self.store.sync_token(
                    self.store.primary_calendar(caller.user), self.store.version
                ),
                "items": items,
            }

    def get_entry(self, caller: Caller, calendar_id: str) -> dict[str, Any]:
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=False, events=False)
            return calendar.list_entry(calendar.role_of(caller.user) or "owner")

    def free_busy(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        """Busy intervals (opaque, not cancelled events and instances) per calendar asked."""
        if not caller.may_query_free_busy():
            raise insufficient_scopes()
        if not body.get("timeMin"):
            raise ApiError(400, "required", "Missing timeMin parameter.")
        if not body.get("timeMax"):
            raise ApiError(400, "required", "Missing timeMax parameter.")
        start = parse_datetime(body["timeMin"], field="timeMin").astimezone(UTC)
        end = parse_datetime(body["timeMax"], field="timeMax").astimezone(UTC)
        if end < start:
            raise ApiError(
                400,
                "timeRangeEmpty",
                "The specified time range is empty.",
                location="timeMax",
                location_type="parameter",
            )
        calendars: dict[str, Any] = {}
        with self.store.lock:
            for item in body.get("items") or []:
                calendar_id = str(item.get("id", ""))
                try:
                    calendar = calendar_for(
                        self.store, caller, calendar_id, write=False, events=True
                    )
                except ApiError:
                    calendars[calendar_id] = {
                        "errors": [{"domain": "global", "reason": "notFound"}],
                        "busy": [],
                    }
                    continue
                calendars[calendar_id] = {"busy": busy_periods(calendar, start, end)}
        return {
            "kind": "calendar#freeBusy",
            "timeMin": rfc3339(start),
            "timeMax": rfc3339(end),
            "calendars": calendars,
        }


def busy_periods(calendar: Calendar, start: datetime, end: datetime) -> list[dict[str, str]]:
    periods: list[tuple[datetime, datetime]] = []
    exceptions = {record.id: record for record in calendar.events.values() if record.master_id}
    for record in calendar.events.values():
        body = record.body
        if record.cancelled or body.get("transparency") == "transparent":
            continue
        first = EventTime.parse(body["start"], field="start", calendar_zone=calendar.time_zone)
        last = EventTime.parse(body["end"], field="end", calendar_zone=calendar.time_zone)
        duration = last.instant() - first.instant()
        if body.get("recurrence"):
            series = Recurrence(body["recurrence"], first)
            for moment in series.starts(before=end):
                instance_id = f"{record.id}_{instance_stamp(moment, all_day=first.all_day)}"
                if instance_id in exceptions:
                    continue  # the exception is an event of its own (or cancelled)
                begin = series.instant(moment)
                if begin + duration > start:
                    periods.append((begin, begin + duration))
        elif first.instant() < end and last.instant() > start:
            periods.append((first.instant(), last.instant()))
    periods = sorted((max(a, start), min(b, end)) for a, b in periods)
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in periods:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(finish, merged[-1][1]))
        else:
            merged.append((begin, finish))
    return [{"start": rfc3339(a), "end": rfc3339(b)} for a, b in merged]
