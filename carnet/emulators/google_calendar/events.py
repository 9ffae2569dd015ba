"""events.insert/get/list/patch/update/delete/instances: the heart of the emulated API.

Faithful where a sync engine can trip: client-chosen ids (base32hex, 409 on reuse even after
deletion), etags that change on every write with If-Match/412, `sequence` and `updated`,
patch merging nested objects, recurring series with instances named
`<id>_<YYYYMMDDTHHMMSSZ>` whose changes and cancellations become exceptions, and list paging
with sync tokens whose incremental results carry cancelled tombstones.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from .calendars import calendar_for
from .errors import ApiError, bad_request, not_found
from .recurrence import Recurrence, instance_stamp, split_instance_id
from .scopes import Caller
from .store import Calendar, EventRecord, Store, decode_token, encode_token, new_id
from .times import EventTime, event_time_body, parse_datetime, rfc3339_ms

Params = dict[str, list[str]]

EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
SERVER_FIELDS = {
    "kind",
    "etag",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "organizer",
    "recurringEventId",
    "originalStartTime",
}
FORBIDDEN_WITH_SYNC_TOKEN = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)
TIME_FIELDS = ("start", "end", "recurrence")
SEND_UPDATES = {"all", "externalOnly", "none"}
DEFAULT_PAGE = 250
MAX_PAGE = 2500


def one(params: Params, name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def flag(params: Params, name: str) -> bool:
    value = one(params, name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise bad_request(f"Invalid value for: {name}", location=name)
    return value.lower() == "true"


def merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Patch semantics: nested objects merge, arrays and scalars replace, null removes."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def tombstone(body: dict[str, Any]) -> dict[str, Any]:
    """What a list shows of a cancelled event: a deleted one is only guaranteed its id."""
    keep: tuple[str, ...] = ("kind", "etag", "id", "status", "updated")
    if body.get("recurringEventId"):
        keep += ("recurringEventId", "originalStartTime")
    return {key: body[key] for key in keep if key in body}


class EventsApi:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- single events ---------------------------------------------------------------

    def insert(
        self, caller: Caller, calendar_id: str, body: dict[str, Any], params: Params
    ) -> dict[str, Any]:
        check_send_updates(params)
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=True, events=True)
            event_id = body.get("id")
            if event_id is None:
                event_id = new_id()
            elif not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
                raise bad_request("Invalid resource id value.")
            if event_id in calendar.events:
                raise ApiError(409, "duplicate", "The requested identifier already exists.")
            fresh = self._build(calendar, caller, body, existing=None, event_id=event_id)
            calendar.events[event_id] = EventRecord(fresh, self.store.next_version())
            self.store.changed(calendar.id)
            return copy.deepcopy(fresh)

    def get(
        self, caller: Caller, calendar_id: str, event_id: str, params: Params
    ) -> dict[str, Any]:
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=False, events=True)
            return copy.deepcopy(self._current(calendar, event_id))

    def modify(
        self,
        caller: Caller,
        calendar_id: str,
        event_id: str,
        body: dict[str, Any],
        params: Params,
        *,
        if_match: str | None,
        replace: bool,
    ) -> dict[str, Any]:
        """events.update (replace=True) or events.patch; on an instance, makes an exception."""
        check_send_updates(params)
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=True, events=True)
            current = self._current(calendar, event_id)
            check_etag(current, if_match)
            if replace:
                incoming = copy.deepcopy(body)
                # An update must carry the times; the rest it leaves out is cleared.
                if current.get("recurringEventId"):
                    incoming.pop("recurrence", None)
            else:
                incoming = merge(
                    {k: v for k, v in copy.deepcopy(current).items() if k not in SERVER_FIELDS},
                    {k: v for k, v in body.items() if k not in SERVER_FIELDS},
                )
            if "id" in body and body["id"] != event_id:
                raise bad_request("Invalid resource id value.")
            fresh = self._build(calendar, caller, incoming, existing=current, event_id=event_id)
            calendar.events[event_id] = EventRecord(fresh, self.store.next_version())
            if fresh.get("recurrence") and not fresh.get("recurringEventId"):
                self._cancel_orphan_exceptions(calendar, fresh)
            self.store.changed(calendar.id)
            return copy.deepcopy(fresh)

    def delete(
        self,
        caller: Caller,
        calendar_id: str,
        event_id: str,
        params: Params,
        *,
        if_match: str | None,
    ) -> None:
        check_send_updates(params)
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=True, events=True)
            current = self._current(calendar, event_id)
            if current.get("status") == "cancelled":
                raise ApiError(410, "deleted", "Resource has been deleted")
            check_etag(current, if_match)
            self._cancel(calendar, current)
            if current.get("recurrence"):
                for record in list(calendar.events.values()):
                    if record.master_id == event_id and not record.cancelled:
                        self._cancel(calendar, record.body)
            self.store.changed(calendar.id)

    def _cancel(self, calendar: Calendar, body: dict[str, Any]) -> None:
        cancelled = copy.deepcopy(body)
        cancelled["status"] = "cancelled"
        cancelled["etag"] = self.store.new_etag()
        cancelled["updated"] = rfc3339_ms(datetime.now(UTC))
        cancelled["sequence"] = int(body.get("sequence", 0)) + 1
        calendar.events[cancelled["id"]] = EventRecord(cancelled, self.store.next_version())

    def _cancel_orphan_exceptions(self, calendar: Calendar, master: dict[str, Any]) -> None:
        """A series cut short ("this and following"): its later exceptions go away too."""
        series = self._series(calendar, master)
        for record in list(calendar.events.values()):
            if record.master_id != master["id"] or record.cancelled:
                continue
            original = EventTime.parse(
                record.body["originalStartTime"],
                field="originalStartTime",
                calendar_zone=calendar.time_zone,
            )
            if not series.contains(original.local_start()):
                self._cancel(calendar, record.body)

    # --- building and finding ------------------------------------------------------------

    def _build(
        self,
        calendar: Calendar,
        caller: Caller,
        body: dict[str, Any],
        *,
        existing: dict[str, Any] | None,
        event_id: str,
    ) -> dict[str, Any]:
        """The stored resource from what the client sent, with every server field set."""
        fresh = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_FIELDS}
        start = EventTime.parse(fresh.get("start"), field="start", calendar_zone=calendar.time_zone)
        end = EventTime.parse(fresh.get("end"), field="end", calendar_zone=calendar.time_zone)
        if start.all_day != end.all_day:
            raise bad_request("Invalid start time.")
        if end.instant() < start.instant():
            raise ApiError(400, "timeRangeEmpty", "The specified time range is empty.")
        status = fresh.setdefault("status", "confirmed")
        if status not in ("confirmed", "tentative", "cancelled"):
            raise bad_request("Invalid value for: status")
        instance_of = existing.get("recurringEventId") if existing else None
        if instance_of:
            fresh.pop("recurrence", None)
        elif fresh.get("recurrence") is not None:
            if not isinstance(fresh["recurrence"], list):
                raise bad_request("Invalid recurrence rule.")
            Recurrence([str(line) for line in fresh["recurrence"]], start)
        check_extended_properties(fresh.get("extendedProperties"))
        now = rfc3339_ms(datetime.now(UTC))
        sequence = int((existing or {}).get("sequence", 0))
        if existing and any(fresh.get(key) != existing.get(key) for key in TIME_FIELDS):
            sequence += 1
        if isinstance(fresh.get("sequence"), int) and fresh["sequence"] > sequence:
            sequence = fresh["sequence"]
        eid = base64.urlsafe_b64encode(f"{event_id} {calendar.id}".encode()).decode().rstrip("=")
        fresh.update(
            {
                "kind": "calendar#event",
                "etag": self.store.new_etag(),
                "id": event_id,
                "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
                "created": (existing or {}).get("created", now),
                "updated": now,
                "creator": (existing or {}).get("creator", {"email": caller.user, "self": True}),
                "organizer": {"email": calendar.id, "displayName": calendar.summary, "self": True},
                "iCalUID": (existing or {}).get("iCalUID")
                or fresh.get("iCalUID")
                or f"{event_id}@google.com",
                "sequence": sequence,
            }
        )
        fresh.setdefault("eventType", "default")
        fresh.setdefault("reminders", {"useDefault": True})
        if instance_of and existing:
            fresh["recurringEventId"] = instance_of
            fresh["originalStartTime"] = existing["originalStartTime"]
        return fresh

    def _current(self, calendar: Calendar, event_id: str) -> dict[str, Any]:
        """The event as stored, or the instance a recurring series generates under that id."""
        record = calendar.events.get(event_id)
        if record is not None:
            return record.body
        parts = split_instance_id(event_id)
        if parts:
            master = calendar.events.get(parts[0])
            if master and master.body.get("recurrence") and not master.cancelled:
                series = self._series(calendar, master.body)
                original = series.start_for_stamp(parts[1])
                if original is not None:
                    return self._instance(calendar, master.body, original)
        raise not_found()

    def _series(self, calendar: Calendar, master: dict[str, Any]) -> Recurrence:
        start = EventTime.parse(master["start"], field="start", calendar_zone=calendar.time_zone)
        return Recurrence([str(line) for line in master["recurrence"]], start)

    def _instance(
        self, calendar: Calendar, master: dict[str, Any], original: datetime
    ) -> dict[str, Any]:
        """The occurrence of `master` that starts (originally) at `original`."""
        first = EventTime.parse(master["start"], field="start", calendar_zone=calendar.time_zone)
        last = EventTime.parse(master["end"], field="end", calendar_zone=calendar.time_zone)
        tz_name = master["start"].get("timeZone")
        body = {k: copy.deepcopy(v) for k, v in master.items() if k != "recurrence"}
        if first.all_day:
            assert first.day is not None and last.day is not None
            days = last.day - first.day
            body["start"] = {"date": original.date().isoformat()}
            body["end"] = {"date": (original.date() + days).isoformat()}
        else:
            assert first.moment is not None and last.moment is not None
            finish = (original.astimezone(UTC) + (last.moment - first.moment)).astimezone(
                original.tzinfo
            )
            body["start"] = event_time_body(original, all_day=False, tz_name=tz_name)
            body["end"] = event_time_body(
                finish, all_day=False, tz_name=master["end"].get("timeZone")
            )
        body["id"] = f"{master['id']}_{instance_stamp(original, all_day=first.all_day)}"
        body["recurringEventId"] = master["id"]
        body["originalStartTime"] = event_time_body(
            original, all_day=first.all_day, tz_name=tz_name
        )
        return body

    def _instances(
        self, calendar: Calendar, master: dict[str, Any], *, before: datetime | None
    ) -> Iterator[dict[str, Any]]:
        """Generated occurrences of a series, skipping those an exception stands for."""
        series = self._series(calendar, master)
        all_day = "date" in master["start"]
        for original in series.starts(before=before):
            instance_id = f"{master['id']}_{instance_stamp(original, all_day=all_day)}"
            if instance_id not in calendar.events:
                yield self._instance(calendar, master, original)

    # --- lists ---------------------------------------------------------------------------------

    def list_events(self, caller: Caller, calendar_id: str, params: Params) -> dict[str, Any]:
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=False, events=True)
            sync_token = one(params, "syncToken")
            single = flag(params, "singleEvents")
            show_deleted = flag(params, "showDeleted")
            order_by = one(params, "orderBy")
            if sync_token is not None:
                for name in FORBIDDEN_WITH_SYNC_TOKEN:
                    if name in params:
                        raise bad_request(
                            f"The parameter {name} cannot be used together with syncToken.",
                            location=name,
                        )
                if one(params, "showDeleted") == "false":  # tombstones always come with a token
                    raise bad_request(
                        "showDeleted cannot be false together with syncToken.",
                        location="showDeleted",
                    )
            if order_by not in (None, "startTime", "updated"):
                raise bad_request("Invalid value for: orderBy", location="orderBy")
            if order_by == "startTime" and not single:
                raise bad_request(
                    "The requested ordering is not available for the particular query.",
                    location="orderBy",
                )
            page = self._page_state(params, calendar)
            snapshot = page.get("s", self.store.version)
            since = self.store.sync_token_version(calendar, sync_token) if sync_token else None
            time_min = self._time_param(params, "timeMin")
            time_max = self._time_param(params, "timeMax")
            if time_min and time_max and time_max <= time_min:
                raise ApiError(
                    400,
                    "timeRangeEmpty",
                    "The specified time range is empty.",
                    location="timeMax",
                    location_type="parameter",
                )
            updated_min = self._time_param(params, "updatedMin")
            incremental = since is not None or updated_min is not None

            items: list[dict[str, Any]] = []
            for record in calendar.events.values():
                body = record.body
                if since is not None and not since < record.version <= snapshot:
                    continue
                if updated_min and parse_datetime(body["updated"], field="updated") < updated_min:
                    continue
                if not self._matches(body, params):
                    continue
                if record.cancelled:
                    exception = bool(record.master_id)
                    if incremental or show_deleted or (exception and not single):
                        items.append(tombstone(body))
                    continue
                if single and body.get("recurrence"):
                    for instance in self._instances(calendar, body, before=time_max):
                        if self._overlaps(calendar, instance, time_min, time_max):
                            items.append(instance)
                    continue
                if body.get("recurrence"):
                    if self._series_overlaps(calendar, body, time_min, time_max):
                        items.append(copy.deepcopy(body))
                elif self._overlaps(calendar, body, time_min, time_max):
                    items.append(copy.deepcopy(body))

            items.sort(key=lambda item: self._sort_key(calendar, item, order_by))
            return self._paged(calendar, items, params, page, snapshot, order_by)

    def instances(
        self, caller: Caller, calendar_id: str, event_id: str, params: Params
    ) -> dict[str, Any]:
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=False, events=True)
            record = calendar.events.get(event_id)
            if record is None:
                raise not_found()
            master = record.body
            time_min = self._time_param(params, "timeMin")
            time_max = self._time_param(params, "timeMax")
            show_deleted = flag(params, "showDeleted")
            page = self._page_state(params, calendar)
            if not master.get("recurrence") or record.cancelled:
                items = [] if record.cancelled and not show_deleted else [copy.deepcopy(master)]
            else:
                items = list(self._instances(calendar, master, before=time_max))
                for other in calendar.events.values():
                    if other.master_id == event_id and (show_deleted or not other.cancelled):
                        items.append(copy.deepcopy(other.body))
                items = [i for i in items if self._overlaps(calendar, i, time_min, time_max)]
            original_start = one(params, "originalStart")
            if original_start:
                wanted = parse_datetime(original_start, field="originalStart")
                items = [
                    i
                    for i in items
                    if "dateTime" in i.get("originalStartTime", {})
                    and parse_datetime(i["originalStartTime"]["dateTime"], field="x") == wanted
                ]
            items.sort(key=lambda item: self._sort_key(calendar, item, "startTime"))
            result = self._paged(calendar, items, params, page, self.store.version, "startTime")
            result.pop("nextSyncToken", None)
            return result

    # --- list helpers ------------------------------------------------------------------------

    def _time_param(self, params: Params, name: str) -> datetime | None:
        value = one(params, name)
        return parse_datetime(value, field=name).astimezone(UTC) if value else None

    def _page_state(self, params: Params, calendar: Calendar) -> dict[str, Any]:
        token = one(params, "pageToken")
        if token is None:
            return {}
        state = decode_token(token)
        if state is None or state.get("f") != fingerprint(params, calendar):
            raise bad_request("Invalid page token value.", location="pageToken")
        return state

    def _paged(
        self,
        calendar: Calendar,
        items: list[dict[str, Any]],
        params: Params,
        page: dict[str, Any],
        snapshot: int,
        order_by: str | None,
    ) -> dict[str, Any]:
        try:
            size = int(one(params, "maxResults") or DEFAULT_PAGE)
        except ValueError:
            raise bad_request("Invalid value for: maxResults", location="maxResults") from None
        if size < 1:
            raise bad_request("Invalid value for: maxResults", location="maxResults")
        size = min(size, MAX_PAGE)
        if "k" in page:
            after = tuple(page["k"])
            items = [i for i in items if self._sort_key(calendar, i, order_by) > after]
        chunk = items[:size]
        result: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": self.store.new_etag(),
            "summary": calendar.summary,
            "description": calendar.description or "",
            "updated": self._last_updated(calendar),
            "timeZone": calendar.time_zone,
            "accessRole": "owner",
            "defaultReminders": [],
            "items": chunk,
        }
        if len(items) > size:
            result["nextPageToken"] = encode_token(
                {
                    "k": list(self._sort_key(calendar, chunk[-1], order_by)),
                    "s": snapshot,
                    "f": fingerprint(params, calendar),
                }
            )
        else:
            result["nextSyncToken"] = self.store.sync_token(calendar, snapshot)
        return result

    def _last_updated(self, calendar: Calendar) -> str:
        stamps = [record.body["updated"] for record in calendar.events.values()]
        return max(stamps) if stamps else rfc3339_ms(datetime.now(UTC))

    def _sort_key(
        self, calendar: Calendar, item: dict[str, Any], order_by: str | None
    ) -> tuple[str, str]:
        if order_by == "startTime" and "start" in item:
            start = EventTime.parse(item["start"], field="start", calendar_zone=calendar.time_zone)
            return (start.instant().isoformat(), item["id"])
        if order_by == "updated":
            return (item.get("updated", ""), item["id"])
        return ("", item["id"])

    def _matches(self, body: dict[str, Any], params: Params) -> bool:
        """iCalUID, q and the extended-property filters of events.list."""
        if "iCalUID" in params and body.get("iCalUID") != one(params, "iCalUID"):
            return False
        query = (one(params, "q") or "").lower()
        if query:
            text = " ".join(
                str(body.get(key, "")) for key in ("summary", "description", "location")
            ) + " ".join(a.get("email", "") for a in body.get("attendees", []))
            if not all(word in text.lower() for word in query.split()):
                return False
        properties = body.get("extendedProperties") or {}
        for kind in ("private", "shared"):
            for constraint in params.get(f"{kind}ExtendedProperty", []):
                key, sep, value = constraint.partition("=")
                if not sep:
                    raise bad_request(
                        f"Invalid value for: {kind}ExtendedProperty",
                        location=f"{kind}ExtendedProperty",
                    )
                if (properties.get(kind) or {}).get(key) != value:
                    return False
        return True

    def _overlaps(
        self,
        calendar: Calendar,
        body: dict[str, Any],
        time_min: datetime | None,
        time_max: datetime | None,
    ) -> bool:
        if "start" not in body:
            return True
        start = EventTime.parse(body["start"], field="start", calendar_zone=calendar.time_zone)
        end = EventTime.parse(body["end"], field="end", calendar_zone=calendar.time_zone)
        if time_max is not None and start.instant() >= time_max:
            return False
        return time_min is None or end.instant() > time_min

    def _series_overlaps(
        self,
        calendar: Calendar,
        master: dict[str, Any],
        time_min: datetime | None,
        time_max: datetime | None,
    ) -> bool:
        if time_min is None and time_max is None:
            return True
        first = EventTime.parse(master["start"], field="start", calendar_zone=calendar.time_zone)
        last = EventTime.parse(master["end"], field="end", calendar_zone=calendar.time_zone)
        duration = last.instant() - first.instant()
        series = self._series(calendar, master)
        for original in series.starts(before=time_max):
            if time_min is None or series.instant(original) + duration > time_min:
                return True
        return False


def fingerprint(params: Params, calendar: Calendar) -> str:
    """Page tokens are only good for the exact query that produced them, as at Google."""
    relevant = {k: v for k, v in sorted(params.items()) if k not in ("pageToken", "maxResults")}
    text = json.dumps([calendar.id, relevant], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_etag(current: dict[str, Any], if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    if if_match.strip() != current.get("etag"):
        raise ApiError(
            412,
            "conditionNotMet",
            "Precondition Failed",
            location="If-Match",
            location_type="header",
        )


def check_send_updates(params: Params) -> None:
    value = one(params, "sendUpdates")
    if value is not None and value not in SEND_UPDATES:
        raise bad_request("Invalid value for: sendUpdates", location="sendUpdates")


def check_extended_properties(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or set(value) - {"private", "shared"}:
        raise bad_request("Invalid value for: extendedProperties")
    for properties in value.values():
        if not isinstance(properties, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in properties.items()
        ):
            raise bad_request("Invalid value for: extendedProperties")
