"""No double booking under real concurrency: threads, each with its own database connection.

Run on SQLite (BEGIN IMMEDIATE serialises writers) and on PostgreSQL (row lock + exclusion
constraint). The raw-SQL tests prove that PostgreSQL itself refuses an overlap that bypasses the
booking services.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction

from carnet.scheduling.booking import Channel, book, cancel
from carnet.scheduling.errors import SlotTaken
from carnet.scheduling.models import Appointment, OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)  # a Monday
ATTEMPTS = 50

postgres_only = pytest.mark.skipif(
    not settings.DATABASE_IS_POSTGRES, reason="exclusion constraints are PostgreSQL's"
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def race(attempts: list[Callable[[], object]]) -> Counter[str]:
    """Start every attempt at the same instant, each in its own thread and connection."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            barrier.wait()
            attempt()
            outcome = "booked"
        except SlotTaken:
            outcome = "taken"
        except Exception as exc:  # reported, so that the assertion shows what went wrong
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(outcomes)


@pytest.fixture
def clinic() -> dict[str, object]:
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(practice, [doctor], online_booking=True)
    patients = [factories.patient(practice) for _ in range(ATTEMPTS)]
    return {"practice": practice, "doctor": doctor, "kind": kind, "patients": patients}


def attempt(clinic: dict[str, object], patient: object, start: datetime) -> Callable[[], object]:
    def go() -> object:
        return book(
            clinic["practice"],  # type: ignore[arg-type]
            appointment_type=clinic["kind"],  # type: ignore[arg-type]
            practitioner=clinic["doctor"],  # type: ignore[arg-type]
            patient=patient,  # type: ignore[arg-type]
            start=start,
            channel=Channel.ONLINE,
            now=NOW,
        )

    return go


def test_fifty_patients_racing_for_one_slot_one_wins(clinic: dict[str, object]) -> None:
    slot = at(date(2030, 1, 8), 9)
    outcomes = race([attempt(clinic, p, slot) for p in clinic["patients"]])  # type: ignore[attr-defined]
    assert outcomes == Counter({"booked": 1, "taken": ATTEMPTS - 1})
    assert Appointment.objects.count() == 1
    # Nothing half-written: one outbox row, for the one appointment.
    assert list(OutboxEvent.objects.values_list("appointment_id", flat=True)) == [
        Appointment.objects.get().pk
    ]


def test_fifty_patients_on_fifty_slots_all_succeed(clinic: dict[str, object]) -> None:
    # Mon-Fri 09-12 and 14-18: 14 half-hour slots a day, from Tuesday on.
    starts = []
    day = date(2030, 1, 8)
    while len(starts) < ATTEMPTS:
        for hour in (9, 10, 11, 14, 15, 16, 17):
            starts += [at(day, hour), at(day, hour, 30)]
        day += timedelta(days=1)
    patients = clinic["patients"]
    outcomes = race([attempt(clinic, p, s) for p, s in zip(patients, starts, strict=False)])  # type: ignore[call-overload]
    assert outcomes == Counter({"booked": ATTEMPTS})
    assert Appointment.objects.count() == ATTEMPTS
    assert OutboxEvent.objects.count() == ATTEMPTS


def test_a_cancelled_slot_can_be_raced_for_again(clinic: dict[str, object]) -> None:
    slot = at(date(2030, 1, 8), 9)
    patients = clinic["patients"]
    first = attempt(clinic, patients[0], slot)()  # type: ignore[index]
    cancel(clinic["practice"], first.appointment, now=NOW)  # type: ignore[arg-type, attr-defined]
    outcomes = race([attempt(clinic, p, slot) for p in patients[:10]])  # type: ignore[index]
    assert outcomes == Counter({"booked": 1, "taken": 9})
    assert Appointment.objects.exclude(status="cancelled").count() == 1


INSERT = """
    INSERT INTO scheduling_appointment (
        practice_id, center_id, practitioner_id, patient_id, appointment_type_id, start, "end",
        status, source, sms_reminder, sync_external, target_calendar, allow_overlap, notes,
        public_id, sequence, created_at, updated_at
    ) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'staff', false, false, '', %s, '',
              gen_random_uuid(), 0, now(), now())
"""


@postgres_only
def test_the_database_itself_refuses_an_overlap_that_bypasses_the_service(
    clinic: dict[str, object],
) -> None:
    existing = attempt(clinic, clinic["patients"][0], at(date(2030, 1, 8), 9))()  # type: ignore[index]
    a = existing.appointment  # type: ignore[attr-defined]
    row = [a.practice_id, a.center_id, a.practitioner_id, a.patient_id, a.appointment_type_id]
    nine_fifteen = at(date(2030, 1, 8), 9, 15).astimezone(UTC)

    def insert(start: datetime, end: datetime, status: str = "confirmed", overlap: bool = False):  # type: ignore[no-untyped-def]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(INSERT, [*row, start, end, status, overlap])

    with pytest.raises(IntegrityError) as caught:
        insert(nine_fifteen, nine_fifteen + timedelta(minutes=30))
    assert caught.value.__cause__.sqlstate == "23P01"  # type: ignore[union-attr]
    assert "appointment_no_overlap" in str(caught.value)
    assert Appointment.objects.count() == 1
    # Touching is fine; so are cancelled rows and deliberate overbooking.
    insert(a.end, a.end + timedelta(minutes=30))
    insert(nine_fifteen, nine_fifteen + timedelta(minutes=30), status="cancelled")
    insert(nine_fifteen, nine_fifteen + timedelta(minutes=30), overlap=True)
    assert Appointment.objects.count() == 4


@postgres_only
def test_the_exclusion_constraint_is_installed() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
            ["appointment_no_overlap"],
        )
        (definition,) = cursor.fetchone()
    assert "EXCLUDE USING gist" in definition
    assert "tstzrange" in definition


@postgres_only
def test_with_the_check_switched_off_the_constraint_still_wins_the_race(
    clinic: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's own check is only there for a quick, clear answer: blind it, and the
    exclusion constraint still lets exactly one through, reported as SlotTaken to the others."""
    from carnet.scheduling import rules
    from carnet.scheduling.agenda import PractitionerAgenda

    def blind(kind, ids, window, **kwargs):  # type: ignore[no-untyped-def]
        return {pid: PractitionerAgenda() for pid in ids}

    monkeypatch.setattr(rules, "load_agendas", blind)
    slot = at(date(2030, 1, 8), 9)

    def staff(patient: object) -> Callable[[], object]:
        def go() -> object:
            return book(
                clinic["practice"],  # type: ignore[arg-type]
                appointment_type=clinic["kind"],  # type: ignore[arg-type]
                practitioner=clinic["doctor"],  # type: ignore[arg-type]
                patient=patient,  # type: ignore[arg-type]
                start=slot,
                now=NOW,
            )

        return go

    outcomes = race([staff(p) for p in clinic["patients"]])  # type: ignore[attr-defined]
    assert outcomes == Counter({"booked": 1, "taken": ATTEMPTS - 1})
    assert Appointment.objects.count() == 1
    assert OutboxEvent.objects.count() == 1
