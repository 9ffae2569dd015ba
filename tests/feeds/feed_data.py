"""Data and fixtures shared by the feed's Django tests (test_feed_*.py).

The project-wide fixtures (tests/conftest.py) already give an empty cache, English and fast
password hashing; `_feed_defaults` adds what the feed needs on top: a public https site address
and empty in-process rate-limit counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from carnet.accounts.models import User
from carnet.feeds import throttle
from carnet.feeds.links import feed_urls, issue_link
from carnet.patients.models import Patient
from carnet.practices.models import Center, Practice, Role
from carnet.scheduling.models import (
    Appointment,
    AppointmentType,
    PersonalEvent,
    Practitioner,
)
from tests import factories

# Things a feed must never carry; the fixture patient and appointment have all of them.
SECRET_EMAIL = "jeanne.secret-mail@example.org"
SECRET_PHONE = "+33612345678"
SECRET_NOTES = "Allergic-to-penicillin-ZQX"
SECRET_TYPE = "Psychiatric-assessment-ZQX"


@pytest.fixture(autouse=True)
def _feed_defaults(settings: object) -> None:
    throttle.reset()
    settings.SITE_URL = "https://carnet.example.org"  # type: ignore[attr-defined]


@dataclass
class Agenda:
    practice: Practice
    center: Center
    practitioner: Practitioner
    owner: User  # the practitioner's own login (role practitioner)
    patient: Patient
    kind: AppointmentType

    def appointment(self, start: datetime, minutes: int = 30, **extra: object) -> Appointment:
        values: dict[str, object] = {
            "practice": self.practice,
            "center": self.center,
            "practitioner": self.practitioner,
            "patient": self.patient,
            "appointment_type": self.kind,
            "start": start,
            "end": start + timedelta(minutes=minutes),
        }
        values.update(extra)
        return Appointment.objects.create(**values)

    def personal_event(self, start: datetime, title: str = "Dentist", **extra: object):
        values: dict[str, object] = {
            "practice": self.practice,
            "practitioner": self.practitioner,
            "title": title,
            "start": start,
            "end": start + timedelta(hours=1),
        }
        values.update(extra)
        return PersonalEvent.objects.create(**values)

    def feed_path(self) -> str:
        """Turn the link on and return the feed's path (token included)."""
        url = feed_urls(issue_link(self.practitioner)).https
        return url.removeprefix("https://carnet.example.org")


def build_agenda(name: str = "Dr Alice Durand") -> Agenda:
    # English labels in the feed and pages (the product's default language is French).
    practice = factories.practice(language="en")
    center = factories.center(practice)
    owner = factories.member(practice, role=Role.PRACTITIONER)
    practitioner = factories.practitioner(practice, name=name, user=owner, email=owner.email)
    patient = factories.patient(
        practice,
        first_name="Jeanne",
        last_name="Martin",
        email=SECRET_EMAIL,
        mobile=SECRET_PHONE,
    )
    kind = factories.appointment_type(practice, [practitioner], name=SECRET_TYPE)
    return Agenda(practice, center, practitioner, owner, patient, kind)


@pytest.fixture(name="agenda")
def agenda_fixture(db: None) -> Agenda:
    return build_agenda()


def soon(days: float = 1, hour: int = 9) -> datetime:
    """A whole hour `days` from now, in UTC."""
    moment = timezone.now() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)
