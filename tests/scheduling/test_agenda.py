"""Loading agendas for the slot engine: the right rows, bounded by the window, in few queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from carnet.scheduling.agenda import load_agendas, slot_rules
from carnet.scheduling.booking import book
from carnet.scheduling.models import (
    PersonalEvent,
    ScheduleException,
    ScheduleExceptionKind,
)
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def test_agenda_holds_padded_appointments_exceptions_and_personal_events(
    django_assert_max_num_queries,
) -> None:
    practice = factories.practice(slot_grid_minutes=10)
    center = factories.center(practice)
    doctors = [factories.practitioner(practice) for _ in range(3)]
    for doctor in doctors:
        factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(
        practice, doctors, buffer_before_minutes=5, buffer_after_minutes=10
    )
    patient = factories.patient(practice)
    tuesday = date(2030, 1, 8)
    mine = book(
        practice,
        appointment_type=kind,
        patient=patient,
        practitioner=doctors[0],
        start=at(tuesday, 9),
        now=NOW,
    ).appointment
    # Far outside the window: not loaded.
    book(
        practice,
        appointment_type=kind,
        patient=patient,
        practitioner=doctors[0],
        start=at(tuesday + timedelta(days=30), 9),
        now=NOW,
    )
    ScheduleException.objects.create(
        practitioner=doctors[1],
        kind=ScheduleExceptionKind.TIME_OFF,
        start=at(tuesday, 14),
        end=at(tuesday, 15),
    )
    PersonalEvent.objects.create(
        practice=practice,
        practitioner=doctors[2],
        title="Weekly meeting",
        start=at(date(2029, 12, 4), 12, 30),
        end=at(date(2029, 12, 4), 13, 30),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        exdates=["2030-01-15T12:30:00"],
    )

    window = (at(tuesday, 0), at(tuesday + timedelta(days=8), 0))
    with django_assert_max_num_queries(3):
        agendas = load_agendas(kind, [d.pk for d in doctors], window)

    first, second, third = (agendas[d.pk] for d in doctors)
    assert len(first.schedule) == 10
    assert first.appointments == [(mine.pk, mine.start, mine.end)]
    assert first.padded == [(mine.start - timedelta(minutes=5), mine.end + timedelta(minutes=10))]
    assert [(r.start, r.end) for r in second.time_off] == [
        (at(tuesday, 14).astimezone(UTC), at(tuesday, 15).astimezone(UTC))
    ]
    # The 8th only: the 15th is an exception date. The 1st lies outside the window.
    assert third.personal == [(at(tuesday, 12, 30), at(tuesday, 13, 30))]
    assert third.personal_titles == ["Weekly meeting"]
    assert slot_rules(kind, practice).grid == timedelta(minutes=10)


def test_an_appointment_can_be_left_out_of_its_own_agenda() -> None:
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(practice, [doctor])
    appointment = book(
        practice,
        appointment_type=kind,
        patient=factories.patient(practice),
        practitioner=doctor,
        start=at(date(2030, 1, 8), 9),
        now=NOW,
    ).appointment
    window = (at(date(2030, 1, 8), 0), at(date(2030, 1, 9), 0))
    agenda = load_agendas(kind, [doctor.pk], window, exclude_appointment_id=appointment.pk)
    assert agenda[doctor.pk].appointments == []
