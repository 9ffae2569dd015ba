"""The Django admin: operators only, times in the practice's zone, no mixed tenants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone

from carnet.practices.models import Membership, Role
from carnet.scheduling.models import (
    Appointment,
    AppointmentType,
    PersonalEvent,
    ScheduleException,
    ScheduleLine,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.user(is_staff=True, is_superuser=True))
    return client


class Two:
    """Practice A (Paris) and B (Los Angeles), each with a center and a practitioner."""

    def __init__(self) -> None:
        self.a = factories.practice("A", time_zone="Europe/Paris")
        self.b = factories.practice("B", time_zone="America/Los_Angeles")
        self.a_center = factories.center(self.a)
        self.b_center = factories.center(self.b)
        self.a_practitioner = factories.practitioner(self.a, "Doctor A")
        self.b_practitioner = factories.practitioner(self.b, "Doctor B")


def personal_event_form(practice: Any, practitioner: Any, **extra: str) -> dict[str, str]:
    data = {
        "practice": str(practice.pk),
        "practitioner": str(practitioner.pk),
        "title": "Staff meeting",
        "start_0": "2030-01-15",
        "start_1": "09:00",
        "end_0": "2030-01-15",
        "end_1": "10:00",
        "time_zone": practice.time_zone,
        "rrule": "",
        "exdates": "[]",
        "source": "staff",
        "overrides-TOTAL_FORMS": "0",
        "overrides-INITIAL_FORMS": "0",
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


# --- operators only ------------------------------------------------------------------------------


def test_practice_staff_cannot_use_the_admin_even_with_every_permission() -> None:
    practice = factories.practice()
    owner = factories.member(practice, Role.OWNER)
    owner.is_staff = True
    owner.save()
    owner.user_permissions.set(Permission.objects.all())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner)
    for url in ("/admin/", "/admin/scheduling/appointment/", "/admin/patients/patient/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/")


def test_an_operator_gets_in(operator: Client) -> None:
    assert operator.get("/admin/").status_code == 200


def test_appointments_cannot_be_deleted_in_the_admin(operator: Client) -> None:
    two = Two()
    start = timezone.now() + timedelta(days=1)
    appointment = Appointment.objects.create(
        practice=two.a,
        center=two.a_center,
        practitioner=two.a_practitioner,
        patient=factories.patient(two.a),
        appointment_type=factories.appointment_type(two.a, [two.a_practitioner]),
        start=start,
        end=start + timedelta(minutes=30),
    )
    url = f"/admin/scheduling/appointment/{appointment.pk}/delete/"
    assert operator.get(url).status_code == 403
    assert operator.post(url, {"post": "yes"}).status_code == 403
    listing = operator.get("/admin/scheduling/appointment/")
    assert "delete_selected" not in listing.text
    response = operator.post(
        "/admin/scheduling/appointment/",
        {"action": "delete_selected", "_selected_action": [appointment.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302}
    assert Appointment.objects.filter(pk=appointment.pk).exists()


# --- times in the practice's zone ----------------------------------------------------------------


def test_times_are_entered_in_the_practices_zone(operator: Client) -> None:
    two = Two()
    response = operator.post(
        "/admin/scheduling/personalevent/add/",
        personal_event_form(two.b, two.b_practitioner),
    )
    assert response.status_code == 302, response.text
    event = PersonalEvent.objects.get(practitioner=two.b_practitioner)
    # 09:00 in Los Angeles in January is 17:00 UTC, not 09:00 UTC.
    assert event.start == datetime(2030, 1, 15, 17, 0, tzinfo=UTC)


def test_times_are_shown_in_the_practices_zone(operator: Client) -> None:
    two = Two()
    event = PersonalEvent.objects.create(
        practice=two.a,
        practitioner=two.a_practitioner,
        title="Lunch",
        start=datetime(2030, 7, 1, 10, 0, tzinfo=UTC),
        end=datetime(2030, 7, 1, 11, 0, tzinfo=UTC),
    )
    page = operator.get(f"/admin/scheduling/personalevent/{event.pk}/change/").text
    assert 'value="12:00:00"' in page  # Paris in summer is UTC+2
    assert "Europe/Paris" in page
    listing = operator.get("/admin/scheduling/personalevent/").text
    assert "2030-07-01 12:00 CEST" in listing


# --- no mixed tenants ----------------------------------------------------------------------------


def test_the_admin_refuses_a_personal_event_of_one_practice_under_another(
    operator: Client,
) -> None:
    two = Two()
    response = operator.post(
        "/admin/scheduling/personalevent/add/", personal_event_form(two.b, two.a_practitioner)
    )
    assert response.status_code == 200
    assert "This practitioner belongs to another practice." in response.text
    assert not PersonalEvent.objects.exists()


def test_the_admin_refuses_a_type_offered_by_another_practices_practitioner(
    operator: Client,
) -> None:
    two = Two()
    response = operator.post(
        "/admin/scheduling/appointmenttype/add/",
        {
            "practice": str(two.b.pk),
            "name": "Checkup",
            "duration_minutes": "30",
            "color": "#3b82f6",
            "practitioners": [str(two.a_practitioner.pk)],
            "buffer_before_minutes": "0",
            "buffer_after_minutes": "0",
            "is_active": "on",
            "schedule_lines-TOTAL_FORMS": "0",
            "schedule_lines-INITIAL_FORMS": "0",
            "schedule_lines-MIN_NUM_FORMS": "0",
            "schedule_lines-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "belong to another practice" in response.text
    assert not AppointmentType.objects.filter(name="Checkup").exists()


def test_the_admin_refuses_an_exception_in_another_practices_center(operator: Client) -> None:
    two = Two()
    response = operator.post(
        "/admin/scheduling/scheduleexception/add/",
        {
            "practitioner": str(two.a_practitioner.pk),
            "kind": "extra",
            "start_0": "2030-01-15",
            "start_1": "09:00",
            "end_0": "2030-01-15",
            "end_1": "12:00",
            "center": str(two.b_center.pk),
            "label": "",
        },
    )
    assert response.status_code == 200
    assert "This center belongs to another practice." in response.text
    assert not ScheduleException.objects.exists()


def test_the_admin_refuses_a_membership_linked_to_another_practice(operator: Client) -> None:
    two = Two()
    user = factories.user()
    response = operator.post(
        "/admin/practices/membership/add/",
        {
            "user": str(user.pk),
            "practice": str(two.a.pk),
            "role": Role.ASSISTANT,
            "practitioners": [str(two.b_practitioner.pk)],
            "centers": [str(two.b_center.pk)],
        },
    )
    assert response.status_code == 200
    assert response.text.count("belong to another practice") == 2
    assert not Membership.objects.filter(user=user).exists()


def test_full_clean_refuses_every_cross_practice_reference() -> None:
    two = Two()
    kind_b = factories.appointment_type(two.b)
    start = timezone.now() + timedelta(days=1)
    appointment = Appointment(
        practice=two.a,
        center=two.b_center,
        practitioner=two.b_practitioner,
        patient=factories.patient(two.b),
        appointment_type=kind_b,
        start=start,
        end=start + timedelta(minutes=30),
    )
    with pytest.raises(ValidationError) as refused:
        appointment.full_clean()
    assert set(refused.value.message_dict) >= {
        "center",
        "practitioner",
        "patient",
        "appointment_type",
    }
    line = ScheduleLine(
        practitioner=two.a_practitioner,
        weekday=0,
        start=datetime(2030, 1, 1, 9).time(),
        end=datetime(2030, 1, 1, 12).time(),
        center=two.b_center,
    )
    with pytest.raises(ValidationError) as refused:
        line.full_clean()
    assert "center" in refused.value.message_dict
    # The same objects within one practice are fine.
    line.center = two.a_center
    line.full_clean()


def test_links_across_practices_are_refused_for_every_writer() -> None:
    two = Two()
    kind = factories.appointment_type(two.a)
    membership = Membership.objects.get(user=factories.member(two.a, Role.ASSISTANT))
    # (Django's add() has no savepoint of its own: each attempt gets one, as a writer would.)
    for attempt in (
        lambda: kind.practitioners.add(two.b_practitioner),
        lambda: two.b_practitioner.appointment_types.add(kind),  # the other direction
        lambda: membership.centers.add(two.b_center),
        lambda: membership.practitioners.set([two.a_practitioner, two.b_practitioner]),
    ):
        with pytest.raises(ValidationError), transaction.atomic():
            attempt()
    assert not kind.practitioners.exists()
    assert not membership.centers.exists() and not membership.practitioners.exists()
    kind.practitioners.add(two.a_practitioner)  # within the practice: fine
    assert list(kind.practitioners.all()) == [two.a_practitioner]


# --- personal events go through their door -------------------------------------------------------


def test_operators_personal_event_edits_go_through_the_door(operator: Client) -> None:
    """Created, changed and deleted in the admin: each change reaches the outbox (so calendars
    and feeds hear of it) and the audit log names the operator, as for staff in the workspace."""
    from carnet.practices.models import AuditEntry
    from carnet.scheduling.models import OutboxEvent

    two = Two()
    added = operator.post(
        "/admin/scheduling/personalevent/add/", personal_event_form(two.a, two.a_practitioner)
    )
    assert added.status_code == 302, added.text
    event = PersonalEvent.objects.get()
    form = personal_event_form(two.a, two.a_practitioner, title="Team meeting", end_1="11:00")
    changed = operator.post(f"/admin/scheduling/personalevent/{event.pk}/change/", form)
    assert changed.status_code == 302, changed.text
    event.refresh_from_db()
    assert event.title == "Team meeting"
    assert event.end == datetime(2030, 1, 15, 10, 0, tzinfo=UTC)  # 11:00 in Paris, winter
    deleted = operator.post(f"/admin/scheduling/personalevent/{event.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not PersonalEvent.objects.exists()
    changes = list(OutboxEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert changes == ["created", "changed", "deleted"]
    assert AuditEntry.objects.filter(practice=two.a, actor__is_superuser=True).count() == 3
