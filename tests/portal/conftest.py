"""A practice open every day 09:00-12:00 and 14:00-18:00, one online type, one practitioner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from carnet.accounts.models import User
from carnet.portal.slots import SlotChoice, week_slots, week_start_of
from carnet.practices.models import Center, Practice
from carnet.scheduling.models import AppointmentType, Practitioner
from tests import factories


@dataclass
class Site:
    practice: Practice
    center: Center
    doctor: Practitioner
    kind: AppointmentType
    offline: AppointmentType
    account: User

    @property
    def url(self) -> str:
        return f"/book/{self.practice.slug}/"


def build_site(**practice_extra: object) -> Site:
    practice = factories.practice(**practice_extra)
    center = factories.center(practice, name="Cabinet Voltaire")
    center.address = "12 rue Voltaire, Paris"
    center.save()
    doctor = factories.practitioner(
        practice, name="Dr Alice Durand", sync_by_default=True, min_notice_minutes=120
    )
    factories.weekly_hours(doctor, center, weekdays=range(7))
    kind = factories.appointment_type(
        practice,
        [doctor],
        name="Consultation",
        online_booking=True,
        sms_reminder=True,
        description="Bring your health card.",
    )
    offline = factories.appointment_type(practice, [doctor], name="Surgery", online_booking=False)
    return Site(practice, center, doctor, kind, offline, factories.user())


@pytest.fixture
def site(db: object) -> Site:
    return build_site()


def free_slot(site: Site, days_ahead: int = 3, index: int = 0) -> SlotChoice:
    """A slot the engine offers `days_ahead` local days from today."""
    now = timezone.now()
    day = now.astimezone(site.practice.zone).date() + timedelta(days=days_ahead)
    days = week_slots(site.practice, site.kind, None, None, week_start_of(day), now)
    return next(d for d in days if d.date == day).slots[index]


def local(site: Site, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=site.practice.zone)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Booking attempts are counted in memory on SQLite (the feed's limiter): start from zero."""
    from carnet.feeds.throttle import reset

    reset()
