"""Background jobs: run after commit, never after rollback, once each across workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import transaction

from carnet.jobs.consumer import build_consumer
from carnet.jobs.dispatch import enqueue_after_commit
from carnet.jobs.queue import huey
from carnet.practices.models import AuditEntry
from tests import factories
from tests.jobs.probe_tasks import mark_in_redis, record_audit

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _empty_queue() -> None:
    huey.flush()


def wait_for(predicate: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_in_a_transaction_runs_only_after_commit() -> None:
    practice = factories.practice()
    with transaction.atomic():
        enqueue_after_commit(record_audit, practice.pk, "after-commit")
        assert huey.pending_count() == 0, "nothing may reach the queue before the commit"
    assert huey.pending_count() == 1

    consumer = build_consumer(workers=1, periodic=False)
    consumer.start()
    try:
        assert wait_for(lambda: AuditEntry.objects.filter(action="after-commit").exists())
    finally:
        consumer.stop(graceful=True)
    assert AuditEntry.objects.filter(action="after-commit").count() == 1


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_in_a_rolled_back_transaction_never_runs() -> None:
    practice = factories.practice()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_after_commit(record_audit, practice.pk, "rolled-back")
        raise RuntimeError("the booking failed")
    assert huey.pending_count() == 0

    consumer = build_consumer(workers=1, periodic=False)
    consumer.start()
    try:
        time.sleep(0.5)
    finally:
        consumer.stop(graceful=True)
    assert not AuditEntry.objects.filter(action="rolled-back").exists()


@pytest.mark.django_db(transaction=True)
def test_deferred_task_waits_for_its_time() -> None:
    from datetime import timedelta

    from django.utils import timezone

    practice = factories.practice()
    record_audit.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(
        practice.pk, "deferred"
    )
    consumer = build_consumer(workers=1, periodic=False)
    consumer.start()
    try:
        assert wait_for(lambda: huey.scheduled_count() == 1)
    finally:
        consumer.stop(graceful=True)
    assert not AuditEntry.objects.filter(action="deferred").exists()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (the PostgreSQL + Redis run)")
def test_two_workers_on_redis_never_run_the_same_job_twice() -> None:
    jobs = 300
    key = f"carnet-test-marks-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CARNET_QUEUE_NAME": settings.HUEY_QUEUE_NAME,
        "REDIS_URL": settings.REDIS_URL,
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "carnet.cli", "worker", "--threads", "2", "--no-periodic"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        time.sleep(1.5)  # both consumers are polling before the jobs arrive
        for job_no in range(jobs):
            mark_in_redis.enqueue(key, job_no)
        assert wait_for(lambda: client.llen(key) >= jobs, timeout=60)
        time.sleep(1.0)  # a duplicate, if any, would land now
        marks = [entry.decode().split(":") for entry in client.lrange(key, 0, -1)]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        client.delete(key)

    runs = Counter(int(job_no) for job_no, _pid in marks)
    assert sorted(runs) == list(range(jobs)), "every job ran"
    assert max(runs.values()) == 1, "no job ran twice"
    pids = {pid for _job_no, pid in marks}
    assert len(pids) == 2, "both workers took a share of the jobs"
