"""The one Huey instance behind Django's task API.

SQLite file in the data directory by default (one machine, consumer embedded in `carnet serve`);
Redis when REDIS_URL is set, so that any number of `carnet worker` processes on any number of
machines share one queue. Redis hands each message to exactly one consumer (an atomic pop), which
is what keeps two workers from running the same job.
"""

from __future__ import annotations

from django.conf import settings
from huey import Huey, RedisHuey, SqliteHuey


def build_huey() -> Huey:
    name = settings.HUEY_QUEUE_NAME
    immediate = settings.HUEY_IMMEDIATE
    if settings.REDIS_URL:
        return RedisHuey(name=name, url=settings.REDIS_URL, results=False, immediate=immediate)
    return SqliteHuey(
        name=name,
        filename=str(settings.DATA_DIR / "jobs.sqlite3"),
        results=False,
        immediate=immediate,
    )


huey = build_huey()
