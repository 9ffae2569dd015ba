"""The patient's page behind the email link: tokens, cut-off, CSRF, rate limit, privacy headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from carnet.notifications.links import make_token
from carnet.scheduling.models import OutboxEvent
from tests.notifications.conftest import Clinic

pytestmark = pytest.mark.django_db


def page_of(appointment: object) -> str:
    return f"/my-appointment/{make_token(appointment.public_id)}/"  # type: ignore[attr-defined]


def test_the_patient_cancels_from_the_link_through_the_booking_door(
    clinic: Clinic, client: Client
) -> None:
    appointment = clinic.book(timezone.now() + timedelta(days=3), now=timezone.now())
    shown = client.get(page_of(appointment))
    assert shown.status_code == 200
    assert shown["Referrer-Policy"] == "strict-origin"  # no path (token) ever sent
    assert shown["Cache-Control"] == "no-store"
    assert "Dr Claire Morel" in shown.text and "Cancel this appointment" in shown.text
    done = client.post(page_of(appointment))
    assert done.status_code == 200 and "Your appointment is cancelled" in done.text
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert OutboxEvent.objects.filter(kind="cancelled", origin="online").count() == 1


def test_within_the_cut_off_the_patient_is_told_to_call(clinic: Clinic, client: Client) -> None:
    appointment = clinic.book(timezone.now() + timedelta(hours=20), now=timezone.now())
    shown = client.get(page_of(appointment))
    assert "less than 24 hours" in shown.text and "<button" not in shown.text.split("<main")[1]
    refused = client.post(page_of(appointment))
    assert refused.status_code == 409 and "call the practice" in refused.text
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_a_tampered_token_is_a_plain_404_page_never_a_500(clinic: Clinic, client: Client) -> None:
    appointment = clinic.book(timezone.now() + timedelta(days=3), now=timezone.now())
    token = make_token(appointment.public_id)
    for bad in (token[:-2] + "xx", "nonsense", "a" * 300, token.replace(":", "")):
        answer = client.get(f"/my-appointment/{bad}/")
        assert answer.status_code == 404, bad
        assert "This link is not valid" in answer.text
        assert answer["Referrer-Policy"] == "strict-origin"


def test_a_post_without_the_csrf_token_is_refused(clinic: Clinic) -> None:
    appointment = clinic.book(timezone.now() + timedelta(days=3), now=timezone.now())
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(page_of(appointment)).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_requests_are_limited_per_address(clinic: Clinic, client: Client, settings: object) -> None:
    from carnet.feeds import throttle

    throttle.reset()  # counters of the earlier tests' requests
    settings.NOTIFICATIONS_PAGE_RATE_LIMIT = "3/h"  # type: ignore[attr-defined]
    for _ in range(3):
        assert client.get("/my-appointment/guess/").status_code == 404
    answer = client.get("/my-appointment/guess/")
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0


def test_practice_settings_are_validated_with_clear_messages(clinic: Clinic) -> None:
    from django.core.exceptions import ValidationError

    clinic.practice.cancellation_cutoff_hours = 1000
    with pytest.raises(ValidationError) as error:
        clinic.practice.full_clean()
    assert error.value.message_dict["cancellation_cutoff_hours"] == [
        "The cut-off is at most 720 hours (30 days) before the appointment."
    ]
    fresh = type(clinic.practice)()
    assert (
        fresh.send_staff_confirmations,
        fresh.reminder_time.hour,
        fresh.cancellation_cutoff_hours,
    ) == (True, 18, 24)
