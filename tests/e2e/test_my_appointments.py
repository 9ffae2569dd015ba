"""A returning patient, in a real browser: logs in, lands on "My appointments", cancels one
appointment and moves another, through the real pages and the booking door."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from carnet.scheduling import booking
from carnet.scheduling.models import Appointment, AppointmentStatus
from tests import factories
from tests.e2e.conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def returning_patient() -> tuple[str, Appointment, Appointment]:
    """An account with two upcoming appointments at a practice open every day, 08:00 to 20:00."""
    practice = factories.practice("Maison de santé des Lilas", language="en")
    center = factories.center(practice, "Centre Saint-Jean")
    doctor = factories.practitioner(practice, "Dr Camille Martin", booking_horizon_days=60)
    factories.weekly_hours(doctor, center, weekdays=range(7), ranges=((time(8), time(20)),))
    kind = factories.appointment_type(
        practice, [doctor], name="Consultation prénatale", online_booking=True
    )
    account = factories.user("claire.roux@example.org", password=PASSWORD)
    patient = factories.patient(practice, first_name="Claire", last_name="Roux", account=account)
    today = timezone.now().astimezone(practice.zone).date()

    def book(days: int) -> Appointment:
        start = datetime.combine(today + timedelta(days=days), time(10), practice.zone)
        return booking.book(
            practice,
            appointment_type=kind,
            patient=patient,
            practitioner=doctor,
            center=center,
            start=start,
            channel=booking.Channel.ONLINE,
            now=start - timedelta(days=days),
        ).appointment

    return account.email, book(3), book(5)


def test_a_returning_patient_cancels_one_appointment_and_moves_another(
    live_server: Any, page: Any, artifacts_dir: Path
) -> None:
    email, first, second = returning_patient()
    log_in(page, live_server, email)
    assert page.url == f"{live_server.url}/me/", "a patient lands on My appointments"
    page.get_by_role("heading", name="My appointments").wait_for()
    page.screenshot(path=artifacts_dir / "my-appointments.png", full_page=True)

    item = page.locator(f"#appointment-{first.public_id}")
    with page.expect_navigation():
        item.get_by_role("button", name="Cancel").click()
    page.get_by_text("Your appointment is cancelled.").wait_for()
    assert "Cancelled" in page.locator(f"#appointment-{first.public_id}").inner_text()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED

    with page.expect_navigation():
        page.locator(f"#appointment-{second.public_id}").get_by_role("link", name="Move").click()
    page.get_by_role("heading", name="Move my appointment").wait_for()
    page.screenshot(path=artifacts_dir / "my-appointments-move.png", full_page=True)
    slot = page.locator("button[name=start]").nth(2)
    chosen = datetime.fromisoformat(slot.get_attribute("value"))
    with page.expect_navigation():
        slot.click()
    page.get_by_text("Your appointment is moved.").wait_for()
    second.refresh_from_db()
    assert second.start == chosen and second.status == AppointmentStatus.CONFIRMED
    page.screenshot(path=artifacts_dir / "my-appointments-moved.png", full_page=True)
