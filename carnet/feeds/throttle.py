"""Fixed-window request counters in the cache, for the feed's rate limits.

With REDIS_URL the counters live in Redis, so every process of every machine counts
together. Without it the default cache is a directory of files, where each count would be a
file write (milliseconds, on a path that must answer a 304 in one or two): counters are then
kept in the memory of the serving process, which is exact for `carnet serve` (one process,
many threads) and per process otherwise. A limit is written "60/h": that many requests per
second (s), minute (m), hour (h) or day (d).
"""

from __future__ import annotations

import time

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache

__all__ = ["Limit", "hit", "parse_limit", "reset"]

_LOCAL = LocMemCache("carnet-feed-throttle", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


def _store() -> BaseCache:
    default = caches["default"]
    return _LOCAL if isinstance(default, FileBasedCache) else default


def reset() -> None:
    """Forget the in-memory counters (tests; the shared cache is cleared with the cache)."""
    _LOCAL.clear()


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Limit:
    def __init__(self, count: int, period: int) -> None:
        self.count = count
        self.period = period


def parse_limit(text: str) -> Limit:
    """Parse "60/h"; a malformed setting is a configuration error, raised at once."""
    count, _sep, unit = text.strip().partition("/")
    unit = unit.strip().lower()[:1] or "h"
    if not count.strip().isdigit() or unit not in _PERIODS:
        raise ValueError(f"A rate limit looks like '60/h', not {text!r}")
    return Limit(int(count), _PERIODS[unit])


def _key(scope: str, limit: Limit, now: float) -> tuple[str, int]:
    bucket = int(now // limit.period)
    retry_after = limit.period - int(now % limit.period)
    return f"feeds:rate:{scope}:{limit.period}:{bucket}", retry_after


def hit(scope: str, limit: Limit) -> int | None:
    """Count one request; None if allowed, else the seconds until the window resets."""
    now = time.time()
    key, retry_after = _key(scope, limit, now)
    store = _store()
    if store.add(key, 1, limit.period + 1):
        count = 1
    else:
        try:
            count = store.incr(key)
        except ValueError:  # expired between add and incr
            store.set(key, 1, limit.period + 1)
            count = 1
    return retry_after if count > limit.count else None
