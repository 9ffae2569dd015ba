"""Staff notifications: the bell's count, the page, opening one, marking all read; who is told
of a sync conflict and of a message to a patient that could not be sent."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import ScopeError, scope

from carnet.calsync.models import CalendarConnection, ConflictKind, SyncConflict
from carnet.inbox import notify_conflict
from carnet.inbox.models import NoticeKind, StaffNotification
from carnet.inbox.notices import notify
from carnet.notifications import log
from carnet.notifications.models import Channel, Kind, Notification, Reason
from carnet.practices.models import Membership, Role
from carnet.scheduling.models import Appointment
from tests import factories

pytestmark = pytest.mark.django_db


class Office:
    def __init__(self) -> None:
        self.practice = factories.practice(language="en")
        self.center = factories.center(self.practice)
        self.admin = factories.member(self.practice, Role.ADMIN, "boss@example.org")
        self.owner = factories.member(self.practice, Role.OWNER, "owner@example.org")
        self.doctor_user = factories.member(self.practice, Role.PRACTITIONER, "doc@example.org")
        self.assistant = factories.member(self.practice, Role.ASSISTANT)
        self.doctor = factories.practitioner(self.practice, "Dr Lune", user=self.doctor_user)
        kind = factories.appointment_type(self.practice, [self.doctor])
        patient = factories.patient(self.practice, first_name="Anne", last_name="Roy")
        start = timezone.now() + timedelta(days=2)
        self.appointment = Appointment.objects.create(
            practice=self.practice,
            center=self.center,
            practitioner=self.doctor,
            patient=patient,
            appointment_type=kind,
            start=start,
            end=start + timedelta(minutes=30),
        )

    def membership(self, user: Any) -> Membership:
        return Membership.objects.get(user=user, practice=self.practice)

    def client(self, user: Any) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    @property
    def page(self) -> str:
        return reverse("inbox:list", kwargs={"practice_slug": self.practice.slug})


@pytest.fixture
def office() -> Office:
    return Office()


def text(response: Any) -> str:
    """What a reader sees: the page without its tags."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def test_the_bell_counts_unread_notifications_and_the_page_lists_them(office: Office) -> None:
    link = reverse(
        "workspace:appointment_detail",
        kwargs={"practice_slug": office.practice.slug, "public_id": office.appointment.public_id},
    )
    for _ in range(2):
        notify(
            office.practice,
            [office.membership(office.admin)],
            NoticeKind.CONNECTION_BROKEN,
            {"practitioner": "Dr Lune", "account": "lune@example.com"},
            link,
        )
    client = office.client(office.admin)
    today = text(
        client.get(reverse("workspace:today", kwargs={"practice_slug": office.practice.slug}))
    )
    assert "Notifications 2 unread" in today
    listing = text(client.get(office.page))
    assert listing.count("Google Calendar no longer accepts Carnet for Dr Lune's agenda") == 2
    # Opening one marks it read and leads to what it is about.
    first = StaffNotification.objects.filter(recipient__user=office.admin).first()
    assert first is not None
    opened = client.post(office.page, {"open": first.pk})
    assert opened.status_code == 302 and opened["Location"] == link
    first.refresh_from_db()
    assert first.read_at is not None
    assert "Notifications 1 unread" in text(client.get(office.page))
    # "Mark all as read" clears the count.
    client.post(office.page, {"all": "1"})
    assert not StaffNotification.objects.filter(read_at__isnull=True).exists()
    assert "unread" not in text(client.get(office.page))


def test_a_member_never_reaches_another_members_notification(office: Office) -> None:
    notify(
        office.practice,
        [office.membership(office.admin)],
        NoticeKind.CONNECTION_BROKEN,
        {"practitioner": "Dr Lune"},
        "/",
    )
    theirs = StaffNotification.objects.get()
    other = office.client(office.assistant)
    assert "Dr Lune" not in text(other.get(office.page))
    assert other.post(office.page, {"open": theirs.pk}).status_code == 404
    assert other.post(office.page, {"open": "garbage"}).status_code == 404
    other.post(office.page, {"all": "1"})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_link_elsewhere_is_never_followed(office: Office) -> None:
    notify(
        office.practice,
        [office.membership(office.admin)],
        NoticeKind.CONNECTION_BROKEN,
        {},
        "https://evil.example/",
    )
    notice = StaffNotification.objects.get()
    answer = office.client(office.admin).post(office.page, {"open": notice.pk})
    assert answer["Location"] == office.page


def test_a_sync_conflict_tells_the_practitioner_and_the_admins(office: Office) -> None:
    connection = CalendarConnection.objects.create(
        practice=office.practice, practitioner=office.doctor, account_email="lune@example.com"
    )
    conflict = SyncConflict.objects.create(
        connection=connection, appointment=office.appointment, kind=ConflictKind.TIME_TAKEN
    )
    assert notify_conflict(conflict) == 3
    told = StaffNotification.objects.filter(kind=NoticeKind.SYNC_CONFLICT)
    assert sorted(n.recipient.user.email for n in told) == [
        "boss@example.org",
        "doc@example.org",
        "owner@example.org",
    ]
    page = text(office.client(office.doctor_user).get(office.page))
    assert "Dr Lune: Moved in Google onto a time that is not free in Carnet" in page
    assert {n.link for n in told} == {
        reverse(
            "workspace:appointment_detail",
            kwargs={
                "practice_slug": office.practice.slug,
                "public_id": office.appointment.public_id,
            },
        )
    }


def test_a_message_that_fails_for_good_tells_the_admins_once(office: Office) -> None:
    now = timezone.now()
    row = Notification.objects.create(
        practice=office.practice,
        appointment=office.appointment,
        kind=Kind.REMINDER_SMS,
        channel=Channel.SMS,
        for_date=(now + timedelta(days=2)).date(),
        next_attempt_at=now,
    )
    token = log.claim([row.pk], now)
    row.refresh_from_db()
    assert row.claim == token
    log.mark_failed(row, Reason.REFUSED, "550 no")
    log.mark_failed(row, Reason.REFUSED, "550 no")  # not ours any more: nothing more
    told = StaffNotification.objects.filter(kind=NoticeKind.MESSAGE_FAILED)
    assert sorted(n.recipient.user.email for n in told) == ["boss@example.org", "owner@example.org"]
    page = text(office.client(office.admin).get(office.page))
    assert "Reminder SMS to Anne Roy could not be sent: the recipient was refused." in page


def test_notifications_are_practice_data_scoped_like_the_rest(office: Office) -> None:
    notify(office.practice, [office.membership(office.admin)], NoticeKind.CONNECTION_BROKEN, {})
    elsewhere = factories.practice()
    with scope(practice=elsewhere):
        assert not StaffNotification.objects.exists()
    with scope(practice=office.practice):
        assert StaffNotification.objects.count() == 1
    with scope(), pytest.raises(ScopeError):
        list(StaffNotification.objects.all())


def test_no_bell_outside_staff_pages(office: Office) -> None:
    page = Client().get(reverse("account_login")).content.decode()
    assert "inbox-bell" not in page
