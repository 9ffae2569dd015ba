"""The first-run checklist follows the practice's data, from `carnet add_practice` to bookable."""

from __future__ import annotations

import io
from datetime import time

import pytest
from django.core.management import call_command
from django.test import Client

from carnet.accounts.models import User
from carnet.practices.models import Practice, Role
from carnet.scheduling.models import AppointmentType
from carnet.workspace.checklist import is_set_up, steps
from tests import factories

pytestmark = pytest.mark.django_db


def new_practice() -> tuple[Practice, User]:
    call_command(
        "add_practice",
        "Cabinet Martin",
        "martin",
        "--owner-email",
        "owner@example.org",
        "--owner-password",
        "a long pass phrase for tests",
        "--language",
        "en",
        stdout=io.StringIO(),
    )
    return Practice.objects.get(slug="martin"), User.objects.get(email="owner@example.org")


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_each_step_is_done_when_its_data_exists() -> None:
    practice, _owner = new_practice()
    titles = [str(step.title) for step in steps(practice)]
    assert titles == [
        "Add your centers",
        "Add your practitioners",
        "Set their weekly schedules",
        "Create your appointment types",
        "Invite your team",
        "Open your booking page",
    ]
    # add_practice made the first center; nothing else yet.
    assert [step.done for step in steps(practice)] == [True, False, False, False, False, False]
    assert not is_set_up(practice)

    doctor = factories.practitioner(practice, "Dr Martin")
    assert steps(practice)[1].done and not steps(practice)[2].done
    factories.weekly_hours(doctor, practice.centers.get(), range(5), ((time(9), time(12)),))
    assert steps(practice)[2].done
    kind = factories.appointment_type(practice, [doctor])
    assert steps(practice)[3].done and not steps(practice)[5].done
    AppointmentType.objects.filter(pk=kind.pk).update(online_booking=True)
    assert steps(practice)[5].done
    assert is_set_up(practice)  # inviting colleagues is optional
    factories.member(practice, Role.ASSISTANT)
    assert steps(practice)[4].done


def test_a_type_without_a_scheduled_practitioner_does_not_open_the_booking_page() -> None:
    practice, _owner = new_practice()
    doctor = factories.practitioner(practice)
    factories.appointment_type(practice, [doctor], online_booking=True)
    assert steps(practice)[3].done
    assert not steps(practice)[5].done  # nobody has opening hours: no slot to book


def test_the_owner_sees_the_checklist_and_a_reminder_on_the_day_page() -> None:
    practice, owner = new_practice()
    client = logged_in(owner)
    page = client.get(f"/app/{practice.slug}/getting-started/").text
    assert "1 of 6 steps done" in page
    for url in (
        "settings/practitioners/",
        "settings/types/",
        "settings/centers/",
        "settings/members/",
        "settings/booking-page/",
    ):
        assert f'href="/app/{practice.slug}/{url}"' in page
    today = client.get(f"/app/{practice.slug}/").text
    assert "not ready for online booking yet: 4 steps left" in today
    assert f"/app/{practice.slug}/getting-started/" in today


def test_the_reminder_leaves_once_the_practice_is_ready_and_never_shows_to_others() -> None:
    practice, owner = new_practice()
    practitioner_user = factories.member(practice, Role.PRACTITIONER)
    assert "getting-started" not in logged_in(practitioner_user).get(f"/app/{practice.slug}/").text
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, practice.centers.get())
    factories.appointment_type(practice, [doctor], online_booking=True)
    client = logged_in(owner)
    assert "not ready" not in client.get(f"/app/{practice.slug}/").text
    assert "Your practice is ready" in client.get(f"/app/{practice.slug}/getting-started/").text
