"""What a patient receives: sent through Django's SMTP backend to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest

from carnet.notifications.models import Notification
from carnet.scheduling import outbox
from carnet.scheduling.models import Delivery
from tests.notifications.conftest import PARIS, Clinic
from tests.notifications.smtp_sink import SmtpServer

pytestmark = pytest.mark.django_db

START = datetime(2030, 5, 14, 9, 30, tzinfo=PARIS)


def deliver_all() -> None:
    """What the `deliver` jobs do after the booking commits."""
    pending = Delivery.objects.filter(consumer="notifications", status="pending")
    for pk in pending.values_list("pk", flat=True):
        assert outbox.run_delivery(pk) == "delivered"


def parts(message: object) -> dict[str, object]:
    found: dict[str, object] = {}
    for part in message.walk():  # type: ignore[attr-defined]
        if part.get_content_maintype() != "multipart":
            found[part.get_content_type()] = part
    return found


def test_a_confirmation_reaches_the_smtp_server_in_the_patients_language(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    clinic.patient.language = "fr"
    clinic.patient.save()
    appointment = clinic.book(START, notes="Secret: anxious about the scan")
    deliver_all()

    [message] = smtp.sink.messages
    assert message["To"] == "jeanne@example.org"
    # Exactly as written: Python's header folding once dropped the space in "est confirmé".
    assert message["Subject"] == (
        "Votre rendez-vous du mardi 14 mai 2030 à 09:30 est confirmé – Cabinet des Lilas"
    )
    assert message["Content-Language"] == "fr"
    found = parts(message)
    text = found["text/plain"].get_content()  # type: ignore[attr-defined]
    html = found["text/html"].get_content()  # type: ignore[attr-defined]
    for body in (text, html):
        assert "mardi 14 mai 2030" in body  # the date in French, in the center's zone
        assert "09:30" in body
        assert "Dr Claire Morel" in body
        assert "Centre Saint-Jean" in body and "12 rue des Lilas" in body
        assert "Bring your health card." in body  # the type's description, for confirmations
        assert "/my-appointment/" in body  # the link to cancel
        assert "anxious" not in body  # never the private notes
    calendar = icalendar.Calendar.from_ical(found["text/calendar"].get_content())  # type: ignore[attr-defined]
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.public_id}@carnet"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert "Centre Saint-Jean" in str(event["LOCATION"])
    assert "anxious" not in found["text/calendar"].get_content()  # type: ignore[attr-defined]
    assert Notification.objects.get().status == "sent"


def test_english_for_a_patient_who_chose_it_and_a_move_is_a_change_email(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    from carnet.scheduling.booking import reschedule

    clinic.patient.language = "en"
    clinic.patient.save()
    appointment = clinic.book(START)
    deliver_all()
    reschedule(clinic.practice, appointment, start=START + timedelta(days=1, hours=2))
    deliver_all()
    subjects = [m["Subject"] for m in smtp.sink.messages]
    assert subjects == [
        "Your appointment on Tuesday 14 May 2030 at 09:30 is confirmed – Cabinet des Lilas",
        "Your appointment has moved to Wednesday 15 May 2030 at 11:30 – Cabinet des Lilas",
    ]
    change = parts(smtp.sink.messages[1])
    calendar = icalendar.Calendar.from_ical(change["text/calendar"].get_content())  # type: ignore[attr-defined]
    [event] = calendar.walk("VEVENT")
    assert event["SEQUENCE"] == 1  # calendars replace the first event with this one
    assert "Bring your health card." not in change["text/plain"].get_content()  # type: ignore[attr-defined]


def test_a_refused_address_fails_with_a_clear_status_and_the_others_still_go(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    from carnet.notifications import sending

    smtp.sink.refuse["jeanne@example.org"] = "550 5.1.1 No such mailbox"
    other = clinic.patient.__class__.objects.create(
        practice=clinic.practice, first_name="Paul", last_name="Roux", email="paul@example.org"
    )
    refused = clinic.book(START)
    accepted = clinic.book(START + timedelta(hours=1), patient=other)
    deliver_all()

    row = Notification.objects.get(appointment=refused)
    assert (row.status, row.reason, row.attempts) == ("failed", "refused", 1)
    assert "refused the address jeanne@example.org: 550" in row.last_error
    assert Notification.objects.get(appointment=accepted).status == "sent"
    assert [m["To"] for m in smtp.sink.messages] == ["paul@example.org"]
    # A permanent refusal is not retried: a later sweep leaves it alone.
    assert sending.send([row.pk]) == {}


def test_a_temporary_refusal_is_retried_with_backoff_then_fails_nothing_lost(
    clinic: Clinic, smtp: SmtpServer, settings: object
) -> None:
    from carnet.notifications import sending

    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3  # type: ignore[attr-defined]
    smtp.sink.refuse["jeanne@example.org"] = "451 4.2.0 Mailbox busy"
    clinic.book(START)
    deliver_all()
    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
    first_retry = row.next_attempt_at
    assert first_retry > row.created_at + timedelta(seconds=25)

    # The sweep finds it due later: attempt 2 backs off longer, attempt 3 is the last.
    outcome = sending.send([row.pk], now=first_retry)
    row.refresh_from_db()
    assert outcome == {"retry": 1} and row.attempts == 2
    assert row.next_attempt_at - first_retry >= timedelta(seconds=60)
    assert sending.send([row.pk], now=row.next_attempt_at) == {"failed": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.reason) == ("failed", 3, "refused")
    assert smtp.sink.messages == []

    # The mailbox is back; staff see the failure, and the row stays as it is (not sent twice).
    del smtp.sink.refuse["jeanne@example.org"]
    assert sending.send([row.pk], now=row.next_attempt_at + timedelta(days=1)) == {}


def test_an_unreachable_server_is_retried(clinic: Clinic, settings: object) -> None:
    from tests.serving import free_port

    settings.MAILERS = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    clinic.book(START)
    deliver_all()
    row = Notification.objects.get()
    assert (row.status, row.reason) == ("pending", "unreachable")
    assert "could not be reached" in row.last_error
