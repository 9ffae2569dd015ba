"""events.watch, channels.stop, and the notifications POSTed to the channels' addresses.

As Google does (https://developers.google.com/workspace/calendar/api/guides/push): a new
channel first gets a `sync` message, then one `exists` message per change of the watched
calendar, each an empty POST carrying X-Goog-Channel-ID, X-Goog-Channel-Token,
X-Goog-Channel-Expiration, X-Goog-Resource-ID, X-Goog-Resource-URI, X-Goog-Resource-State and
X-Goog-Message-Number. They are sent from a background thread, in order, never inside the
API call that caused them; a channel past its expiration, or stopped, receives nothing more.
"""

from __future__ import annotations

import hashlib
import http.client
import queue
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

from .calendars import calendar_for
from .errors import ApiError, bad_request, not_found
from .scopes import Caller
from .store import Store

DEFAULT_TTL_S = 7 * 24 * 3600
MAX_TTL_S = 30 * 24 * 3600


@dataclass
class Channel:
    id: str
    resource_id: str
    resource_uri: str
    calendar_id: str
    user: str
    address: str
    token: str | None
    expiration_ms: int
    messages_sent: int = 0
    stopped: bool = False

    def active(self) -> bool:
        return not self.stopped and time.time() * 1000 < self.expiration_ms

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "api#channel",
            "id": self.id,
            "resourceId": self.resource_id,
            "resourceUri": self.resource_uri,
            "expiration": str(self.expiration_ms),
        }
        if self.token is not None:
            body["token"] = self.token
        return body


@dataclass
class Delivery:
    """One notification as sent, kept for tests to inspect."""

    channel_id: str
    headers: dict[str, str]
    status: int | None = None
    error: str | None = None
    sent_at: float = field(default_factory=time.time)


class Push:
    def __init__(self, store: Store, api_url: Callable[[], str]) -> None:
        self.store = store
        self.api_url = api_url
        self.channels: dict[str, Channel] = {}
        self.deliveries: list[Delivery] = []
        self.timeout_s = 5.0
        self._queue: queue.Queue[tuple[Channel, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        store.listeners.append(self.calendar_changed)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._deliver_forever, daemon=True, name="google-calendar-emulator-push"
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=self.timeout_s + 1)
            self._thread = None

    def reset(self) -> None:
        with self.store.lock:
            self.channels.clear()
            self.deliveries.clear()

    # --- API ------------------------------------------------------------------------

    def watch(self, caller: Caller, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.lock:
            calendar = calendar_for(self.store, caller, calendar_id, write=False, events=True)
            channel_id = body.get("id")
            if not channel_id:
                raise ApiError(400, "required", "Required", location="id")
            if len(str(channel_id)) > 64:
                raise bad_request("Channel id is too long.")
            if body.get("type") not in ("web_hook", "webhook"):
                raise bad_request("Invalid value for: type", location="type")
            address = body.get("address")
            if not address or not str(address).startswith(("http://", "https://")):
                raise bad_request("Invalid value for: address", location="address")
            existing = self.channels.get(channel_id)
            if existing is not None and existing.active():
                raise bad_request(
                    f"Channel id {channel_id} not unique", reason="channelIdNotUnique"
                )
            now_ms = int(time.time() * 1000)
            ttl = (body.get("params") or {}).get("ttl")
            expiration = now_ms + (int(ttl) if ttl else DEFAULT_TTL_S) * 1000
            if body.get("expiration"):
                expiration = int(body["expiration"])
            expiration = min(expiration, now_ms + MAX_TTL_S * 1000)
            resource = hashlib.sha1(f"events:{calendar.id}".encode()).hexdigest()[:27]  # noqa: S324
            channel = Channel(
                id=str(channel_id),
                resource_id=resource,
                resource_uri=f"{self.api_url()}calendars/{calendar.id}/events?alt=json",
                calendar_id=calendar.id,
                user=caller.user,
                address=str(address),
                token=body.get("token"),
                expiration_ms=expiration,
            )
            self.channels[channel.id] = channel
            self._queue.put((channel, "sync"))
            return channel.body()

    def stop_channel(self, caller: Caller, body: dict[str, Any]) -> None:
        with self.store.lock:
            channel = self.channels.get(str(body.get("id")))
            if (
                channel is None
                or channel.stopped
                or channel.user != caller.user
                or channel.resource_id != body.get("resourceId")
            ):
                raise not_found()
            channel.stopped = True

    # --- delivery -----------------------------------------------------------------------

    def calendar_changed(self, calendar_id: str) -> None:
        for channel in list(self.channels.values()):
            if channel.calendar_id == calendar_id and channel.active():
                self._queue.put((channel, "exists"))

    def _deliver_forever(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.task_done()
                return
            channel, state = item
            try:
                if channel.active():
                    self._deliver(channel, state)
            finally:
                self._queue.task_done()

    def _deliver(self, channel: Channel, state: str) -> None:
        channel.messages_sent += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": formatdate(channel.expiration_ms / 1000, usegmt=True),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.messages_sent),
            "Content-Length": "0",
        }
        if channel.token is not None:
            headers["X-Goog-Channel-Token"] = channel.token
        delivery = Delivery(channel.id, headers)
        # http.client keeps the header names' case (urllib would send "X-goog-channel-id").
        address = urllib.parse.urlsplit(channel.address)
        connection_class = (
            http.client.HTTPSConnection if address.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(address.netloc, timeout=self.timeout_s)
        try:
            path = address.path or "/"
            connection.request(
                "POST",
                path + (f"?{address.query}" if address.query else ""),
                body=b"",
                headers=headers,
            )
            response = connection.getresponse()
            response.read()
            delivery.status = response.status
        except (OSError, http.client.HTTPException) as error:
            delivery.error = str(error)
        finally:
            connection.close()
        with self.store.lock:
            self.deliveries.append(delivery)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Tests: wait until every queued notification has been attempted."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True
