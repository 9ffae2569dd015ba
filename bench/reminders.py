"""Benchmark of the reminder sweep: `uv run python bench/reminders.py`.

10,000 confirmed appointments tomorrow (Paris), each patient with an email, in a practice whose
reminder time has passed; two `carnet worker` processes (2 threads each) and a local SMTP sink
(aiosmtpd) that records each message's log id. The clock starts when the sweep job is enqueued
(what the periodic scheduler does every minute) and stops when the sink has every reminder and
the log has no unsent row. SQLite in a fresh temporary data directory by default; DATABASE_URL
and REDIS_URL are used when set. Last line: one JSON object with the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time as clock
import uuid
from collections import Counter
from datetime import datetime, time, timedelta
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
PARIS = ZoneInfo("Europe/Paris")
DATA = Path(tempfile.mkdtemp(prefix="carnet-bench-reminders-"))
os.environ.setdefault("CARNET_DATA_DIR", str(DATA))
os.environ["CARNET_QUEUE_NAME"] = f"bench-reminders-{uuid.uuid4().hex[:8]}"
os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.settings"
os.environ["CARNET_DEBUG"] = "1"


class Sink:
    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.parser = BytesParser(policy=default)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = self.parser.parsebytes(envelope.content, headersonly=True)
        with self.lock:
            self.ids[str(headers["X-Carnet-Notification"])] += 1
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.ids.values())


def build() -> None:
    from django.utils import timezone

    from carnet.patients.models import Patient
    from carnet.practices.models import Center, Practice
    from carnet.scheduling.models import Appointment, AppointmentType, Practitioner

    practice = Practice.objects.create(
        name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}", reminder_time=time(0, 0)
    )
    center = Center.objects.create(practice=practice, name="Centre", address="1 rue du Banc")
    doctors = [
        Practitioner.objects.create(practice=practice, display_name=f"Dr {n}") for n in range(20)
    ]
    kind = AppointmentType.objects.create(
        practice=practice, name="Consultation", duration_minutes=15
    )
    patients = Patient.objects.bulk_create(
        [
            Patient(practice=practice, first_name="P", last_name=str(n), email=f"p{n}@example.org")
            for n in range(COUNT)
        ],
        batch_size=1000,
    )
    tomorrow = timezone.now().astimezone(PARIS).date() + timedelta(days=1)
    first = datetime.combine(tomorrow, time(0, 0), PARIS)
    Appointment.objects.bulk_create(
        [
            Appointment(
                practice=practice,
                center=center,
                practitioner=doctors[n % 20],
                patient=patient,
                appointment_type=kind,
                start=first + timedelta(minutes=2 * (n // 20)),
                end=first + timedelta(minutes=2 * (n // 20) + 1),
            )
            for n, patient in enumerate(patients)
        ],
        batch_size=1000,
    )


def main() -> None:
    from aiosmtpd.controller import Controller

    from tests.serving import free_port

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        [sys.executable, "-m", "carnet.cli", "migrate", "-v0"], cwd=REPO, env=env, check=True
    )
    import django

    django.setup()
    from django_scopes import scopes_disabled

    from carnet.jobs.queue import huey
    from carnet.notifications.models import Notification
    from carnet.notifications.tasks import sweep

    with scopes_disabled():
        build()
    huey.flush()
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    worker_env = {**env, "CARNET_EMAIL_HOST": "127.0.0.1", "CARNET_EMAIL_PORT": str(port)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "carnet.cli", "worker", "--threads", "2", "--no-periodic"],
            cwd=REPO,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        clock.sleep(2)  # the workers are up
        started = clock.monotonic()
        sweep.enqueue()
        deadline = started + 600
        while clock.monotonic() < deadline:
            if sink.total() >= COUNT:
                with scopes_disabled():
                    if not Notification.objects.exclude(status="sent").exists():
                        break
            clock.sleep(0.1)
        seconds = clock.monotonic() - started
        clock.sleep(1.0)
        with scopes_disabled():
            rows = {str(pk) for pk in Notification.objects.values_list("pk", flat=True)}
            unsent = Notification.objects.exclude(status="sent").count()
        duplicates = sum(n - 1 for n in sink.ids.values() if n > 1)
        missing = len(rows - set(sink.ids)) + (COUNT - len(rows))
        print(f"rows {len(rows)}, unsent {unsent}, received {sink.total()}", file=sys.stderr)
        print(
            json.dumps(
                {
                    "reminders": COUNT,
                    "seconds": round(seconds, 1),
                    "duplicates": duplicates,
                    "missing": missing,
                }
            )
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        controller.stop()


if __name__ == "__main__":
    main()
