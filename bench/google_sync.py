"""Benchmark of the Google Calendar sync: `uv run python bench/google_sync.py`.

A real `carnet serve` (SQLite, its embedded worker) and the Google Calendar emulator
(`carnet.emulators.google_calendar`), which Carnet reaches through Google's own client library,
as it would reach Google:

1. Carnet to Google: appointments booked, then moved, one after the other (the door in this
   process, the push by the server's worker, as for a booking made on another web process);
   the time until the emulator holds the event at its new time. Target p95 <= 2 s (issue 11).
2. Google to Carnet: events created in the emulator by "the practitioner"; the emulator sends
   its push notification to the server's webhook, which pulls; the time until the personal
   event is in Carnet's database. Target p95 <= 5 s.
3. Backfill: a connection made with BACKFILL future appointments; the time to send them all,
   the requests sent, the most API calls in any minute (Google's per-user quota is 600), the
   rate-limit errors met (the emulator enforces the quota), and duplicates in the calendar.

The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from harness import REPO, carnet_serve, free_port

sys.path.insert(0, str(REPO))

PUSHES = 40
PULLS = 30
BACKFILL = int(os.environ.get("BENCH_BACKFILL", "2000"))
ACCOUNT = "practitioner@example.com"
CLIENT_ID = "carnet-bench.apps.googleusercontent.com"
PARIS = ZoneInfo("Europe/Paris")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def wait_for(check: Any, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise RuntimeError("timed out")
        time.sleep(0.01)
    return time.perf_counter() - started


def seed(google: Any) -> dict[str, Any]:
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from carnet.calsync.google.client import APP_CREATED_SCOPE
    from carnet.calsync.models import CalendarConnection, ConnectionState
    from carnet.calsync.secrets import seal
    from carnet.patients.models import Patient
    from carnet.practices.models import Center, Practice
    from carnet.scheduling.models import AppointmentType, Practitioner, ScheduleLine

    call_command("migrate", verbosity=0)
    with scopes_disabled():
        practice = Practice.objects.create(name="Bench sync", slug="bench-sync", language="en")
        center = Center.objects.create(practice=practice, name="Centre")
        doctor = Practitioner.objects.create(
            practice=practice,
            display_name="Dr Bench",
            sync_by_default=True,
            booking_horizon_days=365,
        )
        for weekday in range(7):
            ScheduleLine.objects.create(
                practitioner=doctor,
                center=center,
                weekday=weekday,
                start=clock(7),
                end=clock(21),
            )
        kind = AppointmentType.objects.create(practice=practice, name="Visit", duration_minutes=15)
        kind.practitioners.set([doctor])
        patient = Patient.objects.create(practice=practice, first_name="Jeanne", last_name="Martin")
        grant = google.grant(ACCOUNT, ["openid", "email", APP_CREATED_SCOPE], CLIENT_ID)
        connection = CalendarConnection.objects.create(
            practice=practice,
            practitioner=doctor,
            state=ConnectionState.PENDING,  # active once the appointments exist
            account_email=ACCOUNT,
            scope=f"openid email {APP_CREATED_SCOPE}",
            refresh_token=seal(grant["refresh_token"]),
            access_token=seal(grant["access_token"]),
        )
    return {
        "practice": practice,
        "center": center,
        "doctor": doctor,
        "kind": kind,
        "patient": patient,
        "connection": connection,
    }


def _busiest_minute(calls: list[float]) -> int:
    """The most calls in any 60-second window (two pointers over the sorted times)."""
    best, first = 0, 0
    for last, at in enumerate(calls):
        while at - calls[first] >= 60:
            first += 1
        best = max(best, last - first + 1)
    return best


def slots() -> Any:
    day = date.today() + timedelta(days=2)
    while True:
        for minute in range(8 * 60, 20 * 60, 15):
            yield datetime.combine(day, clock(minute // 60, minute % 60), PARIS)
        day += timedelta(days=1)


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="carnet-bench-sync-")
    port = free_port()
    from carnet.emulators.google_calendar import GoogleCalendarEmulator

    google = GoogleCalendarEmulator(default_user=ACCOUNT).start()
    env = {
        "CARNET_DATA_DIR": data_dir,
        "CARNET_SITE_URL": f"http://127.0.0.1:{port}",
        "CARNET_GOOGLE_API_URL": google.base_url,
        "CARNET_GOOGLE_OAUTH_TOKEN_URL": google.token_uri,
        "CARNET_GOOGLE_OAUTH_AUTH_URL": google.auth_uri,
        "CARNET_GOOGLE_CLIENT_ID": CLIENT_ID,
        "CARNET_NOTIFICATIONS": "0",
        "CARNET_QUEUE_NAME": "carnet-bench-sync",
    }
    os.environ.update(env)
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
    import django

    django.setup()
    from django_scopes import scopes_disabled

    from carnet.calsync import sync
    from carnet.calsync.event_ids import event_id
    from carnet.calsync.models import CalendarConnection
    from carnet.scheduling import booking
    from carnet.scheduling.models import PersonalEvent

    world = seed(google)
    free = slots()
    with scopes_disabled():
        for _ in range(BACKFILL):
            booking.book(
                world["practice"],
                appointment_type=world["kind"],
                patient=world["patient"],
                practitioner=world["doctor"],
                start=next(free),
            )
    # Connected now: the appointments above are the backfill's, not the outbox's.
    CalendarConnection.objects.with_scopes_disabled().filter(pk=world["connection"].pk).update(
        state="active"
    )
    user = google.grant(ACCOUNT, ["https://www.googleapis.com/auth/calendar"], "web")

    def events() -> dict[str, Any]:
        calendar = google.store.calendars[connection.calendar_id]
        with google.store.lock:
            return {e.id: dict(e.body) for e in calendar.events.values() if not e.cancelled}

    with carnet_serve({**os.environ}, port=port):
        connection = CalendarConnection.objects.with_scopes_disabled().get(
            pk=world["connection"].pk
        )
        began = time.perf_counter()
        with scopes_disabled():
            sync.start(connection)
        backfill_seconds = time.perf_counter() - began
        connection.refresh_from_db()
        calls = sorted(entry.at for entry in google.app.log)
        busiest = _busiest_minute(calls)
        backfill_requests = len(calls)
        print(
            f"backfill: {connection.backfill_done} of {connection.backfill_total} in "
            f"{backfill_seconds:.1f} s, at most {busiest} API calls in a minute"
        )
        assert len(events()) == BACKFILL

        pushes: list[float] = []
        with scopes_disabled():
            for n in range(PUSHES):
                start = next(free)
                result = booking.book(
                    world["practice"],
                    appointment_type=world["kind"],
                    patient=world["patient"],
                    practitioner=world["doctor"],
                    start=start,
                )
                remote = event_id(result.appointment.public_id)
                began = time.perf_counter()
                if n % 2:  # every other one: a move, the booking having reached Google
                    wait_for(lambda remote=remote: remote in events())
                    start = next(free)
                    booking.reschedule(world["practice"], result.appointment, start=start)
                    began = time.perf_counter()
                wanted = start.isoformat()

                def arrived(remote: str = remote, wanted: str = wanted) -> bool:
                    event = events().get(remote)
                    return bool(event) and datetime.fromisoformat(
                        event["start"]["dateTime"]
                    ) == datetime.fromisoformat(wanted)

                pushes.append(wait_for(arrived) * 1000)
        print(
            f"Carnet to Google: p50 {statistics.median(pushes):.0f} ms, "
            f"p95 {p95(pushes):.0f} ms over {len(pushes)}"
        )

        from google.oauth2.credentials import Credentials
        from googleapiclient.discovery import build

        service = build(
            "calendar",
            "v3",
            credentials=Credentials(user["access_token"]),
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": google.api_endpoint},
        )
        pulls: list[float] = []
        for n in range(PULLS):
            start = next(free)
            title = f"Busy {n}"
            service.events().insert(
                calendarId=connection.calendar_id,
                body={
                    "summary": title,
                    "start": {"dateTime": start.isoformat()},
                    "end": {"dateTime": (start + timedelta(minutes=15)).isoformat()},
                },
            ).execute()
            pulls.append(
                wait_for(
                    lambda title=title: (
                        PersonalEvent.objects.with_scopes_disabled().filter(title=title).exists()
                    )
                )
                * 1000
            )
        print(
            f"Google to Carnet (push): p50 {statistics.median(pulls):.0f} ms, "
            f"p95 {p95(pulls):.0f} ms over {len(pulls)}"
        )
    private = [
        (event.get("extendedProperties") or {}).get("private", {}).get("carnetAppointment")
        for event in events().values()
    ]
    ours = [public_id for public_id in private if public_id]  # the practitioner's own have none
    duplicates = len(ours) - len(set(ours))
    rate_limited = sum(1 for entry in google.app.log if entry.status in (403, 429))
    google.stop()
    print(
        json.dumps(
            {
                "push_p50_ms": round(statistics.median(pushes)),
                "push_p95_ms": round(p95(pushes)),
                "pull_p50_ms": round(statistics.median(pulls)),
                "pull_p95_ms": round(p95(pulls)),
                "backfill_s": round(backfill_seconds, 1),
                "backfill_requests": backfill_requests,
                "rate_limit_errors": rate_limited,
                "duplicates": duplicates,
                "backfill_appointments": connection.backfill_done,
                "backfill_max_calls_per_minute": busiest,
            }
        )
    )


if __name__ == "__main__":
    main()
