"""Benchmark of the patients' booking site over HTTP: `uv run python bench/portal.py`.

Against a running `carnet serve` (started here on a free port, with its own data directory),
with the demo practice (`carnet.demo.seed.seed_demo`) plus 2,000 extra appointments:

1. the free slots of one week for one type and "any practitioner" (`/book/demo/slots.json`),
   median over 200 requests (target ≤ 30 ms);
2. the booking page's HTML (`/book/demo/?type=...`), median over 100 requests (target ≤ 50 ms);
   both on SQLite, Carnet's zero-set-up default;
3. on PostgreSQL (DATABASE_URL; default a local database `carnet_bench_portal`, dropped and
   created again at each run): 8 client processes book through the confirm form's endpoint, as
   8 browsers would (a session cookie minted for each client's own account, the CSRF token read
   from the confirm page), 400 distinct slots plus 100 contended attempts on slots already
   asked for; then SQL counts overlapping occupying appointments (must be 0).

Each phase runs in a child process of its own (Django is configured once per process, and the
phases use different databases). The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timedelta
from datetime import time as wall
from typing import Any

from harness import REPO, carnet_serve, count_overlaps, mint_session, request

sys.path.insert(0, str(REPO))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/carnet_bench_portal"
EXTRA_APPOINTMENTS = 2_000
SLOTS_REQUESTS = 200
PAGE_REQUESTS = 100
CLIENTS = 8
DISTINCT_BOOKINGS = 400
CONTENDED_ATTEMPTS = 100
SLUG = "demo"


def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in `url`: each run starts from nothing."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed() -> dict[str, Any]:
    """The demo practice plus EXTRA_APPOINTMENTS appointments; what the measures need."""
    import random

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from carnet.demo.seed import seed_demo
    from carnet.scheduling.models import Appointment, AppointmentStatus, AppointmentType

    with scopes_disabled():
        practice, _created = seed_demo()
        rng = random.Random(9)
        patients = list(practice.patients.all())
        kinds = list(AppointmentType.objects.filter(practice=practice))
        centers = list(practice.centers.all())
        extra: list[Appointment] = []
        first_day = timezone.now().astimezone(practice.zone).date()
        # History: the 2,000 extra visits fill the weeks before the demo's own three, every
        # weekday from 08:00, one after the other per practitioner (so they never overlap).
        day = first_day - timedelta(days=8)
        while len(extra) < EXTRA_APPOINTMENTS:
            for practitioner in practice.practitioners.all():
                offered = [k for k in kinds if practitioner in k.practitioners.all()]
                start = datetime.combine(day, wall(8), practice.zone)
                for _ in range(10):
                    kind = rng.choice(offered)
                    end = start + timedelta(minutes=kind.duration_minutes)
                    extra.append(
                        Appointment(
                            practice=practice,
                            center=rng.choice(centers),
                            practitioner=practitioner,
                            patient=rng.choice(patients),
                            appointment_type=kind,
                            start=start,
                            end=end,
                            status=AppointmentStatus.DONE,
                        )
                    )
                    start = end
            day -= timedelta(days=1)
        Appointment.objects.bulk_create(extra[:EXTRA_APPOINTMENTS])
        online = AppointmentType.objects.filter(practice=practice, online_booking=True)
        kind = online.order_by("duration_minutes", "pk").first()
        assert kind is not None
        return {
            "practice": practice,
            "kind": kind,
            "appointments": Appointment.objects.filter(practice=practice).count(),
        }


def median_ms(port: int, path: str, count: int) -> float:
    times = []
    for _ in range(count + 5):
        began = time.perf_counter()
        status, _body, _response = request(port, "GET", path)
        times.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
    return statistics.median(times[5:])  # the first few warm caches up


def latency_phase() -> dict[str, float]:
    """Slots JSON and booking page medians, on SQLite, against `carnet serve`."""
    data_dir = tempfile.mkdtemp(prefix="carnet-bench-portal-")
    os.environ["CARNET_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    setup_django()
    world = seed()
    from carnet.portal.slots import week_start_of

    practice, kind = world["practice"], world["kind"]
    next_week = week_start_of(datetime.now(practice.zone).date()) + timedelta(days=7)
    print(f"SQLite, {world['appointments']} appointments in the demo practice")
    env = {**os.environ, "CARNET_DATA_DIR": data_dir}
    with carnet_serve(env) as port:
        query = urllib.parse.urlencode({"type": kind.pk, "practitioner": "any", "week": next_week})
        slots_path = f"/book/{SLUG}/slots.json?{query}"
        _status, body, _response = request(port, "GET", slots_path)
        count = sum(len(day["slots"]) for day in json.loads(body)["days"])
        print(f"{slots_path}: {count} free slots")
        slots_ms = median_ms(port, slots_path, SLOTS_REQUESTS)
        print(f"slots of one week, any practitioner: median {slots_ms:.1f} ms")
        page_path = f"/book/{SLUG}/?type={kind.pk}"
        page_ms = median_ms(port, page_path, PAGE_REQUESTS)
        print(f"booking page: median {page_ms:.1f} ms")
    return {"slots_week_median_ms": round(slots_ms, 1), "page_median_ms": round(page_ms, 1)}


def booking_client(
    index: int, port: int, account: dict[str, str], todo: Any, results: Any, barrier: Any
) -> None:
    """One browser: reads the CSRF token from a confirm page, then books what `todo` holds."""
    from http.cookies import SimpleCookie

    counts = {"booked": 0, "taken": 0, "error": 0}
    errors: list[str] = []
    cookies = {account["session_cookie"]: account["session"]}
    base = {"type": account["type"], "practitioner": account["practitioner"]}
    first = urllib.parse.urlencode({**base, "start": account["probe_start"]})

    def cookie_header() -> str:
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    status, page, response = request(
        port, "GET", f"/book/{SLUG}/confirm/?{first}", headers={"Cookie": cookie_header()}
    )
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    barrier.wait()
    began = time.perf_counter()
    try:
        if status != 200 or found is None:
            raise RuntimeError(f"confirm page: HTTP {status}, no CSRF token")
        token = found.group(1)
        while True:
            try:
                start = todo.get(timeout=0.2)
            except queue.Empty:
                break
            body = urllib.parse.urlencode(
                {
                    **base,
                    "start": start,
                    "patient": account["patient"],
                    "csrfmiddlewaretoken": token,
                }
            )
            status, text, _response = request(
                port,
                "POST",
                f"/book/{SLUG}/confirm/",
                body=body,
                headers={
                    "Cookie": cookie_header(),
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            if status == 302:
                counts["booked"] += 1
            elif status == 409:
                counts["taken"] += 1
            else:
                counts["error"] += 1
                errors.append(f"HTTP {status}: {re.sub(r'\s+', ' ', text)[:300]}")
    except Exception as exc:  # reported, never hidden
        counts["error"] += 1
        errors.append(f"{type(exc).__name__}: {exc}")
    results.put((counts, errors, time.perf_counter() - began))


def bookings_phase() -> dict[str, float]:
    """8 HTTP clients booking through the confirm form on PostgreSQL; overlaps by SQL."""
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    data_dir = tempfile.mkdtemp(prefix="carnet-bench-portal-pg-")
    os.environ["CARNET_DATA_DIR"] = data_dir
    # The bench is one address and a few accounts: lift the booking rate limits for it.
    os.environ["CARNET_BOOKING_RATE_LIMIT_IP"] = "1000000/h"
    os.environ["CARNET_BOOKING_RATE_LIMIT_ACCOUNT"] = "1000000/h"
    setup_django()
    world = seed()
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from carnet.patients.models import Patient
    from carnet.portal.slots import week_slots, week_start_of
    from tests import factories

    practice, kind = world["practice"], world["kind"]
    now = timezone.now()
    with scopes_disabled():
        # The free slots of the coming weeks, any practitioner: what patients would click.
        # Slots are on a grid finer than the visit, so neighbours overlap: keep one visit's
        # length apart, so that the distinct attempts never take each other's time.
        starts: list[str] = []
        week = week_start_of(now.astimezone(practice.zone).date())
        length = timedelta(minutes=kind.duration_minutes)
        last = None
        for _ in range(13):
            for day in week_slots(practice, kind, None, None, week, now):
                for slot in day.slots:
                    if last is None or slot.start >= last + length:
                        starts.append(slot.start.isoformat())
                        last = slot.start
            week += timedelta(days=7)
        # Slots within the first hours may pass their notice during the run: keep later ones.
        starts = starts[len(starts) // 10 :]
        if len(starts) < DISTINCT_BOOKINGS + 1:
            raise RuntimeError(f"only {len(starts)} free slots to book")
        accounts = []
        for index in range(CLIENTS):
            user = factories.user(f"bench-client-{index}@example.org")
            patient = Patient.objects.create(
                practice=practice, first_name="Bench", last_name=f"Client {index}", account=user
            )
            accounts.append(
                {
                    "session_cookie": settings.SESSION_COOKIE_NAME,
                    "session": mint_session(user),
                    "patient": str(patient.pk),
                    "type": str(kind.pk),
                    "practitioner": "any",
                    "probe_start": starts[-1],
                }
            )
    distinct = starts[:DISTINCT_BOOKINGS]
    # Contended: the same times asked again, so several clients race for what is gone.
    work = distinct + distinct[:CONTENDED_ATTEMPTS]
    connections.close_all()
    env = {**os.environ}
    print(f"PostgreSQL, {world['appointments']} appointments; {len(work)} booking attempts")
    with carnet_serve(env) as port:
        context = multiprocessing.get_context("fork")
        todo = context.Queue()
        for start in work:
            todo.put(start)
        results = context.Queue()
        barrier = context.Barrier(CLIENTS + 1)
        processes = [
            context.Process(
                target=booking_client, args=(i, port, accounts[i], todo, results, barrier)
            )
            for i in range(CLIENTS)
        ]
        for process in processes:
            process.start()
        barrier.wait()
        began = time.perf_counter()
        counts = {"booked": 0, "taken": 0, "error": 0}
        errors: list[str] = []
        for _ in processes:
            theirs, their_errors, _seconds = results.get()
            for key, value in theirs.items():
                counts[key] += value
            errors += their_errors
        elapsed = time.perf_counter() - began
        for process in processes:
            process.join()
    for error in errors[:5]:
        print("  error:", error)
    print(f"{counts} in {elapsed:.2f} s")
    return {
        "bookings_over_http_per_s": round(counts["booked"] / elapsed, 1),
        "overlaps": count_overlaps(practice.pk),
        "booked": counts["booked"],
        "taken": counts["taken"],
        "errors": counts["error"],
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        phase = {"latency": latency_phase, "bookings": bookings_phase}[sys.argv[2]]
        print(json.dumps(phase()))
        return
    figures: dict[str, Any] = {}
    for phase in ("latency", "bookings"):
        done = subprocess.run(
            [sys.executable, __file__, "--phase", phase],
            cwd=REPO,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        print(done.stdout, end="")
        figures.update(json.loads(done.stdout.strip().splitlines()[-1]))
    keys = ("slots_week_median_ms", "page_median_ms", "bookings_over_http_per_s", "overlaps")
    print(json.dumps({key: figures[key] for key in keys}))


if __name__ == "__main__":
    main()
