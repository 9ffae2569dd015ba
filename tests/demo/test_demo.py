"""The demo practice: what `carnet demo` seeds, seeded once, and consistent with the rules."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from carnet.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from carnet.patients.models import Patient
from carnet.patients.phones import normalize_mobile
from carnet.practices.models import Membership, Practice, Role
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    PersonalEvent,
    Practitioner,
    ScheduleException,
    ScheduleExceptionKind,
)
from carnet.scheduling.models.appointment import OCCUPYING_STATUSES
from carnet.scheduling.recurrence import Override, RecurringEvent, occurrences

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday whose three weeks of agenda cross the spring daylight-saving change (29 March).
NOW = datetime(2026, 3, 25, 10, 7, tzinfo=PARIS)


@pytest.fixture
def practice() -> Practice:
    practice, created = seed_demo(NOW)
    assert created
    return practice


def counts(practice: Practice) -> dict[str, int]:
    return {
        "centers": practice.centers.count(),
        "practitioners": practice.practitioners.count(),
        "types": practice.appointment_types.count(),
        "patients": practice.patients.count(),
        "appointments": practice.appointments.count(),
        "memberships": practice.memberships.count(),
        "events": practice.personal_events.count(),
    }


def test_contents(practice: Practice) -> None:
    assert practice.slug == "demo"
    assert practice.time_zone == "Europe/Paris"
    assert practice.language == "fr"
    assert practice.centers.count() == 2
    professions = sorted(practice.practitioners.values_list("profession", flat=True))
    assert professions == ["Masseur-kinésithérapeute", "Sage-femme", "Sage-femme"]
    for sheet in practice.practitioners.all():
        assert 30 <= sheet.booking_horizon_days <= 90
        assert 120 <= sheet.min_notice_minutes <= 24 * 60
        assert sheet.schedule_lines.count() >= 4
    exceptions = ScheduleException.objects.filter(practitioner__practice=practice)
    assert sorted(exceptions.values_list("kind", flat=True)) == ["extra", "time_off"]

    types = AppointmentType.objects.filter(practice=practice)
    assert types.count() == 5
    assert types.filter(has_own_schedule=True, schedule_lines__isnull=False).distinct().count() == 1
    assert types.filter(sms_reminder=True).count() == 1
    assert 0 < types.filter(online_booking=True).count() < 5
    assert len(set(types.values_list("color", flat=True))) == 5
    assert all(kind.description and kind.practitioners.exists() for kind in types)


def test_patients(practice: Practice) -> None:
    patients = list(Patient.objects.filter(practice=practice))
    assert len(patients) == 40
    for patient in patients:
        assert patient.mobile.startswith(("+336", "+337"))
        assert normalize_mobile(patient.mobile) == patient.mobile
        assert patient.birth_date is not None
        assert not patient.email or patient.email.endswith(("@example.org", "@example.com"))
    by_account: dict[int, int] = {}
    for patient in patients:
        if patient.account_id:
            by_account[patient.account_id] = by_account.get(patient.account_id, 0) + 1
    assert 2 in by_account.values(), "a family: one account managing two patients"


def test_appointments_span_past_and_future(practice: Practice) -> None:
    appointments = Appointment.objects.filter(practice=practice)
    assert appointments.count() > 150
    now = NOW.astimezone(UTC)
    assert appointments.filter(start__lt=now - timedelta(days=5)).exists()
    assert appointments.filter(start__gt=now + timedelta(days=12)).exists()
    assert not appointments.filter(start__lt=now - timedelta(days=8)).exists()
    assert not appointments.filter(start__gt=now + timedelta(days=15)).exists()
    past = appointments.filter(end__lte=now).exclude(status=AppointmentStatus.CANCELLED)
    assert set(past.values_list("status", flat=True)) == {"done", "no_show"}
    future = appointments.filter(start__gte=now).exclude(status=AppointmentStatus.CANCELLED)
    assert set(future.values_list("status", flat=True)) == {"confirmed"}
    assert 2 <= appointments.filter(status=AppointmentStatus.CANCELLED).count() <= 5
    assert set(appointments.values_list("source", flat=True)) == {"staff", "online"}
    assert not appointments.filter(appointment_type__online_booking=False, source="online")
    assert appointments.filter(appointment_type__has_own_schedule=True).exists()


def test_no_practitioner_is_double_booked(practice: Practice) -> None:
    for sheet in practice.practitioners.all():
        busy = list(
            sheet.appointments.filter(status__in=OCCUPYING_STATUSES)
            .select_related("appointment_type")
            .order_by("start")
        )
        assert busy
        for before, after in itertools.pairwise(busy):
            buffer = timedelta(minutes=before.appointment_type.buffer_after_minutes)
            assert before.end + buffer <= after.start, (before, after)


def test_appointments_lie_inside_opening_hours(practice: Practice) -> None:
    for sheet in Practitioner.objects.filter(practice=practice):
        lines = list(sheet.schedule_lines.select_related("center"))
        exceptions = list(sheet.schedule_exceptions.all())
        extra = [e for e in exceptions if e.kind == ScheduleExceptionKind.EXTRA]
        time_off = [e for e in exceptions if e.kind == ScheduleExceptionKind.TIME_OFF]
        for appointment in sheet.appointments.select_related("center", "appointment_type"):
            zone = appointment.center.zone
            start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
            assert start.date() == end.date()
            weekly = any(
                line.center_id == appointment.center_id
                and line.weekday == start.weekday()
                and line.start <= start.time()
                and end.time() <= line.end
                for line in lines
            )
            dated = any(
                e.center_id == appointment.center_id
                and e.start <= appointment.start
                and appointment.end <= e.end
                for e in extra
            )
            assert weekly or dated, appointment
            assert not any(
                off.start < appointment.end and appointment.start < off.end for off in time_off
            )
            kind = appointment.appointment_type
            if kind.has_own_schedule:
                assert any(
                    line.center_id == appointment.center_id
                    and line.weekday == start.weekday()
                    and line.start <= start.time()
                    and end.time() <= line.end
                    for line in kind.schedule_lines.all()
                ), appointment


def test_recurring_meeting_with_one_moved_and_one_cancelled_occurrence(
    practice: Practice,
) -> None:
    event = PersonalEvent.objects.get(practice=practice)
    assert event.title == "Réunion d'équipe"
    assert event.rrule == "FREQ=WEEKLY;BYDAY=TU"
    assert event.start < NOW - timedelta(days=14)
    local = event.start.astimezone(PARIS)
    assert (local.weekday(), local.hour, local.minute) == (1, 12, 45)
    overrides = list(event.overrides.all())
    assert sorted(o.cancelled for o in overrides) == [False, True]
    moved = next(o for o in overrides if not o.cancelled)
    assert moved.start is not None
    assert moved.start - moved.recurrence_id == timedelta(days=1)

    series = RecurringEvent(
        start=event.start,
        end=event.end,
        zone=event.zone,
        rrule=event.rrule,
        overrides=tuple(Override(o.recurrence_id, o.start, o.end, o.cancelled) for o in overrides),
    )
    found = occurrences(series, NOW - timedelta(days=21), NOW + timedelta(days=21))
    days = [start.astimezone(PARIS).strftime("%a %H:%M") for start, _end in found]
    assert days.count("Wed 12:45") == 1
    assert days.count("Tue 12:45") == len(found) - 1
    # Across the daylight-saving change the meeting stays at 12:45 Paris time.
    assert len(found) == 5


def test_logins(practice: Practice) -> None:
    expected = {"admin": Role.OWNER, "practitioner": Role.PRACTITIONER, "assistant": Role.ASSISTANT}
    for label, role in expected.items():
        user = authenticate(username=DEMO_LOGINS[label], password=DEMO_PASSWORD)
        assert user is not None, label
        assert Membership.objects.get(user=user, practice=practice).role == role
    assert Client().login(username=DEMO_LOGINS["practitioner"], password=DEMO_PASSWORD)
    midwife = Practitioner.objects.get(user__email=DEMO_LOGINS["practitioner"])
    assert midwife.profession == "Sage-femme"
    desk = Membership.objects.get(user__email=DEMO_LOGINS["assistant"])
    assert sorted(desk.practitioners.values_list("profession", flat=True)) == ["Sage-femme"] * 2
    assert [center.name for center in desk.centers.all()] == ["Tilleuls – Lyon 3e"]
    family = authenticate(username=DEMO_LOGINS["patient"], password=DEMO_PASSWORD)
    assert family is not None
    assert family.patients.count() == 2


def test_second_seed_creates_nothing(practice: Practice) -> None:
    before = counts(practice)
    again, created = seed_demo(NOW + timedelta(days=3))
    assert not created
    assert again.pk == practice.pk
    assert counts(practice) == before


def test_same_now_same_demo() -> None:
    practice, _created = seed_demo(NOW)
    first = list(practice.appointments.values_list("start", "patient__last_name", "status"))
    practice.appointments.all().delete()  # protected: they go first
    practice.delete()
    practice, created = seed_demo(NOW)
    assert created, "users left over from a deleted demo practice are reused"
    second = list(practice.appointments.values_list("start", "patient__last_name", "status"))
    assert first == second


def test_seed_around_the_current_time() -> None:
    practice, created = seed_demo()
    assert created
    assert practice.appointments.filter(status=AppointmentStatus.CONFIRMED).exists()


@pytest.mark.django_db(
    transaction=True
)  # the command migrates, which SQLite refuses in a transaction
def test_demo_command_prints_the_logins() -> None:
    out = io.StringIO()
    call_command("demo", "--seed-only", stdout=out)
    output = out.getvalue()
    for label in ("admin", "practitioner", "assistant"):
        assert DEMO_LOGINS[label] in output
    assert DEMO_PASSWORD in output
    assert Practice.objects.filter(slug="demo").exists()
