"""Sync governance, end to end with the Google emulator (docs/calendar-sync.md, "Governance").

Members go through the real pages and the real OAuth web flow: the connect form sends the browser
to the emulator's consent endpoint, which approves at once and sends it back to Carnet's callback
with a code and the state. "The worker" runs the tasks the pages enqueue, after the commit.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
from django.contrib.admin.sites import site as admin_site
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from carnet.calsync import governance, tasks, views
from carnet.calsync.consumer import handle
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.inbox.models import NoticeKind, StaffNotification
from carnet.practices import policy
from carnet.practices.models import AuditEntry, Membership, Role
from carnet.scheduling import booking
from carnet.scheduling.models import PersonalEvent
from carnet.scheduling.models.outbox import Delivery, DeliveryStatus
from tests import factories
from tests.calsync.conftest import ACCOUNT, CLIENT_ID, Clinic, user_service
from tests.calsync.test_sync import book, google_events, next_monday

pytestmark = pytest.mark.django_db


@dataclass
class Team:
    """The clinic's people: an admin, the doctor's own login, an assistant for the doctor
    working in the second center only, and a colleague nobody else manages."""

    clinic: Clinic
    second_center: Any
    admin: Any
    doctor_user: Any
    assistant: Any
    colleague: Any

    def client(self, user: Any) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    @property
    def slug(self) -> str:
        return str(self.clinic.practice.slug)


@pytest.fixture
def team(clinic: Clinic) -> Team:
    practice = clinic.practice
    practice.language = "en"  # pages and letters in the practice's language: English here
    practice.save()
    second = factories.center(practice, "Annexe des Lilas")
    admin = factories.member(practice, Role.ADMIN, "admin@example.org")
    doctor_user = factories.member(practice, Role.PRACTITIONER, "doctor@example.org")
    clinic.doctor.user = doctor_user
    clinic.doctor.save()
    assistant = factories.member(practice, Role.ASSISTANT, "assistant@example.org")
    assisting = Membership.objects.get(user=assistant, practice=practice)
    assisting.practitioners.set([clinic.doctor])
    assisting.centers.set([second])
    colleague = factories.practitioner(practice, "Dr Colleague")
    return Team(clinic, second, admin, doctor_user, assistant, colleague)


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job queue's worker, at once: what the pages enqueue after the commit runs inline."""
    inline = SimpleNamespace(
        start=SimpleNamespace(enqueue=lambda pk: tasks.start.call(pk)),
        remove_events=SimpleNamespace(enqueue=lambda pk: tasks.remove_events.call(pk)),
        pull=SimpleNamespace(enqueue=lambda pk: None),
    )
    monkeypatch.setattr(governance, "tasks", inline)
    monkeypatch.setattr(views, "tasks", inline)


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Callable[[], Any]:
    """Run a block as if its transaction committed (emails and enqueued jobs go out)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sync_page(team: Team) -> str:
    return reverse("calendar_sync:page", kwargs={"practice_slug": team.slug})


def connect_through_google(
    client: Client,
    team: Team,
    practitioner: Any,
    *,
    center: Any = None,
    account: str = "",
) -> Any:
    """Fill the connect form, consent at the emulator, come back to the callback.

    The form asks members of several centers where they work from (the main center unless
    said); an assistant of one center is not asked.
    """
    form: dict[str, Any] = {"practitioner": practitioner.pk, "direction": "two_way"}
    form["privacy"] = "name"
    form["center"] = (center or team.clinic.center).pk
    answer = client.post(sync_page(team), form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    consent = answer["Location"]
    if account:
        consent += f"&login_hint={quote(account)}"
    back = requests.get(consent, allow_redirects=False, timeout=10)
    assert back.status_code in (302, 303), back.text
    callback = urlsplit(back.headers["Location"])
    assert "code=" in callback.query
    return client.get(f"{callback.path}?{callback.query}", follow=True)


def page_text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def switch_center(client: Client, team: Team, center: Any, back: str) -> None:
    url = reverse("calendar_sync:center", kwargs={"practice_slug": team.slug})
    assert client.post(url, {"center": center.pk, "next": back}).status_code == 302


def carnet_calendars(google: GoogleCalendarEmulator) -> list[dict[str, Any]]:
    return [c for c in google.state()["calendars"] if c.get("createdByClient") == CLIENT_ID]


def live_grants(google: GoogleCalendarEmulator) -> int:
    return sum(
        1
        for grant in google.oauth.grants.values()
        if grant.client_id == CLIENT_ID and not grant.revoked
    )


# --- who may connect which agenda ----------------------------------------------------------------


def test_each_role_may_connect_exactly_the_agendas_it_manages(team: Team) -> None:
    practice = team.clinic.practice
    doctor, colleague = team.clinic.doctor, team.colleague

    def reach(user: Any) -> set[int]:
        member = Membership.objects.get(user=user, practice=practice)
        return set(policy.calendar_practitioners(member).values_list("pk", flat=True))

    assert reach(team.admin) == {doctor.pk, colleague.pk}
    assert reach(team.doctor_user) == {doctor.pk}
    assert reach(team.assistant) == {doctor.pk}  # linked to the doctor, whatever the center
    page = page_text(team.client(team.assistant).get(sync_page(team)))
    assert doctor.display_name in page and colleague.display_name not in page


def test_an_assistant_is_refused_another_agenda(google: GoogleCalendarEmulator, team: Team) -> None:
    client = team.client(team.assistant)
    # The form does not offer it, and posting it anyway begins nothing.
    answer = client.post(
        sync_page(team),
        {"practitioner": team.colleague.pk, "direction": "two_way", "privacy": "name"},
    )
    assert answer.status_code == 200
    assert "Select a valid choice" in page_text(answer)
    # A forged request waiting in the session, for the colleague: the callback answers 404.
    session = client.session
    session["calsync_oauth"] = {
        "forged": {
            "practice": team.clinic.practice.pk,
            "practitioner": team.colleague.pk,
            "direction": "two_way",
            "privacy": "name",
            "center": None,
            "verifier": "",
        }
    }
    session.save()
    assert client.get("/calsync/google/callback?state=forged&code=x").status_code == 404
    assert not CalendarConnection.objects.filter(practitioner=team.colleague).exists()
    # The colleague's connection, made by an admin, cannot be touched by the assistant.
    theirs = CalendarConnection.objects.create(
        practice=team.clinic.practice, practitioner=team.colleague, account_email="c@example.org"
    )
    for name in ("choices", "disconnect"):
        url = reverse(
            f"calendar_sync:{name}",
            kwargs={"practice_slug": team.slug, "connection_id": theirs.pk},
        )
        assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == ConnectionState.PENDING


# --- the whole approval flow --------------------------------------------------------------------


def test_an_assistant_requests_and_an_admin_approves_from_the_right_center(
    google: GoogleCalendarEmulator, team: Team, worker: None, committed: Callable[[], Any]
) -> None:
    booked = [book(team.clinic, next_monday(time(9)) + timedelta(minutes=30 * i)) for i in range(3)]
    assistant = team.client(team.assistant)
    with committed():
        done = connect_through_google(assistant, team, team.clinic.doctor)
    assert "Syncing starts once an admin of the practice approves it." in page_text(done)
    connection = CalendarConnection.objects.get(practitioner=team.clinic.doctor)
    assert connection.state == ConnectionState.PENDING
    assert connection.center == team.second_center  # the assistant's only center
    assert connection.account_email == ACCOUNT
    # Nothing synced, no calendar created, before the approval.
    assert carnet_calendars(google) == []
    # Every admin is told: one email, one notification each, linking to the approval page.
    [letter] = mail.outbox
    assert letter.to == ["admin@example.org"]
    assert "assistant@example.org" in letter.body and team.second_center.name in letter.body
    approval = reverse(
        "calendar_sync:approval",
        kwargs={"practice_slug": team.slug, "connection_id": connection.pk},
    )
    assert approval in letter.body
    [notice] = StaffNotification.objects.filter(kind=NoticeKind.APPROVAL_REQUESTED)
    assert notice.recipient.user == team.admin and notice.link == approval

    admin = team.client(team.admin)
    # The admin works from the main center: approving is refused, the page says where to go.
    switch_center(admin, team, team.clinic.center, approval)
    page = page_text(admin.get(approval))
    assert f"Switch to {team.second_center.name}" in page
    refused = admin.post(approval, {"decision": "approve"}, follow=True)
    assert "it can only be approved or refused while you work from" in page_text(refused)
    connection.refresh_from_db()
    assert connection.state == ConnectionState.PENDING
    assert carnet_calendars(google) == []

    switch_center(admin, team, team.second_center, approval)
    mail.outbox.clear()
    with committed():
        approved = admin.post(approval, {"decision": "approve"}, follow=True)
    assert "Approved" in page_text(approved)
    connection.refresh_from_db()
    assert connection.state == ConnectionState.ACTIVE, connection.last_error
    assert (connection.backfill_done, connection.backfill_total) == (3, 3)
    assert len(carnet_calendars(google)) == 1
    assert len(google_events(google, connection)) == len(booked)
    # The requester is told, by email and in Carnet.
    [letter] = mail.outbox
    assert letter.to == ["assistant@example.org"] and "approved" in letter.body
    assert StaffNotification.objects.filter(
        kind=NoticeKind.CONNECTION_APPROVED, recipient__user=team.assistant
    ).exists()
    # The audit log: requested and approved, both from the second center.
    entries = AuditEntry.objects.filter(subject=f"calendar-connection:{connection.pk}")
    trail = {entry.action: entry for entry in entries}
    assert set(trail) == {"calendar.requested", "calendar.approved"}
    assert trail["calendar.requested"].actor == team.assistant
    assert trail["calendar.approved"].actor == team.admin
    assert {entry.detail["center"] for entry in entries} == {team.second_center.name}


def test_an_admin_refuses_and_the_requester_is_told(
    google: GoogleCalendarEmulator, team: Team, committed: Callable[[], Any]
) -> None:
    doctor = team.client(team.doctor_user)
    with committed():
        connect_through_google(doctor, team, team.clinic.doctor, center=team.clinic.center)
    connection = CalendarConnection.objects.get(practitioner=team.clinic.doctor)
    assert connection.center == team.clinic.center
    assert live_grants(google) == 1
    admin = team.client(team.admin)
    approval = reverse(
        "calendar_sync:approval",
        kwargs={"practice_slug": team.slug, "connection_id": connection.pk},
    )
    switch_center(admin, team, team.clinic.center, approval)
    mail.outbox.clear()
    with committed():
        admin.post(approval, {"decision": "deny"})
    connection.refresh_from_db()
    assert connection.state == ConnectionState.REVOKED
    assert connection.refresh_token == "" and live_grants(google) == 0
    assert carnet_calendars(google) == []
    [letter] = mail.outbox
    assert letter.to == ["doctor@example.org"] and "refused" in letter.body
    assert StaffNotification.objects.filter(
        kind=NoticeKind.CONNECTION_DENIED, recipient__user=team.doctor_user
    ).exists()
    assert AuditEntry.objects.filter(action="calendar.denied", actor=team.admin).exists()


def test_an_admin_connects_directly(
    google: GoogleCalendarEmulator, team: Team, worker: None, committed: Callable[[], Any]
) -> None:
    book(team.clinic, next_monday(time(9)))
    with committed():
        done = connect_through_google(team.client(team.admin), team, team.clinic.doctor)
    assert "Carnet is creating the calendar" in page_text(done)
    connection = CalendarConnection.objects.get(practitioner=team.clinic.doctor)
    assert connection.state == ConnectionState.ACTIVE
    assert connection.backfill_done == connection.backfill_total == 1
    assert mail.outbox == []  # nobody to ask
    assert not StaffNotification.objects.filter(kind=NoticeKind.APPROVAL_REQUESTED).exists()
    assert AuditEntry.objects.filter(action="calendar.connected", actor=team.admin).exists()


# --- one Google account, one agenda -----------------------------------------------------------


def test_one_google_account_cannot_be_linked_to_two_agendas(
    google: GoogleCalendarEmulator, team: Team, committed: Callable[[], Any]
) -> None:
    admin = team.client(team.admin)
    with committed():
        connect_through_google(admin, team, team.clinic.doctor)
    assert live_grants(google) == 1
    with committed():
        refused = connect_through_google(admin, team, team.colleague)
    text = page_text(refused)
    assert (
        f"The Google account {ACCOUNT} is already linked to the agenda of "
        f"{team.clinic.doctor.display_name}" in text
    )
    assert not CalendarConnection.objects.filter(practitioner=team.colleague).exists()
    # Not revoked: at Google, revoking withdraws the account's whole grant to Carnet, which
    # would cut the agenda already linked to it.
    assert live_grants(google) == 2
    first = CalendarConnection.objects.get(practitioner=team.clinic.doctor)
    assert first.state == ConnectionState.ACTIVE
    # Another account for the colleague is fine.
    with committed():
        connect_through_google(admin, team, team.colleague, account="other@example.com")
    assert CalendarConnection.objects.get(practitioner=team.colleague).account_email == (
        "other@example.com"
    )


def test_the_database_refuses_a_second_live_link_of_one_account(team: Team) -> None:
    practice = team.clinic.practice
    CalendarConnection.objects.create(
        practice=practice, practitioner=team.clinic.doctor, account_email=ACCOUNT
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarConnection.objects.create(
            practice=practice, practitioner=team.colleague, account_email=ACCOUNT
        )
    # A disconnected link does not count.
    CalendarConnection.objects.filter(practitioner=team.clinic.doctor).update(
        state=ConnectionState.REVOKED
    )
    CalendarConnection.objects.create(
        practice=practice, practitioner=team.colleague, account_email=ACCOUNT
    )


# --- redo without damage ----------------------------------------------------------------------


@dataclass
class Redone:
    first: CalendarConnection
    again: CalendarConnection


@pytest.fixture
def redone(
    google: GoogleCalendarEmulator, team: Team, worker: None, committed: Callable[[], Any]
) -> Redone:
    """Connect (admin), backfill three appointments, pull one Google event, disconnect, then
    connect again through the assistant and the admin's approval (the seed's "retry")."""
    for i in range(3):
        book(team.clinic, next_monday(time(9)) + timedelta(minutes=30 * i))
    admin = team.client(team.admin)
    with committed():
        connect_through_google(admin, team, team.clinic.doctor)
    first = CalendarConnection.objects.get(practitioner=team.clinic.doctor)
    assert first.backfill_done == 3
    # The practitioner adds busy time in Google; Carnet pulls it.
    user_service(google).events().insert(
        calendarId=first.calendar_id,
        body={
            "summary": "Dentist",
            "start": {"dateTime": next_monday(time(15)).isoformat()},
            "end": {"dateTime": next_monday(time(16)).isoformat()},
        },
    ).execute()
    tasks.pull.call(first.pk)
    assert PersonalEvent.objects.filter(practitioner=team.clinic.doctor).count() == 1
    disconnect = reverse(
        "calendar_sync:disconnect", kwargs={"practice_slug": team.slug, "connection_id": first.pk}
    )
    with committed():
        admin.post(disconnect)
    first.refresh_from_db()
    assert first.state == ConnectionState.REVOKED
    with committed():
        connect_through_google(team.client(team.assistant), team, team.clinic.doctor)
    again = CalendarConnection.objects.get(
        practitioner=team.clinic.doctor, state=ConnectionState.PENDING
    )
    approval = reverse(
        "calendar_sync:approval", kwargs={"practice_slug": team.slug, "connection_id": again.pk}
    )
    switch_center(admin, team, team.second_center, approval)
    with committed():
        admin.post(approval, {"decision": "approve"})
    again.refresh_from_db()
    assert again.state == ConnectionState.ACTIVE, again.last_error
    return Redone(first, again)


def test_connecting_again_duplicates_nothing_in_google(
    google: GoogleCalendarEmulator, redone: Redone
) -> None:
    assert redone.again.calendar_id == redone.first.calendar_id
    assert len(carnet_calendars(google)) == 1
    assert len(google_events(google, redone.again)) == 3 + 1  # three appointments, the dentist


def test_connecting_again_duplicates_no_busy_time_in_carnet(team: Team, redone: Redone) -> None:
    assert PersonalEvent.objects.filter(practitioner=team.clinic.doctor).count() == 1


# --- broken connections and the health page ----------------------------------------------------


def test_a_revoked_token_shows_broken_and_sends_one_email(
    google: GoogleCalendarEmulator, team: Team, worker: None, committed: Callable[[], Any]
) -> None:
    with committed():
        connect_through_google(team.client(team.admin), team, team.clinic.doctor)
    appointment = book(team.clinic, next_monday(time(9)))
    google.oauth.revoke_user(ACCOUNT)
    google.oauth.expire_access_tokens()
    mail.outbox.clear()
    with committed():
        for hour in (10, 11, 14):  # several failures in a row
            moved = booking.reschedule(
                team.clinic.practice, appointment, start=next_monday(time(hour))
            )
            if moved.event is not None:
                handle(moved.event)
            appointment.refresh_from_db()
    connection = CalendarConnection.objects.get(practitioner=team.clinic.doctor)
    assert connection.state == ConnectionState.BROKEN
    [letter] = mail.outbox
    assert sorted(letter.to) == ["admin@example.org", "doctor@example.org"]
    assert "Nothing was deleted" in letter.body and "connect again" in letter.body
    broken = StaffNotification.objects.filter(kind=NoticeKind.CONNECTION_BROKEN)
    assert sorted(n.recipient.user.email for n in broken) == [
        "admin@example.org",
        "doctor@example.org",
    ]
    health = page_text(
        team.client(team.admin).get(
            reverse("calendar_sync:health", kwargs={"practice_slug": team.slug})
        )
    )
    assert "Broken" in health
    assert "Google no longer accepts Carnet's access" in health
    assert "Disconnect, then connect again with the same Google account." in health
    assert AuditEntry.objects.filter(action="calendar.broken").count() == 1


def test_the_health_page_shows_waiting_changes_backfill_and_pending_requests(
    google: GoogleCalendarEmulator, team: Team
) -> None:
    practice = team.clinic.practice
    active = CalendarConnection.objects.create(
        practice=practice,
        practitioner=team.clinic.doctor,
        state=ConnectionState.ACTIVE,
        account_email=ACCOUNT,
        backfill_total=12,
        backfill_done=5,
        last_error="Google answered 503",
    )
    for hour in (9, 11):
        booking.book(
            practice,
            appointment_type=team.clinic.kind,
            patient=team.clinic.patient,
            practitioner=team.clinic.doctor,
            center=team.clinic.center,
            start=next_monday(time(hour)),
        )
    waiting = Delivery.objects.filter(consumer="calendar-sync").order_by("pk")
    assert waiting.count() == 2
    waiting.filter(pk=waiting[0].pk).update(status=DeliveryStatus.DONE)  # the first went out
    CalendarConnection.objects.create(
        practice=practice, practitioner=team.colleague, account_email="c@example.org"
    )
    response = team.client(team.admin).get(
        reverse("calendar_sync:health", kwargs={"practice_slug": team.slug})
    )
    text = page_text(response)
    assert "5 of 12" in text
    assert "Google was busy or could not be reached for a moment." in text
    assert "Waiting for approval" in text and "Approve or refuse" in text
    section = response.content.decode().split(f'data-connection="{active.pk}"')[1]
    assert '<dd class="waiting">1</dd>' in section.split("</section>")[0]
    # Not for the practitioner or the assistant.
    for user in (team.doctor_user, team.assistant):
        url = reverse("calendar_sync:health", kwargs={"practice_slug": team.slug})
        assert team.client(user).get(url).status_code == 404


# --- the audit log ----------------------------------------------------------------------------


def test_the_audit_log_is_read_only_for_admins(team: Team, google: GoogleCalendarEmulator) -> None:
    connection = CalendarConnection.objects.create(
        practice=team.clinic.practice, practitioner=team.clinic.doctor, account_email=ACCOUNT
    )
    choices = reverse(
        "calendar_sync:choices",
        kwargs={"practice_slug": team.slug, "connection_id": connection.pk},
    )
    admin = team.client(team.admin)
    switch_center(admin, team, team.second_center, sync_page(team))
    admin.post(
        choices, {f"c{connection.pk}-direction": "one_way", f"c{connection.pk}-privacy": "initials"}
    )
    [entry] = AuditEntry.objects.filter(action="calendar.choices")
    assert entry.detail["before"] == {"direction": "two_way", "privacy": "name"}
    assert entry.detail["after"] == {"direction": "one_way", "privacy": "initials"}
    audit = reverse("workspace:audit", kwargs={"practice_slug": team.slug})
    text = page_text(admin.get(audit))
    assert "Changed a calendar connection's direction or privacy" in text
    assert f"From center: {team.second_center.name}" in text
    assert admin.post(audit).status_code == 405
    for user in (team.doctor_user, team.assistant):
        assert team.client(user).get(audit).status_code == 404
    # The operators' admin shows entries but cannot add, change or delete one.
    operator = factories.user(is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = operator
    model_admin = admin_site._registry[AuditEntry]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


@pytest.fixture(autouse=True)
def _no_leftover_mail() -> Iterator[None]:
    mail.outbox = []
    yield
