"""Reminders with real `carnet worker` processes and a real SMTP server: exactly once.

Two workers run the sweep at the same time; a worker is killed in the middle of a batch (while
the SMTP server holds its message, so nothing was accepted) and another takes over after the
lease. Every due reminder reaches the SMTP server exactly once, counted by the server itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from carnet.jobs.queue import huey
from carnet.notifications.models import Notification
from carnet.notifications.tasks import sweep
from tests.notifications.conftest import PARIS, build_clinic
from tests.notifications.smtp_sink import SmtpServer
from tests.serving import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
COUNT = 60


class Workers:
    def __init__(self, smtp: SmtpServer) -> None:
        self.smtp = smtp
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        variables = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "CARNET_QUEUE_NAME": settings.HUEY_QUEUE_NAME,
            "NOTIFY_WORKER_DB_NAME": str(connection.settings_dict["NAME"]),
            "CARNET_EMAIL_HOST": "127.0.0.1",
            "CARNET_EMAIL_PORT": str(self.smtp.port),
            "CARNET_NOTIFICATIONS_BATCH_SIZE": "10",
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

    def stop_all(self) -> None:
        for worker in self.running:
            if worker.poll() is None:
                worker.terminate()
            try:
                worker.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.communicate()


@pytest.fixture
def workers() -> Iterator[Workers]:
    huey.flush()
    with SmtpServer() as smtp:
        running = Workers(smtp)
        yield running
        running.stop_all()
    huey.flush()


def due_reminders(count: int) -> list[int]:
    """`count` appointments tomorrow (Paris), with the reminder time already past today."""
    clinic = build_clinic(reminder_time=time(0, 0), send_staff_confirmations=False)
    tomorrow = timezone.now().astimezone(PARIS).date() + timedelta(days=1)
    ids = []
    for n in range(count):
        start = datetime.combine(tomorrow, time(0, 0), PARIS) + timedelta(minutes=20 * n)
        patient = type(clinic.patient).objects.create(
            practice=clinic.practice, first_name="P", last_name=str(n), email=f"p{n}@example.org"
        )
        ids.append(clinic.book(start, patient=patient, now=timezone.now(), allow_overlap=True).pk)
    huey.flush()  # the bookings' outbox jobs: nothing for this test's consumer to do
    return ids


def sent_once(smtp: SmtpServer, count: int) -> bool:
    return (
        len(smtp.sink.messages) >= count
        and not Notification.objects.exclude(status="sent").filter(kind="reminder_email").exists()
    )


def assert_exactly_once(smtp: SmtpServer, count: int) -> None:
    by_row = smtp.sink.count_by_notification()
    reminders = set(Notification.objects.filter(kind="reminder_email").values_list("pk", flat=True))
    assert len(reminders) == count
    reminder_counts = {row: n for row, n in by_row.items() if int(row) in reminders}
    assert set(map(int, reminder_counts)) == reminders, "missing reminders"
    assert set(reminder_counts.values()) == {1}, "a reminder went out twice"


def test_two_workers_sweeping_at_once_send_every_reminder_once(workers: Workers) -> None:
    due_reminders(COUNT)
    workers.start()
    workers.start()
    sweep.enqueue()
    sweep.enqueue()  # two sweeps at the same moment, one per worker
    assert wait_for(lambda: sent_once(workers.smtp, COUNT), 60)
    sweep.enqueue()  # a later sweep finds nothing more to send
    wait_for(lambda: huey.pending_count() == 0, 10)
    import time as clock

    clock.sleep(1.0)
    assert_exactly_once(workers.smtp, COUNT)


def test_a_worker_killed_mid_batch_is_replaced_and_nothing_is_sent_twice(
    workers: Workers,
) -> None:
    from carnet.notifications.models import Kind

    due_reminders(COUNT)
    smtp = workers.smtp
    smtp.sink.holding.set()  # the server keeps the first messages in DATA, not accepted
    first = workers.start(CARNET_NOTIFICATIONS_LEASE="3")
    sweep.enqueue()
    assert wait_for(lambda: smtp.sink.held >= 1, 30)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    smtp.sink.holding.clear()
    stuck = Notification.objects.filter(kind=Kind.REMINDER_EMAIL, status="sending").count()
    assert stuck >= 10, "the killed worker's batch is claimed, not sent"
    assert smtp.sink.messages == []

    workers.start(CARNET_NOTIFICATIONS_LEASE="3")
    # The jobs left in the queue go first; the killed worker's rows wait for their lease, then
    # the sweep (every minute) hands them out again.
    assert wait_for(
        lambda: not Notification.objects.filter(claimed_until__gt=timezone.now()).exists(), 20
    )
    sweep.enqueue()
    assert wait_for(lambda: sent_once(smtp, COUNT), 60)
    import time as clock

    clock.sleep(1.0)
    assert_exactly_once(smtp, COUNT)
    retried = Notification.objects.filter(kind=Kind.REMINDER_EMAIL, attempts=2).count()
    assert retried == stuck
