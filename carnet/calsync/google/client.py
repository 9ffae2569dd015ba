"""Talking to Google Calendar through the official client, for one connection.

`GoogleCalendar` is the provider half of principle 4: it creates the dedicated calendar,
writes and deletes events by id (with `If-Match`), lists changes since a sync token (all
pages), and opens and closes push channels. It knows nothing of appointments: the engine
hands it event bodies made by `mapping.py`.

Endpoints come from settings (`GOOGLE_API_URL`, `GOOGLE_OAUTH_TOKEN_URL`), so the emulator in
`carnet.emulators.google_calendar` or any other can stand in for Google. The access token is
refreshed by google-auth when Google answers 401 or it has expired; the new one is handed to
`on_token` to be sealed and saved. Tokens are never logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import google_auth_httplib2
import httplib2
from django.conf import settings
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from carnet.calsync.google.errors import classify

# The narrowest scope that works: calendars this app created, and nothing else of the account.
APP_CREATED_SCOPE = "https://www.googleapis.com/auth/calendar.app.created"
# Asked only when the practitioner picks one of their existing calendars.
FULL_SCOPE = "https://www.googleapis.com/auth/calendar"
TIMEOUT_SECONDS = 10
# The calendar list's access roles that let the account change events (Google's own names).
WRITABLE_ROLES = frozenset({"owner", "writer"})


@dataclass(frozen=True, slots=True)
class Written:
    etag: str
    updated: str


@dataclass(frozen=True, slots=True)
class Changes:
    events: list[dict[str, Any]]
    next_sync_token: str


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One calendar of the account as its calendar list shows it (calendarList.list)."""

    id: str
    summary: str
    primary: bool
    access_role: str

    @property
    def writable(self) -> bool:
        """Carnet can only write its events where the account may change events."""
        return self.access_role in WRITABLE_ROLES


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    resource_id: str
    expiration_ms: int


def credentials(
    *, access_token: str, refresh_token: str, expiry: datetime | None, scopes: list[str]
) -> Credentials:
    return Credentials(
        token=access_token or None,
        refresh_token=refresh_token,
        token_uri=settings.GOOGLE_OAUTH_TOKEN_URL,
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        scopes=scopes,
        # google-auth compares expiry with a naive UTC clock.
        expiry=expiry.replace(tzinfo=None) if expiry else None,
    )


class GoogleCalendar:
    def __init__(
        self,
        creds: Credentials,
        calendar_id: str = "",
        on_token: Callable[[Credentials], None] | None = None,
    ) -> None:
        self.creds = creds
        self.calendar_id = calendar_id
        self._on_token = on_token
        self._token = creds.token
        http = google_auth_httplib2.AuthorizedHttp(
            creds, http=httplib2.Http(timeout=TIMEOUT_SECONDS)
        )
        self.service = build(
            "calendar",
            "v3",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": f"{settings.GOOGLE_API_URL}/calendar/v3/"},
        )

    # --- every call goes through here --------------------------------------------------------

    def _run(self, request: Any, *, listing: bool = False) -> Any:
        try:
            if self.creds.token is None or not self.creds.valid:
                # No token yet, or expired: refresh before the call rather than after a 401.
                self.creds.refresh(
                    google_auth_httplib2.Request(httplib2.Http(timeout=TIMEOUT_SECONDS))
                )
            return request.execute(num_retries=0)
        except Exception as error:  # every failure is classified; unknown ones re-raised
            raise classify(error, listing=listing) from None
        finally:
            if self.creds.token != self._token:
                self._token = self.creds.token
                if self._on_token is not None:
                    self._on_token(self.creds)

    # --- calendars ---------------------------------------------------------------------------

    def create_calendar(self, summary: str, time_zone: str) -> str:
        body = {"summary": summary, "timeZone": time_zone}
        created = self._run(self.service.calendars().insert(body=body))
        self.calendar_id = str(created["id"])
        return self.calendar_id

    def calendars(self) -> list[CalendarEntry]:
        """Every calendar in the account's calendar list, all pages (needs the full scope)."""
        entries: list[CalendarEntry] = []
        page_token: str | None = None
        while True:
            arguments: dict[str, Any] = {"maxResults": 250}
            if page_token:
                arguments["pageToken"] = page_token
            page = self._run(self.service.calendarList().list(**arguments))
            entries.extend(
                CalendarEntry(
                    id=str(item["id"]),
                    summary=str(item.get("summaryOverride") or item.get("summary") or item["id"]),
                    primary=bool(item.get("primary")),
                    access_role=str(item.get("accessRole", "")),
                )
                for item in page.get("items", []) or []
                if not item.get("deleted")
            )
            page_token = page.get("nextPageToken")
            if not page_token:
                return entries

    def get_calendar(self) -> dict[str, Any]:
        return dict(self._run(self.service.calendars().get(calendarId=self.calendar_id)))

    def delete_calendar(self) -> None:
        self._run(self.service.calendars().delete(calendarId=self.calendar_id))

    # --- events ------------------------------------------------------------------------------

    def get(self, remote_id: str) -> dict[str, Any]:
        return dict(
            self._run(self.service.events().get(calendarId=self.calendar_id, eventId=remote_id))
        )

    def insert(self, body: dict[str, Any]) -> Written:
        request = self.service.events().insert(
            calendarId=self.calendar_id, body=body, sendUpdates="none"
        )
        return _written(self._run(request))

    def update(self, remote_id: str, body: dict[str, Any], etag: str | None) -> Written:
        request = self.service.events().update(
            calendarId=self.calendar_id, eventId=remote_id, body=body, sendUpdates="none"
        )
        if etag:
            request.headers["If-Match"] = etag
        return _written(self._run(request))

    def delete(self, remote_id: str, etag: str | None = None) -> None:
        request = self.service.events().delete(
            calendarId=self.calendar_id, eventId=remote_id, sendUpdates="none"
        )
        if etag:
            request.headers["If-Match"] = etag
        self._run(request)

    def changes(self, sync_token: str) -> Changes:
        """Every event changed since `sync_token` (all of them when it is empty), all pages.

        A full listing (no token) includes deleted events so that tombstones are seen, and asks
        for no expansion: recurring events come as their series and their exceptions.
        """
        events: list[dict[str, Any]] = []
        for page in self._pages(sync_token):
            events.extend(page.get("items", []) or [])
            if page.get("nextSyncToken"):
                return Changes(events, str(page["nextSyncToken"]))
        return Changes(events, "")

    def _pages(self, sync_token: str) -> Iterator[dict[str, Any]]:
        page_token: str | None = None
        while True:
            arguments: dict[str, Any] = {
                "calendarId": self.calendar_id,
                "maxResults": 250,
                "showDeleted": True,
            }
            if sync_token:
                arguments["syncToken"] = sync_token
            if page_token:
                arguments["pageToken"] = page_token
            page = self._run(self.service.events().list(**arguments), listing=True)
            yield page
            page_token = page.get("nextPageToken")
            if not page_token:
                return

    # --- push notifications ------------------------------------------------------------------

    def watch(self, *, channel_id: str, token: str, address: str, ttl_seconds: int) -> Channel:
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "params": {"ttl": str(ttl_seconds)},
        }
        answer = self._run(self.service.events().watch(calendarId=self.calendar_id, body=body))
        return Channel(
            id=str(answer["id"]),
            resource_id=str(answer.get("resourceId", "")),
            expiration_ms=int(answer.get("expiration") or 0),
        )

    def stop(self, channel_id: str, resource_id: str) -> None:
        self._run(self.service.channels().stop(body={"id": channel_id, "resourceId": resource_id}))


def _written(answer: dict[str, Any]) -> Written:
    return Written(etag=str(answer.get("etag", "")), updated=str(answer.get("updated", "")))
