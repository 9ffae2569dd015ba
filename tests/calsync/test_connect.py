"""Connecting a calendar through the OAuth web flow, and Google's push webhook.

The browser's trip to Google is made by hand here: the emulator's authorization endpoint
approves at once and redirects back with a code, as Google does after the consent screen.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from carnet.calsync import sync, tasks
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.jobs.queue import huey
from carnet.practices.models import Membership, Role
from carnet.scheduling.models import Appointment, AppointmentStatus
from tests import factories
from tests.calsync.conftest import ACCOUNT, Clinic, connect
from tests.calsync.test_sync import book, google_events, next_monday

pytestmark = pytest.mark.django_db


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def consent(url: str) -> str:
    """What the browser does at Google: sign in, allow, come back. The address it comes back to."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url)
    except urllib.error.HTTPError as answer:
        assert answer.code in (302, 303), answer.code
        return str(answer.headers["Location"])
    raise AssertionError("the authorization endpoint did not redirect")


def member_client(clinic: Clinic, role: str) -> tuple[Client, Membership]:
    user = factories.member(clinic.practice, role=role)
    membership = Membership.objects.get(user=user, practice=clinic.practice)
    if role == Role.PRACTITIONER:
        clinic.doctor.user = user
        clinic.doctor.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    return client, membership


def page(clinic: Clinic) -> str:
    return f"/app/{clinic.practice.slug}/settings/calendar-sync/"


def go_through_google(client: Client, clinic: Clinic, **choices: str) -> str:
    form = {"practitioner": str(clinic.doctor.pk), "direction": "two_way", "privacy": "name"}
    response = client.post(page(clinic), form | choices)
    assert response.status_code == 302, response.content[:500]
    back = consent(response["Location"])
    parts = urlsplit(back)
    assert parts.path == "/calsync/google/callback"
    return f"{parts.path}?{parts.query}"


def test_an_admin_connects_and_the_sync_starts(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    client, _membership = member_client(clinic, Role.ADMIN)
    assert b"Connect with Google" in client.get(page(clinic)).content
    callback = go_through_google(client, clinic, privacy="initials")
    response = client.get(callback)
    assert response.status_code == 302 and response["Location"] == page(clinic)

    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    assert connection.state == ConnectionState.ACTIVE
    assert connection.account_email == ACCOUNT
    assert connection.privacy == "initials"
    assert "calendar.app.created" in connection.scope
    # Tokens are stored sealed: the clear token appears nowhere in the row.
    grant_tokens = {g.refresh_token for g in google.oauth.grants.values()}
    assert not any(token in connection.refresh_token for token in grant_tokens)

    sync.start(connection)
    shown = client.get(page(clinic)).content.decode()
    assert f"Carnet - {clinic.doctor.display_name}" in shown


def test_a_practitioners_connection_waits_for_approval_and_syncs_nothing(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    client, _membership = member_client(clinic, Role.PRACTITIONER)
    client.get(go_through_google(client, clinic))
    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    assert connection.state == ConnectionState.PENDING
    assert "Waiting for an admin" in client.get(page(clinic)).content.decode()
    made_by_carnet = [
        c
        for c in google.state()["calendars"]
        if c["createdByClient"] == "carnet-test.apps.googleusercontent.com"
    ]
    assert made_by_carnet == []


def test_an_expired_or_forged_callback_changes_nothing(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    client, _membership = member_client(clinic, Role.ADMIN)
    response = client.get("/calsync/google/callback?code=4/forged&state=forged")
    assert response.status_code == 400
    assert b"expired" in response.content
    callback = go_through_google(client, clinic)
    query = parse_qs(urlsplit(callback).query)
    refused = f"/calsync/google/callback?error=access_denied&state={query['state'][0]}"
    client.get(refused)
    assert not CalendarConnection.objects.exists()


def test_a_second_connection_of_the_same_agenda_is_refused(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connect(google, clinic)
    client, _membership = member_client(clinic, Role.ADMIN)
    form = {"practitioner": str(clinic.doctor.pk), "direction": "two_way", "privacy": "name"}
    response = client.post(page(clinic), form)
    assert response.status_code == 200  # the form refuses: that agenda is not offered any more
    assert CalendarConnection.objects.count() == 1


def test_an_assistant_cannot_connect_an_agenda_they_are_not_linked_to(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    client, _membership = member_client(clinic, Role.ASSISTANT)
    form = {"practitioner": str(clinic.doctor.pk), "direction": "two_way", "privacy": "name"}
    response = client.post(page(clinic), form)
    assert response.status_code == 200
    assert not CalendarConnection.objects.exists()


def test_disconnecting_revokes_the_grant_and_deletes_nothing_anywhere(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    appointment = book(clinic, next_monday(time(9)))
    connection = connect(google, clinic)
    sync.start(connection)
    connection.refresh_from_db()
    client, _membership = member_client(clinic, Role.ADMIN)
    response = client.post(f"{page(clinic)}{connection.pk}/disconnect/")
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.state == ConnectionState.REVOKED
    assert connection.refresh_token == ""
    assert all(grant.revoked for grant in google.oauth.grants.values())
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert len(google_events(google, connection)) == 1  # left in Google: not asked to remove


def test_disconnecting_can_remove_what_carnet_put_in_google(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    django_capture_on_commit_callbacks: Any,
) -> None:
    book(clinic, next_monday(time(9)))
    connection = connect(google, clinic)
    sync.start(connection)
    client, _membership = member_client(clinic, Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{page(clinic)}{connection.pk}/disconnect/", {"remove_events": "on"})
    tasks.remove_events.call(connection.pk)
    assert [c for c in google.state()["calendars"] if c["id"] == connection.calendar_id] == []
    assert Appointment.objects.filter(practitioner=clinic.doctor).count() == 1


# --- the push webhook --------------------------------------------------------------------------


def test_the_webhook_checks_the_channel_and_its_token_then_queues_a_pull(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = connect(google, clinic)
    sync.start(connection)
    connection.refresh_from_db()
    client = Client()
    headers = {
        "X-Goog-Channel-ID": connection.channel_id,
        "X-Goog-Resource-State": "exists",
        "X-Goog-Resource-ID": connection.channel_resource_id,
    }
    wrong = client.post(
        "/calsync/google/notify", headers=headers | {"X-Goog-Channel-Token": "guess"}
    )
    assert wrong.status_code == 404
    assert client.post("/calsync/google/notify").status_code == 400
    before = huey.pending_count()
    right = client.post(
        "/calsync/google/notify",
        headers=headers | {"X-Goog-Channel-Token": connection.channel_token},
    )
    assert right.status_code == 204
    assert huey.pending_count() == before + 1
