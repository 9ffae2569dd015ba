"""`GoogleCalendarEmulator`: the whole emulator on one port, started and stopped in a thread.

    with GoogleCalendarEmulator(port=0) as emulator:
        service = googleapiclient.discovery.build(
            "calendar", "v3", credentials=credentials, static_discovery=True,
            client_options={"api_endpoint": emulator.api_endpoint})
        batch = BatchHttpRequest(batch_uri=emulator.batch_uri)

`api_endpoint` replaces the discovery document's rootUrl + servicePath, but googleapiclient
builds `new_batch_http_request()` from rootUrl alone (always https://www.googleapis.com/), so a
client pointed elsewhere must construct BatchHttpRequest with `batch_uri` itself.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .faults import Faults, Quota
from .oauth import OAuth
from .push import Push
from .server import App, Handler
from .store import Store


class GoogleCalendarEmulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        quota_per_minute: int = 600,
        quota_status: int = 403,
        access_token_lifetime_s: int = 3600,
        default_user: str = "practitioner@example.com",
        default_time_zone: str = "UTC",
    ) -> None:
        self.host = host
        self.port = port
        self.default_user = default_user
        self.store = Store(default_time_zone=default_time_zone)
        self.oauth = OAuth(
            default_user=default_user, access_token_lifetime_s=access_token_lifetime_s
        )
        self.faults = Faults()
        self.quota = Quota(quota_per_minute, quota_status)
        self._defaults = (quota_per_minute, quota_status)
        self.push = Push(self.store, lambda: self.api_endpoint)
        self.app = App(self)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> GoogleCalendarEmulator:
        handler = type("BoundHandler", (Handler,), {"app": self.app})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="google-calendar-emulator"
        )
        self._thread.start()
        self.push.start()
        return self

    def stop(self) -> None:
        self.push.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GoogleCalendarEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_endpoint(self) -> str:
        """For client_options={"api_endpoint": ...} (replaces rootUrl + servicePath)."""
        return f"{self.base_url}/calendar/v3/"

    @property
    def batch_uri(self) -> str:
        return f"{self.base_url}/batch/calendar/v3"

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    @property
    def auth_uri(self) -> str:
        return f"{self.base_url}/o/oauth2/v2/auth"

    @property
    def revoke_uri(self) -> str:
        return f"{self.base_url}/revoke"

    # --- test helpers (also reachable through the control API) --------------------------------

    def reset(self) -> None:
        with self.store.lock:
            self.store.reset()
            self.oauth.reset()
            self.push.reset()
            self.faults.clear()
            self.quota.reset()
            self.quota.per_minute, self.quota.status = self._defaults
            self.app.log.clear()

    def grant(self, user: str, scopes: list[str], client_id: str) -> dict[str, Any]:
        """A consented grant without the browser round trip: refresh and access tokens."""
        with self.store.lock:
            grant = self.oauth.grant(user, scopes, client_id)
            access, lifetime = self.oauth.issue_access_token(grant)
        return {
            "refresh_token": grant.refresh_token,
            "access_token": access,
            "expires_in": lifetime,
        }

    def share(self, calendar_id: str, user: str, role: str) -> None:
        """Share a calendar with another account (an ACL rule): it shows in that account's
        calendar list with `role` as its access role ("reader", "writer", "freeBusyReader")."""
        with self.store.lock:
            self.store.calendars[calendar_id].shared_with[user] = role

    def state(self) -> dict[str, Any]:
        """Every calendar with every stored event (tombstones and exceptions included)."""
        with self.store.lock:
            return {
                "version": self.store.version,
                "calendars": [
                    calendar.body()
                    | {
                        "owner": calendar.owner,
                        "createdByClient": calendar.created_by_client,
                        "events": [record.body for record in calendar.events.values()],
                    }
                    for calendar in self.store.calendars.values()
                ],
            }
