"""The Redis cache, made to fail safe: an unreachable Redis slows Carnet down, never breaks it.

Everything Carnet keeps in the cache can be lost: feed bodies and fingerprints are computed
again from the database, feed "generations" are bounded by a time to live, and rate-limit
counters start over. So when Redis cannot be reached, each operation logs a warning (at most
once a minute, not once per request) and answers as an empty cache would:

- reads find nothing, writes store nothing;
- `add` and `incr` answer as if the key were new (`True`, `delta`): rate limits then fail
  open (not enforced while Redis is down) rather than refusing every login and every
  feed.

Only connection failures and timeouts are absorbed; any other Redis error is a bug and raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["UNREACHABLE", "FailSafeRedisCache"]

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_WARN_EVERY = 60.0


class _Warner:
    """One warning a minute while Redis is down; the rest go to the debug level."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = -_WARN_EVERY

    def __call__(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            loud = now - self._last >= _WARN_EVERY
            if loud:
                self._last = now
        level = logging.WARNING if loud else logging.DEBUG
        logger.log(
            level, "Cache unreachable during %s, carrying on without it: %s", operation, error
        )


_warn = _Warner()


def _fail_safe[T](operation: str, call: Callable[[], T], fallback: T) -> T:
    try:
        return call()
    except UNREACHABLE as error:
        _warn(operation, error)
        return fallback


class FailSafeRedisCache(RedisCache):
    """Django's RedisCache whose operations answer like an empty cache when Redis is down."""

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return _fail_safe("add", partial(super().add, key, value, timeout, version), True)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return _fail_safe("get", partial(super().get, key, default, version), default)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        _fail_safe("set", partial(super().set, key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return _fail_safe("touch", partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> bool:
        return _fail_safe("delete", partial(super().delete, key, version), False)

    def get_many(self, keys: Iterable[Any], version: Any = None) -> dict[Any, Any]:
        return _fail_safe("get_many", partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> bool:
        return _fail_safe("has_key", partial(super().has_key, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return _fail_safe("incr", partial(super().incr, key, delta, version), delta)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        return _fail_safe("set_many", partial(super().set_many, data, timeout, version), list(data))

    def delete_many(self, keys: Iterable[Any], version: Any = None) -> None:
        _fail_safe("delete_many", partial(super().delete_many, keys, version), None)

    def clear(self) -> None:
        _fail_safe("clear", super().clear, None)
