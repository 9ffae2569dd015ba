"""Injected faults and the per-user quota: how tests make the emulator misbehave like Google.

A fault matches requests by path (a regular expression searched in the path, e.g.
"/events" or "^/token$") and method, for `count` requests (or forever), and either delays
them (`latency` seconds) and/or answers with `status` in Google's error format (`reason`
chooses e.g. rateLimitExceeded, backendError, fullSyncRequired). On the token endpoint,
`oauth_error` (e.g. "invalid_grant") answers in OAuth's format instead.

The quota counts API calls (each call of a batch counts, as at Google) per account over a
sliding minute; past `per_minute` it answers 403 usageLimits/rateLimitExceeded, or 429.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from .errors import ApiError


@dataclass
class Fault:
    status: int | None = None
    count: int | None = 1  # None: every matching request, until cleared
    path: str | None = None
    method: str | None = None
    reason: str | None = None
    message: str | None = None
    latency: float = 0.0
    oauth_error: str | None = None
    retry_after: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        fault = cls(**known)
        if fault.path is not None:
            re.compile(fault.path)
        if fault.status is None and fault.latency <= 0 and fault.oauth_error is None:
            raise ValueError("a fault needs a status, an oauth_error or a latency")
        return fault

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        return ApiError.for_status(self.status, self.reason, self.message)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.active.append(fault)

    def clear(self) -> None:
        with self._lock:
            self.active.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, counted as used."""
        with self._lock:
            for fault in self.active:
                if fault.matches(method, path):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self.active.remove(fault)
                    return fault
        return None


class Quota:
    """Requests per user per sliding minute."""

    def __init__(self, per_minute: int = 600, status: int = 403) -> None:
        self.per_minute = per_minute
        self.status = status
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = {}
        self.rejected = 0

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self.rejected = 0

    def charge(self, user: str) -> None:
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(user, deque())
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if self.per_minute and len(calls) >= self.per_minute:
                self.rejected += 1
                if self.status == 429:
                    raise ApiError(429, "rateLimitExceeded", "Rate Limit Exceeded")
                raise ApiError(403, "rateLimitExceeded", "Rate Limit Exceeded")
            calls.append(now)
