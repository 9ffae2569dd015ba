"""Benchmark of the private ICS feed over real HTTP: `uv run python bench/feed.py`.

Builds one practitioner with 4,000 appointments in the feed's window plus a few personal
events (one weekly series with exceptions), and a very busy one with 12,000 appointments (30 a
day), in a throwaway data directory with SQLite (or the database of DATABASE_URL, in a practice
of its own), starts `carnet serve` on a free port, and measures each feed with one keep-alive
http.client connection:

- full_median_ms: full 200 responses without conditional headers (the rendered body is
  cached, keyed by the feed's fingerprint, so this is the steady state of clients polling);
- not_modified_median_ms: 304 answers to If-None-Match (one query, nothing rendered);
- cold_render_ms: full 200 responses right after an appointment changed (rendered anew).

Both feeds are trimmed to Google Calendar's 1 MB (the nearest events kept): `bytes` and
`events_shown` say how much of each was served. The 12,000 case's figures have the same keys
prefixed with `busy_`. Targets: full <= 150 ms, 304 <= 5 ms. The last line printed is one JSON
object.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVENTS = 4000
BUSY_EVENTS = 12_000
MAX_BYTES = 1_000_000  # Google Calendar's limit for a subscription
ROUNDS_FULL = 30
ROUNDS_304 = 200
ROUNDS_COLD = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(env: dict[str, str]) -> list[tuple[str, int]]:
    """Migrate and create the data; return each feed's path and practitioner's id."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    call_command("migrate", interactive=False, verbosity=0)
    with scopes_disabled():  # a bench, like the CLI, works across practices on purpose
        return _create()


def _create() -> list[tuple[str, int]]:
    from django.utils import timezone

    from carnet.feeds.links import issue_link
    from carnet.patients.models import Patient
    from carnet.practices.models import Center, Practice
    from carnet.scheduling.models import (
        Appointment,
        AppointmentType,
        PersonalEvent,
        PersonalEventOverride,
        Practitioner,
    )

    stamp = str(int(time.time() * 1000))
    practice = Practice.objects.create(name="Bench", slug=f"bench-{stamp}")
    center = Center.objects.create(practice=practice, name="Main")
    practitioner = Practitioner.objects.create(practice=practice, display_name="Dr Bench")
    kind = AppointmentType.objects.create(
        practice=practice, name="Consultation", duration_minutes=20
    )
    patients = Patient.objects.bulk_create(
        Patient(practice=practice, first_name=f"Prénom{n}", last_name=f"Nom-Léa{n}")
        for n in range(800)
    )
    base = timezone.now().replace(hour=7, minute=0, second=0, microsecond=0)
    base -= timedelta(days=29)

    def fill(who: Practitioner, count: int) -> None:
        # `count` appointments between 29 days ago and 360 days ahead, 20 minutes each.
        per_day = count // 389 + 1
        step = min(30, 12 * 60 // per_day)
        appointments = []
        for n in range(count):
            start = base + timedelta(days=n // per_day, minutes=step * (n % per_day))
            appointments.append(
                Appointment(
                    practice=practice,
                    center=center,
                    practitioner=who,
                    patient=patients[n % len(patients)],
                    appointment_type=kind,
                    start=start,
                    end=start + timedelta(minutes=min(20, step)),
                    notes="private",
                )
            )
        Appointment.objects.bulk_create(appointments, batch_size=500)

    fill(practitioner, EVENTS)
    busy = Practitioner.objects.create(practice=practice, display_name="Dr Busy")
    fill(busy, BUSY_EVENTS)
    weekly = PersonalEvent.objects.create(
        practice=practice,
        practitioner=practitioner,
        title="Staff meeting",
        start=base + timedelta(hours=6),
        end=base + timedelta(hours=7),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        exdates=[(base + timedelta(hours=6, weeks=3)).isoformat()],
    )
    PersonalEventOverride.objects.create(
        event=weekly, recurrence_id=base + timedelta(hours=6, weeks=5), cancelled=True
    )
    for n in range(10):
        start = base + timedelta(days=3 * n, hours=10)
        PersonalEvent.objects.create(
            practice=practice,
            practitioner=practitioner,
            title=f"Errand {n}",
            start=start,
            end=start + timedelta(hours=1),
        )
    return [(f"/feeds/{issue_link(who)}.ics", who.pk) for who in (practitioner, busy)]


def bump(practitioner_id: int) -> None:
    """Change one appointment, as a move would, so the next request renders anew."""
    from django_scopes import scopes_disabled

    from carnet.scheduling.models import Appointment

    with scopes_disabled():
        appointment = Appointment.objects.filter(practitioner_id=practitioner_id).first()
        assert appointment is not None
        appointment.sequence += 1
        appointment.save(update_fields=["sequence", "updated_at"])


def timed(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple:
    began = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    return response.status, response.msg, body, elapsed


def measure(conn: http.client.HTTPConnection, path: str, practitioner_id: int) -> dict:
    """Full, 304 and cold-render timings of one feed, with its size and number of events."""
    status, headers, body, _ = timed(conn, path, {})
    assert status == 200, status
    assert len(body) < MAX_BYTES, len(body)
    etag = headers["ETag"]
    full = [timed(conn, path, {})[3] for _ in range(ROUNDS_FULL)]
    not_modified = []
    for _ in range(ROUNDS_304):
        status, _headers, _body, elapsed = timed(conn, path, {"If-None-Match": etag})
        assert status == 304, status
        not_modified.append(elapsed)
    cold = []
    for _ in range(ROUNDS_COLD):
        bump(practitioner_id)
        status, _headers, _body, elapsed = timed(conn, path, {})
        assert status == 200, status
        cold.append(elapsed)
    return {
        "bytes": len(body),
        "events_shown": body.count(b"BEGIN:VEVENT"),
        "full_median_ms": round(statistics.median(full), 2),
        "full_min_ms": round(min(full), 2),
        "not_modified_median_ms": round(statistics.median(not_modified), 2),
        "not_modified_max_ms": round(max(not_modified), 2),
        "cold_render_ms": round(statistics.median(cold), 2),
        "cold_render_max_ms": round(max(cold), 2),
    }


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="carnet-bench-feed-")
    port = free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "carnet.settings",
        "CARNET_DATA_DIR": data_dir,
        "CARNET_DEBUG": "0",
        "CARNET_SITE_URL": "https://carnet.example.org",
        "CARNET_SSL_REDIRECT": "0",  # plain HTTP on localhost
        "CARNET_FEED_RATE_LIMIT": "1000000/h",
        "CARNET_LOG_LEVEL": "ERROR",
    }
    feeds = build(env)
    built = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "carnet.cli", "serve", "--port", str(port), "--no-worker"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        # Clients poll minutes apart: let the last writes settle (see carnet.feeds.changes).
        from carnet.feeds.changes import SETTLE

        time.sleep(max(0.0, built + SETTLE - time.monotonic()))
        health = [timed(conn, "/healthz", {})[3] for _ in range(ROUNDS_304)]
        figures = measure(conn, *feeds[0])
        busy = measure(conn, *feeds[1])
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"/healthz (HTTP and middleware, no database): median {statistics.median(health):.2f} ms")
    for events, found in ((EVENTS, figures), (BUSY_EVENTS, busy)):
        print(
            f"{events} appointments: {found['bytes']} bytes, {found['events_shown']} events shown;"
            f" full 200 (cached body) median {found['full_median_ms']} ms of {ROUNDS_FULL};"
            f" 304 median {found['not_modified_median_ms']} ms, max"
            f" {found['not_modified_max_ms']} ms of {ROUNDS_304};"
            f" full 200 after a change (render) median {found['cold_render_ms']} ms, max"
            f" {found['cold_render_max_ms']} ms of {ROUNDS_COLD}"
        )
    result = {
        "events": EVENTS,
        "bytes": figures["bytes"],
        "full_median_ms": figures["full_median_ms"],
        "not_modified_median_ms": figures["not_modified_median_ms"],
        "cold_render_ms": figures["cold_render_ms"],
        "events_shown": figures["events_shown"],
        "busy_events": BUSY_EVENTS,
        **{f"busy_{key}": value for key, value in busy.items()},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
