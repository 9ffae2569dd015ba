"""Writing into one of the account's existing calendars instead of a dedicated one.

Through the Django test client, the emulator's consent endpoint and google-api-python-client,
as test_connect.py: the consent asks the full `calendar` scope; the member picks among the
calendars the account may change; nothing starts (and no admin is asked) before the pick; the
user's own events there become busy time; disconnecting with "remove" deletes only Carnet's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from carnet.calsync import existing_calendar, governance, tasks, views
from carnet.calsync.google.client import APP_CREATED_SCOPE, FULL_SCOPE
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.inbox.models import NoticeKind, StaffNotification
from carnet.practices.models import AuditEntry, Membership, Role
from carnet.scheduling import booking
from carnet.scheduling.errors import BookingError
from carnet.scheduling.models import PersonalEvent
from tests import factories
from tests.calsync.conftest import ACCOUNT, CLIENT_ID, Clinic, user_service
from tests.calsync.test_connect import consent, member_client, page
from tests.calsync.test_sync import book, google_events, next_monday

pytestmark = pytest.mark.django_db

NEIGHBOUR = "cabinet-voisin@example.com"


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job queue's worker, at once: what the pages enqueue after the commit runs inline."""
    inline = SimpleNamespace(
        start=SimpleNamespace(enqueue=lambda pk: tasks.start.call(pk)),
        remove_events=SimpleNamespace(enqueue=lambda pk: tasks.remove_events.call(pk)),
        pull=SimpleNamespace(enqueue=lambda pk: None),
    )
    for module in (governance, views, existing_calendar):
        monkeypatch.setattr(module, "tasks", inline)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[[], Any]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def calendars(google: GoogleCalendarEmulator) -> dict[str, str]:
    """The account's calendars: its main one, "Cabinet" (with the user's own dentist
    appointment next Monday at 14:00), one shared with it to change, one shared only to read."""
    mine = user_service(google)
    cabinet = mine.calendars().insert(body={"summary": "Cabinet"}).execute()["id"]
    start = next_monday(time(14))
    mine.events().insert(
        calendarId=cabinet,
        body={
            "summary": "Dentist",
            "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Paris"},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        },
    ).execute()
    grant = google.grant(NEIGHBOUR, [FULL_SCOPE], "google-calendar-web")
    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    neighbour = build(
        "calendar",
        "v3",
        credentials=Credentials(token=grant["access_token"]),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": google.api_endpoint},
    )
    shared = neighbour.calendars().insert(body={"summary": "Gardes partagées"}).execute()["id"]
    holidays = neighbour.calendars().insert(body={"summary": "Jours fériés"}).execute()["id"]
    google.share(shared, ACCOUNT, "writer")
    google.share(holidays, ACCOUNT, "reader")
    mine.calendars().get(calendarId="primary").execute()  # the main calendar exists
    return {"cabinet": cabinet, "shared": shared, "holidays": holidays, "primary": ACCOUNT}


def ask_google(client: Client, clinic: Clinic, choice: str = "existing") -> str:
    """The connect form, then the consent screen; the callback's address."""
    form = {
        "practitioner": str(clinic.doctor.pk),
        "calendar": choice,
        "direction": "two_way",
        "privacy": "name",
    }
    response = client.post(page(clinic), form)
    assert response.status_code == 302, response.content[:500]
    back = urlsplit(consent(response["Location"]))
    return f"{back.path}?{back.query}"


def picker(clinic: Clinic, connection: CalendarConnection) -> str:
    return reverse(
        "calendar_sync:pick_calendar",
        kwargs={"practice_slug": clinic.practice.slug, "connection_id": connection.pk},
    )


def carnet_made_calendars(google: GoogleCalendarEmulator) -> list[str]:
    return [c["summary"] for c in google.state()["calendars"] if c["createdByClient"] == CLIENT_ID]


def summaries(google: GoogleCalendarEmulator, calendar_id: str) -> list[str]:
    connection = CalendarConnection(calendar_id=calendar_id)
    return sorted(event.get("summary", "") for event in google_events(google, connection))


def test_the_consent_asks_the_full_calendar_scope_only_for_an_existing_calendar(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    client, _membership = member_client(clinic, Role.ADMIN)
    shown = client.get(page(clinic)).content.decode()
    assert "Where Carnet writes" in shown
    assert "One of my existing calendars" in shown
    form = {"practitioner": str(clinic.doctor.pk), "direction": "two_way", "privacy": "name"}
    existing = client.post(page(clinic), form | {"calendar": "existing"})
    scopes = parse_qs(urlsplit(existing["Location"]).query)["scope"][0].split()
    assert FULL_SCOPE in scopes and APP_CREATED_SCOPE not in scopes
    dedicated = client.post(page(clinic), form | {"calendar": "new"})
    scopes = parse_qs(urlsplit(dedicated["Location"]).query)["scope"][0].split()
    assert APP_CREATED_SCOPE in scopes and FULL_SCOPE not in scopes


def test_an_admin_picks_an_existing_calendar_and_the_sync_goes_there(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    calendars: dict[str, str],
    worker: None,
    committed: Callable[[], Any],
) -> None:
    book(clinic, next_monday(time(9)))
    client, _membership = member_client(clinic, Role.ADMIN)
    with committed():
        back = client.get(ask_google(client, clinic))
    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    assert back.status_code == 302 and back["Location"] == picker(clinic, connection)
    assert connection.state == ConnectionState.ACTIVE
    assert FULL_SCOPE in connection.scope.split()
    assert (connection.calendar_created, connection.calendar_id) == (False, "")
    assert carnet_made_calendars(google) == []  # nothing made, nothing started

    # The picker lists the calendars the account may change, and only those.
    shown = client.get(picker(clinic, connection)).content.decode()
    assert "Cabinet" in shown and "Gardes partagées" in shown and "(main calendar)" in shown
    assert "Jours fériés" not in shown
    assert "Choose the calendar" in client.get(page(clinic)).content.decode()

    with committed():
        chosen = client.post(picker(clinic, connection), {"calendar_id": calendars["cabinet"]})
    assert chosen.status_code == 302
    connection.refresh_from_db()
    assert (connection.calendar_id, connection.calendar_name) == (calendars["cabinet"], "Cabinet")
    assert connection.calendar_created is False
    assert connection.channel_id  # started: backfill done, calendar watched
    # The appointment is in Cabinet, next to the user's own event; no "Carnet - " calendar.
    assert summaries(google, calendars["cabinet"]) == ["Dentist", "Jeanne Martin"]
    assert carnet_made_calendars(google) == []
    # The user's own event there is busy time that blocks booking, as in a dedicated calendar.
    busy = PersonalEvent.objects.get(practitioner=clinic.doctor)
    assert busy.title == "Dentist"
    with pytest.raises(BookingError):
        booking.book(
            clinic.practice,
            appointment_type=clinic.kind,
            patient=clinic.other_patient,
            practitioner=clinic.doctor,
            start=next_monday(time(14, 30)),
            channel="online",
        )
    entry = AuditEntry.objects.get(action="calendar.chosen")
    assert entry.detail["calendar"] == "Cabinet"
    assert entry.detail["calendar_id"] == calendars["cabinet"]
    shown = client.get(page(clinic)).content.decode()
    assert "Cabinet" in shown and "Choose the calendar" not in shown
    # Once picked, the picker only leads back to the page.
    assert client.get(picker(clinic, connection)).status_code == 302


def test_disconnecting_with_remove_deletes_only_carnets_events_and_keeps_the_calendar(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    calendars: dict[str, str],
    worker: None,
    committed: Callable[[], Any],
) -> None:
    book(clinic, next_monday(time(9)))
    book(clinic, next_monday(time(10)), clinic.other_patient)
    client, _membership = member_client(clinic, Role.ADMIN)
    with committed():
        client.get(ask_google(client, clinic))
    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    with committed():
        client.post(picker(clinic, connection), {"calendar_id": calendars["cabinet"]})
    assert len(summaries(google, calendars["cabinet"])) == 3
    with committed():
        client.post(f"{page(clinic)}{connection.pk}/disconnect/", {"remove_events": "on"})
    assert summaries(google, calendars["cabinet"]) == ["Dentist"]
    assert calendars["cabinet"] in {c["id"] for c in google.state()["calendars"]}
    connection.refresh_from_db()
    assert connection.state == ConnectionState.REVOKED
    # Nothing deleted in Carnet: the busy time stays, the appointments too.
    assert PersonalEvent.objects.filter(practitioner=clinic.doctor).count() == 1


def test_a_forged_or_read_only_calendar_is_refused_and_nothing_is_saved(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    calendars: dict[str, str],
    worker: None,
    committed: Callable[[], Any],
) -> None:
    client, _membership = member_client(clinic, Role.ADMIN)
    with committed():
        client.get(ask_google(client, clinic))
    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    for forged in (calendars["holidays"], "someone-else@example.com", ""):
        with committed():
            answer = client.post(picker(clinic, connection), {"calendar_id": forged})
        assert answer.status_code == 400
    connection.refresh_from_db()
    assert connection.calendar_id == "" and connection.channel_id == ""
    assert not AuditEntry.objects.filter(action="calendar.chosen").exists()
    assert summaries(google, calendars["holidays"]) == []


def test_a_practitioners_request_reaches_the_admins_only_once_the_calendar_is_picked(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    calendars: dict[str, str],
    worker: None,
    committed: Callable[[], Any],
) -> None:
    book(clinic, next_monday(time(9)))
    admin_user = factories.member(clinic.practice, Role.ADMIN, "admin@example.org")
    client, _membership = member_client(clinic, Role.PRACTITIONER)
    with committed():
        back = client.get(ask_google(client, clinic))
    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    assert back["Location"] == picker(clinic, connection)
    assert connection.state == ConnectionState.PENDING
    assert not StaffNotification.objects.exists() and mail.outbox == []

    # An admin who finds the request anyway cannot approve it before the pick.
    admin = Client()
    admin.force_login(admin_user)
    approval = reverse(
        "calendar_sync:approval",
        kwargs={"practice_slug": clinic.practice.slug, "connection_id": connection.pk},
    )
    refused = admin.post(approval, {"decision": "approve"}, follow=True)
    assert "has not chosen yet" in refused.content.decode()
    connection.refresh_from_db()
    assert connection.state == ConnectionState.PENDING

    with committed():
        client.post(picker(clinic, connection), {"calendar_id": calendars["cabinet"]})
    [notice] = StaffNotification.objects.filter(kind=NoticeKind.APPROVAL_REQUESTED)
    assert notice.recipient.user == admin_user
    assert [letter.to for letter in mail.outbox] == [["admin@example.org"]]
    assert summaries(google, calendars["cabinet"]) == ["Dentist"]  # nothing before approval
    assert "Cabinet" in admin.get(approval).content.decode()

    with committed():
        admin.post(approval, {"decision": "approve"})
    connection.refresh_from_db()
    assert connection.state == ConnectionState.ACTIVE, connection.last_error
    assert summaries(google, calendars["cabinet"]) == ["Dentist", "Jeanne Martin"]
    assert carnet_made_calendars(google) == []


def test_only_those_who_manage_the_agenda_may_open_the_picker(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    calendars: dict[str, str],
    committed: Callable[[], Any],
) -> None:
    client, _membership = member_client(clinic, Role.ADMIN)
    with committed():
        client.get(ask_google(client, clinic))
    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    stranger, _membership = member_client(clinic, Role.ASSISTANT)  # linked to no practitioner
    assert stranger.get(picker(clinic, connection)).status_code == 404
    answer = stranger.post(picker(clinic, connection), {"calendar_id": calendars["cabinet"]})
    assert answer.status_code == 404
    linked = Membership.objects.get(user=factories.member(clinic.practice, Role.ASSISTANT))
    linked.practitioners.set([clinic.doctor])
    helper = Client()
    helper.force_login(linked.user)
    assert helper.get(picker(clinic, connection)).status_code == 200
    connection.refresh_from_db()
    assert connection.calendar_id == ""


def test_the_poll_never_starts_a_connection_waiting_for_its_calendar(
    google: GoogleCalendarEmulator, clinic: Clinic, calendars: dict[str, str]
) -> None:
    client, _membership = member_client(clinic, Role.ADMIN)
    client.get(ask_google(client, clinic))
    connection = CalendarConnection.objects.get(practitioner=clinic.doctor)
    CalendarConnection.objects.filter(pk=connection.pk).update(
        created_at=connection.created_at - timedelta(hours=1)
    )
    tasks.poll()
    from carnet.calsync import sync

    sync.start(connection)  # even if asked: no calendar is made
    assert carnet_made_calendars(google) == []
    connection.refresh_from_db()
    assert connection.calendar_id == ""


def test_picking_the_same_calendar_again_duplicates_no_busy_time(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    calendars: dict[str, str],
    worker: None,
    committed: Callable[[], Any],
) -> None:
    book(clinic, next_monday(time(9)))
    client, _membership = member_client(clinic, Role.ADMIN)
    for _round in range(2):
        with committed():
            client.get(ask_google(client, clinic))
        connection = CalendarConnection.objects.get(
            practitioner=clinic.doctor, state=ConnectionState.ACTIVE
        )
        with committed():
            client.post(picker(clinic, connection), {"calendar_id": calendars["cabinet"]})
        assert summaries(google, calendars["cabinet"]) == ["Dentist", "Jeanne Martin"]
        assert PersonalEvent.objects.filter(practitioner=clinic.doctor).count() == 1
        with committed():
            client.post(f"{page(clinic)}{connection.pk}/disconnect/")
