"""A worker killed in the middle of a backfill, another started: every appointment exactly once
in Google. Real `carnet worker` processes, the emulator reached over HTTP as Google would be."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection as database
from django.utils import timezone

from carnet.calsync import tasks
from carnet.calsync.event_ids import event_id
from carnet.calsync.models import CalendarConnection
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.jobs.queue import huey
from carnet.scheduling.models import Appointment
from tests.calsync.conftest import CLIENT_ID, Clinic, connect
from tests.calsync.test_sync import book, next_monday
from tests.serving import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
APPOINTMENTS = 45


def worker(google: GoogleCalendarEmulator) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "tests.calsync.worker_settings",
        "CALSYNC_WORKER_DB_NAME": str(database.settings_dict["NAME"]),
        "CARNET_QUEUE_NAME": settings.HUEY_QUEUE_NAME,
        "CARNET_GOOGLE_API_URL": google.base_url,
        "CARNET_GOOGLE_OAUTH_TOKEN_URL": google.token_uri,
        "CARNET_GOOGLE_OAUTH_AUTH_URL": google.auth_uri,
        "CARNET_GOOGLE_CLIENT_ID": CLIENT_ID,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "carnet.cli", "worker", "--threads", "2", "--no-periodic"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def progress(connection: CalendarConnection) -> tuple[int, int]:
    connection.refresh_from_db()
    return connection.backfill_done, connection.backfill_total


def test_a_backfill_cut_short_by_a_killed_worker_ends_with_each_appointment_once(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and ":memory:" in str(
        database.settings_dict["NAME"]
    ):
        pytest.skip("the workers need the test database in a file")
    huey.flush()
    for n in range(APPOINTMENTS):
        book(clinic, next_monday(time(9)) + timedelta(days=n // 14, minutes=30 * (n % 14)))
    connection = connect(google, clinic)
    tasks.start.enqueue(connection.pk)
    first = worker(google)
    try:
        assert wait_for(lambda: progress(connection)[0] >= 10, timeout=60), progress(connection)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    done, total = progress(connection)
    assert total == APPOINTMENTS and done < APPOINTMENTS  # killed in the middle

    # The dead worker's lease runs out; the minute's poll restarts the backfill elsewhere.
    CalendarConnection.objects.filter(pk=connection.pk).update(
        backfill_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    tasks.poll()
    second = worker(google)
    try:
        assert wait_for(lambda: progress(connection) == (APPOINTMENTS, APPOINTMENTS), timeout=90)
        assert wait_for(lambda: CalendarConnection.objects.get(pk=connection.pk).channel_id)
    finally:
        second.terminate()
        second.wait(timeout=30)
    huey.flush()

    connection.refresh_from_db()
    assert connection.channel_id  # watched once the backfill ended
    calendar = google.store.calendars[connection.calendar_id]
    live = [record for record in calendar.events.values() if not record.cancelled]
    wanted = {event_id(a.public_id) for a in Appointment.objects.filter(practitioner=clinic.doctor)}
    assert Counter(record.id for record in live) == Counter(wanted)
