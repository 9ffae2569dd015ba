"""Benchmark of the booking door: `uv run python bench/booking.py`.

8 client processes (as 8 `carnet serve` processes would), each with its own database
connection, book online through
`carnet.scheduling.booking.book` (the full path: scoping, row lock, agenda queries, the slot
engine, insert, outbox row, audit entry, task enqueued on commit): 2,000 bookings on distinct
slots, then 500 contended attempts (100 slots, 5 attempts each, queued back to back so that
several clients race on each). Then a SQL self-join counts overlapping occupying appointments
(must be 0). Uses DATABASE_URL (default: a local PostgreSQL database `carnet_bench`, created if
missing), migrates it, and replaces its own data at each run. The last line printed is one JSON
object, for the lead's figures.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import random
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/carnet_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
# Follow-up tasks go to a queue of their own, emptied afterwards, not to the real one.
os.environ.setdefault("CARNET_QUEUE_NAME", "carnet-bench")

CLIENTS = 8
DISTINCT = 2_000
CONTENDED_SLOTS = 100
RACERS_PER_SLOT = 5
PRACTITIONERS = 10
SLUG = "bench-booking"
PARIS = ZoneInfo("Europe/Paris")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist yet."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from harness import count_overlaps  # noqa: E402

from carnet.jobs.queue import huey  # noqa: E402
from carnet.practices.models import AuditEntry, Practice  # noqa: E402
from carnet.scheduling.booking import Channel, book  # noqa: E402
from carnet.scheduling.errors import SlotTaken  # noqa: E402
from carnet.scheduling.models import Appointment, ScheduleLine  # noqa: E402
from tests import factories  # noqa: E402


def clean() -> None:
    practice = Practice.objects.filter(slug=SLUG).first()
    if practice is None:
        return
    # Appointments first: they protect their practitioners, patients and types.
    Appointment.objects.filter(practice=practice).delete()
    AuditEntry.objects.filter(practice=practice).delete()
    practice.delete()


def build() -> dict[str, object]:
    practice = Practice.objects.create(name="Bench", slug=SLUG, time_zone="Europe/Paris")
    center = factories.center(practice)
    doctors = [factories.practitioner(practice, booking_horizon_days=365) for _ in range(10)]
    ScheduleLine.objects.bulk_create(
        ScheduleLine(practitioner=d, weekday=w, start=time(8), end=time(20), center=center)
        for d in doctors
        for w in range(7)
    )
    kind = factories.appointment_type(practice, doctors, online_booking=True, duration_minutes=30)
    patients = [factories.patient(practice) for _ in range(200)]
    return {"practice": practice, "doctors": doctors, "kind": kind, "patients": patients}


def slots(first_day: date, count: int, doctors: list) -> list[tuple[object, datetime]]:
    """`count` distinct (practitioner, start) pairs: 24 half-hours a day per practitioner."""
    found: list[tuple[object, datetime]] = []
    day = first_day
    while len(found) < count:
        for doctor in doctors:
            for half_hour in range(24):
                start = datetime.combine(day, time(8), tzinfo=PARIS) + timedelta(
                    minutes=30 * half_hour
                )
                found.append((doctor, start))
        day += timedelta(days=1)
    return found[:count]


def run(data: dict[str, object], work: list[tuple[object, datetime]], now: datetime):
    """Book every (practitioner, start) of `work` from CLIENTS client processes.

    Processes, not threads: each client stands for one `carnet serve` process with its own
    interpreter and database connection, as in production (threads would share one GIL).
    Returns the counts and the seconds taken.
    """
    context = multiprocessing.get_context("fork")
    todo = context.Queue()
    for item in work:
        todo.put(item)
    results = context.Queue()
    barrier = context.Barrier(CLIENTS + 1)
    # Children must open their own connections: none may be inherited across fork.
    connections.close_all()
    processes = [
        context.Process(target=client, args=(index, data, todo, results, barrier, now))
        for index in range(CLIENTS)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    began = clock.perf_counter()
    counts = {"booked": 0, "taken": 0, "error": 0}
    errors: list[str] = []
    for _ in processes:
        mine, their_errors = results.get()
        for key, value in mine.items():
            counts[key] += value
        errors += their_errors
    elapsed = clock.perf_counter() - began
    for process in processes:
        process.join()
    for error in errors[:5]:
        print("  error:", error)
    return counts, elapsed


def client(index, data, todo, results, barrier, now) -> None:  # type: ignore[no-untyped-def]
    mine = {"booked": 0, "taken": 0, "error": 0}
    errors: list[str] = []
    rng = random.Random(index)
    patients = data["patients"]
    barrier.wait()
    try:
        while True:
            try:
                doctor, start = todo.get(timeout=0.2)
            except queue.Empty:
                break
            try:
                book(
                    data["practice"],
                    appointment_type=data["kind"],
                    practitioner=doctor,
                    patient=rng.choice(patients),
                    start=start,
                    channel=Channel.ONLINE,
                    now=now,
                )
                mine["booked"] += 1
            except SlotTaken:
                mine["taken"] += 1
            except Exception as exc:
                mine["error"] += 1
                errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connections.close_all()
        results.put((mine, errors))


def main() -> None:
    vendor = connection.vendor
    print(f"database: {vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    clean()
    huey.flush()
    data = build()
    practice: Practice = data["practice"]  # type: ignore[assignment]
    doctors: list = data["doctors"]  # type: ignore[assignment]

    now = datetime.now(PARIS)
    first_day = now.date() + timedelta(days=1)
    distinct = slots(first_day, DISTINCT, doctors)
    random.Random(1).shuffle(distinct)
    # Contended slots come after the distinct ones; each is queued RACERS_PER_SLOT times in a row,
    # so that several of the 8 clients pick it up at once.
    extra_days = DISTINCT // (24 * len(doctors)) + 2
    contended_slots = slots(first_day + timedelta(days=extra_days), CONTENDED_SLOTS, doctors)
    contended = [item for item in contended_slots for _ in range(RACERS_PER_SLOT)]

    counts, seconds = run(data, distinct, now)
    print(
        f"distinct slots: {counts['booked']} booked, {counts['taken']} taken, "
        f"{counts['error']} errors in {seconds:.2f} s ({counts['booked'] / seconds:.0f}/s)"
    )
    raced, raced_seconds = run(data, contended, now)
    print(
        f"contended: {len(contended)} attempts on {CONTENDED_SLOTS} slots: {raced['booked']} "
        f"booked, {raced['taken']} told the slot was taken, {raced['error']} errors "
        f"in {raced_seconds:.2f} s"
    )
    total_booked = counts["booked"] + raced["booked"]
    total_seconds = seconds + raced_seconds
    attempts = DISTINCT + len(contended)
    rate = total_booked / total_seconds
    found = count_overlaps(practice.pk)
    print(
        f"overall: {total_booked} bookings, {attempts} attempts in {total_seconds:.2f} s: "
        f"{rate:.0f} bookings/s, {attempts / total_seconds:.0f} attempts/s, "
        f"{CLIENTS} clients, {os.cpu_count()} cores"
    )
    print(f"overlapping occupying appointments found by SQL: {found}")
    huey.flush()
    print(
        json.dumps(
            {
                "bookings_per_s": round(rate, 1),
                "contended_successes": raced["booked"],
                "overlaps": found,
            }
        )
    )


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    # Building and cleaning the bench practice is an operator's job, across tenants; the
    # booking door scopes itself to the practice it is given.
    with scopes_disabled():
        main()
