"""The one Huey instance behind Django's task API.

SQLite file in the data directory by default (one machine, consumer embedded in `carnet serve`);
Redis when REDIS_URL is set, so that any number of `carnet worker` processes on any number of
machines share one queue. Redis hands each message to exactly one consumer (an atomic pop), which
is what keeps two workers from running the same job.
"""

from __future__ import annotations

from django.conf import settings
from huey import Huey, RedisHuey, SqliteHuey
from redis import ConnectionPool


def build_huey() -> Huey:
    name = settings.HUEY_QUEUE_NAME
    immediate = settings.HUEY_IMMEDIATE
    if settings.REDIS_URL:
        # Timeouts, so that an unreachable Redis fails an enqueue (logged, retried by the relay)
        # or a health check within seconds instead of hanging a request. Blocking reads wait
        # one second on the server (huey's read_timeout), well within socket_timeout.
        pool = ConnectionPool.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5
        )
        return RedisHuey(name=name, connection_pool=pool, results=False, immediate=immediate)
    return SqliteHuey(
        name=name,
        filename=str(settings.DATA_DIR / "jobs.sqlite3"),
        results=False,
        immediate=immediate,
    )


huey = build_huey()
