"""Agenda changes become emails through the `notifications` outbox consumer, each exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from carnet.notifications.models import Notification
from carnet.scheduling import outbox
from carnet.scheduling.booking import cancel, reschedule
from carnet.scheduling.models import Delivery
from tests import factories
from tests.notifications.conftest import PARIS, Clinic

pytestmark = pytest.mark.django_db

START = datetime(2030, 5, 14, 9, 30, tzinfo=PARIS)


def deliver() -> None:
    for pk in Delivery.objects.filter(consumer="notifications", status="pending").values_list(
        "pk", flat=True
    ):
        assert outbox.run_delivery(pk) == "delivered"


def test_online_and_staff_bookings_are_confirmed_unless_the_practice_turned_staff_ones_off(
    clinic: Clinic, mailbox: list[object]
) -> None:
    clinic.book(START, channel="online", now=START - timedelta(days=2))
    clinic.book(START + timedelta(hours=1))
    deliver()
    assert len(mailbox) == 2

    clinic.practice.send_staff_confirmations = False
    clinic.practice.save()
    clinic.book(START + timedelta(hours=2))  # staff: no email
    clinic.book(START + timedelta(hours=3), channel="online", now=START - timedelta(days=2))
    deliver()
    assert len(mailbox) == 3
    assert (
        list(Notification.objects.values_list("kind", "status")) == [("confirmation", "sent")] * 3
    )


def test_two_moves_on_one_day_are_two_emails_and_a_retried_delivery_sends_nothing(
    clinic: Clinic, mailbox: list[object]
) -> None:
    appointment = clinic.book(START)
    deliver()
    reschedule(clinic.practice, appointment, start=START + timedelta(hours=1))
    deliver()
    reschedule(clinic.practice, appointment, start=START + timedelta(hours=2))
    deliver()
    cancel(clinic.practice, appointment)
    deliver()
    subjects = [m.subject for m in mailbox]  # type: ignore[attr-defined]
    assert [s.split(" ")[2] for s in subjects] == ["on", "has", "has", "on"]
    assert "is cancelled" in subjects[-1]
    assert list(Notification.objects.values_list("kind", flat=True)) == [
        "confirmation",
        "change",
        "change",
        "cancellation",
    ]
    # A worker died after sending but before the delivery was marked done: it runs again.
    Delivery.objects.update(status="pending", claimed_until=None)
    deliver()
    assert len(mailbox) == 4
    assert Notification.objects.filter(status="sent").count() == 4


def test_a_late_delivery_does_not_confirm_what_was_cancelled_since(
    clinic: Clinic, mailbox: list[object]
) -> None:
    appointment = clinic.book(START)
    cancel(clinic.practice, appointment)
    deliver()  # the workers were down until now
    [message] = mailbox
    assert message.subject == (  # type: ignore[attr-defined]
        "Your appointment on Tuesday 14 May 2030 at 09:30 is cancelled – Cabinet des Lilas"
    )
    skipped = Notification.objects.get(kind="confirmation")
    assert (skipped.status, skipped.reason) == ("skipped", "cancelled")


def test_a_patient_without_email_is_skipped_with_a_reason_and_a_parent_account_gets_it(
    clinic: Clinic, mailbox: list[object]
) -> None:
    nobody = factories.patient(clinic.practice, first_name="Léo", email="")
    parent = factories.user("parent@example.org")
    child = factories.patient(clinic.practice, first_name="Lou", email="", account=parent)
    first = clinic.book(START, patient=nobody)
    second = clinic.book(START + timedelta(hours=1), patient=child)
    deliver()
    skipped = Notification.objects.get(appointment=first)
    assert (skipped.status, skipped.get_reason_display()) == ("skipped", "no email address")
    assert Notification.objects.get(appointment=second).recipient == "parent@example.org"
    assert [m.to for m in mailbox] == [["parent@example.org"]]  # type: ignore[attr-defined]


def test_the_appointment_page_shows_staff_what_was_sent_and_why_not(
    clinic: Clinic, mailbox: list[object], client: object
) -> None:
    nobody = factories.patient(clinic.practice, first_name="Léo", email="")
    appointment = clinic.book(START, patient=nobody)
    deliver()
    owner = factories.member(clinic.practice)
    client.force_login(owner)  # type: ignore[attr-defined]
    page = client.get(  # type: ignore[attr-defined]
        f"/app/{clinic.practice.slug}/appointments/{appointment.public_id}/"
    )
    assert page.status_code == 200, page.status_code
    text = page.content.decode()
    assert "Confirmation" in text and "Not sent" in text and "no email address" in text


def test_past_appointments_get_no_email(clinic: Clinic, mailbox: list[object]) -> None:
    from carnet.scheduling.booking import book

    book(
        clinic.practice,
        appointment_type=clinic.kind,
        patient=clinic.patient,
        practitioner=clinic.doctor,
        start=datetime(2020, 1, 6, 9, tzinfo=PARIS),
        channel="external",
        connection="google-1",
    )
    deliver()
    assert mailbox == [] and not Notification.objects.exists()
