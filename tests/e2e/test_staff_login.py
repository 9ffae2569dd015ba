"""A staff member logs in with email and password and sees the practice's day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from carnet.practices.models import Role
from carnet.scheduling.models import Appointment
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_member_logs_in_and_sees_todays_appointments(live_server, page) -> None:
    practice = factories.practice("Cabinet des Lilas", language="en")
    center = factories.center(practice, "Lilas")
    practitioner = factories.practitioner(practice, "Claire Morel")
    kind = factories.appointment_type(practice, [practitioner], name="Prenatal visit")
    patient = factories.patient(practice, first_name="Inès", last_name="Roux")
    start = datetime.now(practice.zone).replace(hour=23, minute=0, second=0, microsecond=0)
    Appointment.objects.create(
        practice=practice,
        center=center,
        practitioner=practitioner,
        patient=patient,
        appointment_type=kind,
        start=start,
        end=start + timedelta(minutes=30),
    )
    account = factories.user("claire@example.org", password="a long pass phrase")
    practice.memberships.create(user=account, role=Role.PRACTITIONER)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "claire@example.org")
    page.fill("input[name=password]", "a long pass phrase")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/app/{practice.slug}/")
    assert "Inès Roux" in page.inner_text("table.appointments")
    assert "Prenatal visit" in page.inner_text("table.appointments")
    assert "23:00" in page.inner_text("table.appointments")


def test_wrong_password_is_refused_with_a_message(live_server, page) -> None:
    factories.user("claire@example.org", password="a long pass phrase")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "claire@example.org")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    assert "not correct" in page.content()
