"""Tasks used by the job tests: each leaves a trace a test can read from another process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import redis
from django.conf import settings
from django.tasks import task

from carnet.practices.models import AuditEntry, Practice


@task
def record_audit(practice_id: int, marker: str) -> None:
    AuditEntry.objects.create(practice=Practice.objects.get(pk=practice_id), action=marker)


@task
def mark_in_redis(key: str, job_no: int) -> None:
    """Append "job:pid" to a Redis list, slowly enough that several workers share the load."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.rpush(key, f"{job_no}:{os.getpid()}")
    time.sleep(0.005)


@task
def touch_file(path: str) -> None:
    """Leave a file behind: proof, readable from any process, that a consumer ran the job."""
    with open(path, "w") as marker:
        marker.write(str(os.getpid()))


@task
def slow_touch_file(path: str, seconds: float) -> None:
    """touch_file, `seconds` late on its first run and at once on any later one.

    Each run first appends its process id to PATH.runs, so a test sees the job start and
    counts its runs; a later run is the job put back on the queue after an interrupted stop.
    """
    runs = Path(f"{path}.runs")
    first = not runs.exists()
    with runs.open("a") as log:
        log.write(f"{os.getpid()}\n")
    if first:
        time.sleep(seconds)
    with open(path, "w") as marker:
        marker.write(str(os.getpid()))
