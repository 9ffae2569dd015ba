"""Small builders for test data: every test states what it needs, nothing more."""

from __future__ import annotations

import itertools
from datetime import time

from carnet.accounts.models import User
from carnet.patients.models import Patient
from carnet.practices.models import Center, Membership, Practice, Role
from carnet.scheduling.models import AppointmentType, Practitioner, ScheduleLine

_counter = itertools.count(1)


def practice(name: str | None = None, time_zone: str = "Europe/Paris", **extra: object) -> Practice:
    n = next(_counter)
    return Practice.objects.create(
        name=name or f"Practice {n}", slug=f"practice-{n}", time_zone=time_zone, **extra
    )


def center(practice: Practice, name: str | None = None, time_zone: str | None = None) -> Center:
    return Center.objects.create(
        practice=practice,
        name=name or f"Center {next(_counter)}",
        time_zone=time_zone or practice.time_zone,
    )


def user(
    email: str | None = None, password: str = "correct horse battery", **extra: object
) -> User:
    return User.objects.create_user(email or f"user{next(_counter)}@example.org", password, **extra)


def member(practice: Practice, role: str = Role.ADMIN, email: str | None = None) -> User:
    account = user(email)
    Membership.objects.create(user=account, practice=practice, role=role)
    return account


def practitioner(practice: Practice, name: str | None = None, **extra: object) -> Practitioner:
    return Practitioner.objects.create(
        practice=practice, display_name=name or f"Dr {next(_counter)}", **extra
    )


def weekly_hours(
    practitioner: Practitioner,
    center: Center,
    weekdays: range = range(5),
    ranges: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(14), time(18))),
) -> None:
    for weekday in weekdays:
        for start, end in ranges:
            ScheduleLine.objects.create(
                practitioner=practitioner, weekday=weekday, start=start, end=end, center=center
            )


def appointment_type(
    practice: Practice, practitioners: list[Practitioner] | None = None, **extra: object
) -> AppointmentType:
    values: dict[str, object] = {"name": f"Consultation {next(_counter)}", "duration_minutes": 30}
    values.update(extra)
    kind = AppointmentType.objects.create(practice=practice, **values)
    if practitioners:
        kind.practitioners.set(practitioners)
    return kind


def patient(practice: Practice, **extra: object) -> Patient:
    n = next(_counter)
    values: dict[str, object] = {"first_name": "Jeanne", "last_name": f"Martin{n}"}
    values.update(extra)
    return Patient.objects.create(practice=practice, **values)
