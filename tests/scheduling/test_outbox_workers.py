"""The outbox with real `carnet worker` processes: killed mid-delivery, with a broken database, two
at once. Every (event, consumer) ends up delivered exactly once.

The workers run tests/scheduling/outbox_worker_settings.py: Carnet's settings plus the probe
consumers of outbox_probe.py, whose side effect is a line in a file this test reads. They share
this test's database and job queue (SQLite file or Redis).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from carnet.jobs.queue import huey
from carnet.scheduling import outbox
from carnet.scheduling.booking import book
from carnet.scheduling.models import Delivery
from carnet.scheduling.tasks import deliver
from tests.scheduling.outbox_probe import CONSUMERS, lines
from tests.serving import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)


class Workers:
    """Starts `carnet worker` processes on this test's database and queue; stops them all."""

    def __init__(self, probe_dir: Path) -> None:
        self.probe_dir = probe_dir
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, database: str | None = None, **env: str) -> subprocess.Popen[bytes]:
        variables = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DJANGO_SETTINGS_MODULE": "tests.scheduling.outbox_worker_settings",
            "CARNET_QUEUE_NAME": settings.HUEY_QUEUE_NAME,
            "OUTBOX_PROBE_DIR": str(self.probe_dir),
            "OUTBOX_WORKER_DB_NAME": database or str(connection.settings_dict["NAME"]),
            **env,
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "carnet.cli", "worker", "--threads", "2", "--no-periodic"],
            cwd=REPO,
            env=variables,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.running.append(worker)
        return worker

    def stop(self, worker: subprocess.Popen[bytes]) -> str:
        if worker.poll() is None:
            worker.terminate()
        try:
            _out, err = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            _out, err = worker.communicate()
        return err.decode(errors="replace")

    def stop_all(self) -> None:
        for worker in self.running:
            self.stop(worker)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    huey.flush()
    running = Workers(tmp_path)
    with override_settings(OUTBOX_CONSUMERS=CONSUMERS):
        yield running
    running.stop_all()
    huey.flush()


def booking(clinic: dict[str, object], day: int = 0, hour: int = 9) -> int:
    start = datetime.combine(NOW.date() + timedelta(days=1 + day), clock(hour), tzinfo=PARIS)
    event = book(
        clinic["practice"],  # type: ignore[arg-type]
        appointment_type=clinic["kind"],  # type: ignore[arg-type]
        patient=clinic["patient"],  # type: ignore[arg-type]
        practitioner=clinic["doctor"],  # type: ignore[arg-type]
        start=start,
        now=NOW,
    ).event
    assert event is not None
    return event.pk


def delivered(probe_dir: Path) -> Counter[tuple[str, int]]:
    """How many times each (consumer, event) side effect happened, whichever worker did it."""
    found: Counter[tuple[str, int]] = Counter()
    for line in lines(probe_dir / "delivered"):
        consumer, event_id, _pid = line.split(":")
        found[(consumer, int(event_id))] += 1
    return found


def expected(event_ids: list[int]) -> Counter[tuple[str, int]]:
    return Counter(
        {(name, pk): 1 for pk in event_ids for name in ("probe-everything", "probe-calendar")}
    )


def test_a_worker_killed_mid_delivery_is_replaced_and_each_delivery_happens_once(
    workers: Workers, clinic: dict[str, object]
) -> None:
    probe = workers.probe_dir
    (probe / "hang").touch()
    first = workers.start(OUTBOX_LEASE_SECONDS="2")
    event_id = booking(clinic)
    # Both deliveries are in the middle of their side effect...
    assert wait_for(lambda: len(lines(probe / "started")) == 2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    # ...and died with the worker: claimed, not done, nothing sent. The job left the queue with it.
    assert delivered(probe) == Counter()
    assert list(Delivery.objects.values_list("status", "attempts")) == [("pending", 1)] * 2
    assert huey.pending_count() == 0
    assert outbox.relay() == 0, "a claim is respected until its lease ends"

    (probe / "hang").unlink()
    workers.start()
    assert wait_for(
        lambda: not Delivery.objects.filter(claimed_until__gt=timezone.now()).exists(), 10
    )
    assert outbox.relay() == 2  # what the periodic relay does every minute
    assert wait_for(lambda: not Delivery.objects.exclude(status="done").exists())
    time.sleep(0.5)  # a duplicate, if any, would land now
    assert delivered(probe) == expected([event_id])
    assert list(Delivery.objects.values_list("status", "attempts")) == [("done", 2)] * 2


def test_a_worker_with_a_broken_database_loses_nothing(
    workers: Workers, clinic: dict[str, object]
) -> None:
    probe = workers.probe_dir
    # A database that does not exist (SQLite creates an empty one: no tables either).
    missing = (
        "carnet_b_does_not_exist" if settings.DATABASE_IS_POSTGRES else str(probe / "empty.sqlite3")
    )
    broken = workers.start(database=missing)
    event_id = booking(clinic)
    # The broken worker takes both jobs off the queue and fails on its first query.
    assert wait_for(lambda: huey.pending_count() == 0)
    time.sleep(1.0)
    errors = workers.stop(broken)
    assert "OperationalError" in errors or "ProgrammingError" in errors, errors[-2000:]
    assert list(Delivery.objects.values_list("status", "attempts")) == [("pending", 0)] * 2
    assert delivered(probe) == Counter()

    workers.start()
    assert outbox.relay() == 2
    assert wait_for(lambda: not Delivery.objects.exclude(status="done").exists())
    time.sleep(0.5)
    assert delivered(probe) == expected([event_id])


def test_a_failing_delivery_is_retried_by_the_worker_after_its_backoff(
    workers: Workers, clinic: dict[str, object]
) -> None:
    probe = workers.probe_dir
    (probe / "fail").touch()
    workers.start(OUTBOX_RETRY_BASE_SECONDS="2")
    event_id = booking(clinic)
    assert wait_for(lambda: Delivery.objects.filter(attempts=1, claimed_until=None).count() == 2)
    for delivery in Delivery.objects.all():
        assert delivery.status == "pending"
        assert delivery.last_error == "ConnectionError: the provider is down"
        assert timedelta(seconds=1) <= delivery.next_attempt_at - delivery.created_at
    assert delivered(probe) == Counter()

    (probe / "fail").unlink()
    # No relay here: the worker itself scheduled the retry for when the backoff ends.
    assert wait_for(lambda: not Delivery.objects.exclude(status="done").exists(), 15)
    assert delivered(probe) == expected([event_id])
    assert list(Delivery.objects.values_list("attempts", flat=True)) == [2, 2]


def test_two_workers_deliver_each_event_to_each_consumer_exactly_once(
    workers: Workers, clinic: dict[str, object]
) -> None:
    workers.start(OUTBOX_PROBE_SLEEP="0.02")
    workers.start(OUTBOX_PROBE_SLEEP="0.02")
    event_ids = [booking(clinic, day, hour) for day in range(4) for hour in (9, 10, 11, 14, 15)]
    # Duplicated jobs, as a relay running while the first jobs wait in the queue would make.
    for pk in Delivery.objects.values_list("pk", flat=True):
        deliver.enqueue(pk)
    outbox.relay()
    assert wait_for(lambda: not Delivery.objects.exclude(status="done").exists(), 60)
    time.sleep(1.0)
    assert delivered(probe := workers.probe_dir) == expected(event_ids)
    assert len(lines(probe / "started")) == 2 * len(event_ids), "no delivery ran twice"
