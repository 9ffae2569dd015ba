"""Shared by the notification tests: a practice ready to book, and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from carnet.patients.models import Patient
from carnet.practices.models import Center, Practice
from carnet.scheduling.models import Appointment, AppointmentType, Practitioner
from tests import factories
from tests.notifications.smtp_sink import SmtpServer

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Clinic:
    practice: Practice
    center: Center
    doctor: Practitioner
    kind: AppointmentType
    patient: Patient

    def book(
        self,
        start: datetime,
        *,
        channel: str = "staff",
        patient: Patient | None = None,
        now: datetime | None = None,
        **extra: object,
    ) -> Appointment:
        from carnet.scheduling.booking import book

        return book(
            self.practice,
            appointment_type=self.kind,
            patient=patient or self.patient,
            practitioner=self.doctor,
            center=self.center,
            start=start,
            channel=channel,
            now=now or start - timedelta(days=3),
            **extra,
        ).appointment


def build_clinic(time_zone: str = "Europe/Paris", **practice: object) -> Clinic:
    # English unless a test chooses: messages are read in English (French has its own tests).
    practice.setdefault("language", "en")
    place = factories.practice("Cabinet des Lilas", time_zone=time_zone, **practice)
    center = factories.center(place, "Centre Saint-Jean", time_zone=time_zone)
    center.address = "12 rue des Lilas\n75020 Paris"
    center.save()
    doctor = factories.practitioner(place, "Dr Claire Morel")
    factories.weekly_hours(doctor, center, range(7), ((time(0), time(23, 59)),))
    kind = factories.appointment_type(
        place,
        [doctor],
        name="Première consultation",
        description="Bring your health card.",
        online_booking=True,
    )
    patient = factories.patient(
        place, first_name="Jeanne", last_name="Martin", email="jeanne@example.org"
    )
    return Clinic(place, center, doctor, kind, patient)


@pytest.fixture
def clinic() -> Clinic:
    return build_clinic()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server, override_settings(MAILERS=server.mailers()):
        yield server


@pytest.fixture
def mailbox() -> Iterator[list[object]]:
    """Django's in-memory email backend: the list of messages sent."""
    from django.core import mail

    locmem = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with override_settings(MAILERS=locmem):
        mail.outbox = []
        yield mail.outbox
