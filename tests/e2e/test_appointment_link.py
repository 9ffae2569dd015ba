"""The patient opens the link from their confirmation email and cancels, in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from carnet.notifications import sending
from carnet.notifications.models import Notification
from carnet.scheduling import outbox
from carnet.scheduling.booking import book
from carnet.scheduling.models import Appointment, Delivery
from tests import factories
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def booked_with_email(live_server: Any, hours_ahead: int) -> tuple[Appointment, str]:
    practice = factories.practice("Cabinet des Lilas", language="en")
    center = factories.center(practice, "Centre Saint-Jean")
    doctor = factories.practitioner(practice, "Dr Claire Morel")
    kind = factories.appointment_type(practice, [doctor])
    patient = factories.patient(practice, email="jeanne@example.org", language="en")
    start = (timezone.now() + timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
    appointment = book(
        practice,
        appointment_type=kind,
        patient=patient,
        practitioner=doctor,
        center=center,
        start=start,
    ).appointment
    mail.outbox = []
    with override_settings(MAILERS=LOCMEM, SITE_URL=live_server.url):
        for pk in Delivery.objects.filter(consumer="notifications").values_list("pk", flat=True):
            outbox.run_delivery(pk)
        sending.send(Notification.objects.values_list("pk", flat=True))
    [message] = mail.outbox
    link = re.search(r"https?://\S+/my-appointment/\S+/", message.body)
    assert link, message.body
    return appointment, link.group(0)


def test_the_patient_cancels_from_the_link_in_the_email(live_server: Any, page: Any) -> None:
    appointment, link = booked_with_email(live_server, hours_ahead=72)
    page.set_viewport_size(PHONE)
    page.goto(link)
    assert page.get_by_text("Dr Claire Morel").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.get_by_role("button", name="Cancel this appointment").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your appointment is cancelled").is_visible()
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_past_the_cut_off_the_patient_is_refused_with_a_message(
    live_server: Any, page: Any
) -> None:
    appointment, link = booked_with_email(live_server, hours_ahead=5)
    page.goto(link)
    assert page.get_by_text("can no longer be cancelled online").is_visible()
    assert page.get_by_role("button", name="Cancel this appointment").count() == 0
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
