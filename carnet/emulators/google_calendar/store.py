"""The emulator's memory: accounts, calendars, events (tombstones included) and sync tokens.

Every write takes the next value of one counter, `version`; an event remembers the version of
its last change. A sync token names a calendar and a version, so "what changed since this
token" is every event whose version is newer, cancelled ones included, exactly like Google's
incremental sync. Tokens minted before `sync_floor` (an admin hook, or a reset) answer 410.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


def new_id(length: int = 26) -> str:
    """A random id in Google's event-id alphabet (base32hex, lowercase)."""
    return "".join(secrets.choice(BASE32HEX) for _ in range(length))


def encode_token(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_token(token: str) -> dict[str, Any] | None:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


@dataclass
class EventRecord:
    """One stored event: a single event, a recurring master, or an exception of one."""

    body: dict[str, Any]
    version: int

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def cancelled(self) -> bool:
        return self.body.get("status") == "cancelled"

    @property
    def master_id(self) -> str | None:
        return self.body.get("recurringEventId")


@dataclass
class Calendar:
    id: str
    owner: str
    summary: str
    time_zone: str
    created_by_client: str | None
    primary: bool = False
    description: str | None = None
    location: str | None = None
    etag: str = ""
    events: dict[str, EventRecord] = field(default_factory=dict)
    sync_floor: int = 0
    # Other accounts this calendar is shared with, and their access role ("reader", "writer",
    # "freeBusyReader"), as an ACL rule would set them.
    shared_with: dict[str, str] = field(default_factory=dict)

    def role_of(self, user: str) -> str | None:
        """The account's access role on this calendar, or None when it cannot see it."""
        return "owner" if user == self.owner else self.shared_with.get(user)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "calendar#calendar",
            "etag": self.etag,
            "id": self.id,
            "summary": self.summary,
            "timeZone": self.time_zone,
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        }
        if self.description is not None:
            body["description"] = self.description
        if self.location is not None:
            body["location"] = self.location
        return body

    def list_entry(self, role: str = "owner") -> dict[str, Any]:
        body = self.body() | {"kind": "calendar#calendarListEntry", "accessRole": role}
        body["defaultReminders"] = []
        if self.primary:
            body["primary"] = True
        return body


class Store:
    """All state, behind one lock; change listeners (push) are told which calendar changed."""

    def __init__(self, *, default_time_zone: str = "UTC") -> None:
        self.lock = threading.RLock()
        self.default_time_zone = default_time_zone
        self.listeners: list[Callable[[str], None]] = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.epoch = secrets.token_hex(4)  # tokens of a previous life answer 410
            self.version = 0
            self._last_stamp = 0
            self.calendars: dict[str, Calendar] = {}

    # --- versions and etags ---------------------------------------------------------

    def next_version(self) -> int:
        self.version += 1
        return self.version

    def new_etag(self) -> str:
        """A fresh quoted etag, different from every earlier one (microseconds, monotonic)."""
        stamp = max(time.time_ns() // 1000, self._last_stamp + 1)
        self._last_stamp = stamp
        return f'"{stamp}"'

    def changed(self, calendar_id: str) -> None:
        for listener in list(self.listeners):
            listener(calendar_id)

    # --- accounts and calendars -------------------------------------------------------

    def primary_calendar(self, user: str) -> Calendar:
        """The account's primary calendar (its id is the address), created on first use."""
        with self.lock:
            calendar = self.calendars.get(user)
            if calendar is None:
                calendar = Calendar(
                    id=user,
                    owner=user,
                    summary=user,
                    time_zone=self.default_time_zone,
                    created_by_client=None,
                    primary=True,
                    etag=self.new_etag(),
                )
                self.calendars[user] = calendar
            return calendar

    def add_calendar(self, calendar: Calendar) -> Calendar:
        with self.lock:
            calendar.etag = self.new_etag()
            self.calendars[calendar.id] = calendar
            return calendar

    # --- sync tokens --------------------------------------------------------------------

    def sync_token(self, calendar: Calendar, version: int) -> str:
        return encode_token({"e": self.epoch, "c": calendar.id, "v": version})

    def sync_token_version(self, calendar: Calendar, token: str) -> int:
        """The version a token was minted at; 410 fullSyncRequired if it is no longer valid."""
        payload = decode_token(token)
        if payload is None or not isinstance(payload.get("v"), int):
            raise bad_request("Invalid sync token value.", location="syncToken")
        if (
            payload.get("e") != self.epoch
            or payload.get("c") != calendar.id
            or payload["v"] < calendar.sync_floor
        ):
            raise ApiError(
                410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."
            )
        return int(payload["v"])

    def expire_sync_tokens(self, calendar_id: str | None = None) -> None:
        """Every sync token issued so far (for one calendar, or all) now answers 410."""
        with self.lock:
            floor = self.version + 1
            for calendar in self.calendars.values():
                if calendar_id is None or calendar.id == calendar_id:
                    calendar.sync_floor = floor
            self.version = floor
