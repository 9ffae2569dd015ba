"""`/healthz`: can Carnet reach what it depends on? For load balancers, monitors and operators.

Each dependency is tried for real: the database answers a query, the cache gives back a value
just stored (Carnet's Redis cache answers like an empty cache when Redis is down, so merely
calling it would always "succeed"), the job queue tells its length. All up: 200 "ok". Otherwise
503, with the names of those down on the first line and one line per dependency after it.
The reasons go to the log, not to the anonymous caller.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

__all__ = ["CHECKS", "check_cache", "check_database", "check_queue", "failing", "healthz"]

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not give back the value just stored")
    cache.delete(key)


def check_queue() -> None:
    from carnet.jobs.queue import huey  # Huey loads on first use, not with every web process

    huey.pending_count()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
}


def failing() -> list[str]:
    """The names of the dependencies that do not answer, in the order of CHECKS."""
    down = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.warning("Health check: %s is down.", name, exc_info=True)
            down.append(name)
    return down


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    down = failing()
    if not down:
        return HttpResponse("ok", content_type="text/plain")
    lines = [f"down: {', '.join(down)}"]
    lines += [f"{name}: {'down' if name in down else 'ok'}" for name in CHECKS]
    return HttpResponse("\n".join(lines) + "\n", status=503, content_type="text/plain")
