"""What sync must never do: cancel an appointment it only moved away, let one broken account
stop everyone's sync, bring back a disconnected calendar, answer a webhook with a 500, or keep
sending patients' names to a member who left."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from carnet.calsync import sync, tasks
from carnet.calsync.connections import mark_broken
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.practices.members import remove_member
from carnet.practices.models import Membership, Role
from carnet.scheduling import booking
from carnet.scheduling.models import AppointmentStatus
from tests import factories
from tests.calsync.conftest import ACCOUNT, Clinic, connect
from tests.calsync.test_sync import book, deliver, google_events, next_monday, started

pytestmark = pytest.mark.django_db


def test_an_appointment_moved_to_a_colleague_leaves_the_calendar_and_stays_booked(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    colleague = factories.practitioner(clinic.practice)
    factories.weekly_hours(colleague, clinic.center)
    clinic.kind.practitioners.add(colleague)
    connection = started(google, clinic)
    appointment = book(clinic, next_monday(time(9)))
    deliver(
        booking.reschedule(
            clinic.practice, appointment, start=next_monday(time(9)), practitioner=colleague
        )
    )
    assert google_events(google, connection) == []
    sync.run_pull(connection.pk)  # Google reports the deletion Carnet made
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.practitioner_id == colleague.pk


def test_one_account_that_withdrew_access_does_not_stop_the_poll(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    CalendarConnection.objects.filter(pk=connection.pk).update(
        channel_expires_at=timezone.now() + timedelta(hours=1)  # due for renewal
    )
    google.oauth.revoke_user(ACCOUNT)
    google.oauth.expire_access_tokens()
    assert tasks.poll() == 1  # no exception: the next connections would still be served
    connection.refresh_from_db()
    assert connection.state == ConnectionState.BROKEN


def test_a_late_failure_does_not_bring_back_a_disconnected_calendar(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = connect(google, clinic)
    CalendarConnection.objects.filter(pk=connection.pk).update(state=ConnectionState.REVOKED)
    assert mark_broken(connection, "Google refused") is False
    connection.refresh_from_db()
    assert connection.state == ConnectionState.REVOKED


def test_a_webhook_with_a_strange_token_is_refused_without_error(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    answer = Client().post(
        "/calsync/google/notify",
        headers={
            "X-Goog-Channel-ID": connection.channel_id,
            "X-Goog-Channel-Token": "é" * 10,
            "X-Goog-Resource-State": "exists",
        },
    )
    assert answer.status_code == 404


def test_a_member_who_leaves_takes_no_calendar_of_the_practice_with_them(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    assistant = factories.member(clinic.practice, Role.ASSISTANT)
    connection = connect(google, clinic)
    CalendarConnection.objects.filter(pk=connection.pk).update(requested_by=assistant)
    remove_member(Membership.objects.get(user=assistant, practice=clinic.practice), actor=None)
    connection.refresh_from_db()
    assert connection.state == ConnectionState.REVOKED
