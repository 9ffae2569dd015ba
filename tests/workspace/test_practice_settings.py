"""The practice's settings page: owners and admins change every setting; bad input saves nothing."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.test import Client

from carnet.accounts.models import User
from carnet.practices.models import AuditEntry, Practice, Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice() -> Practice:
    return factories.practice("Cabinet des Lilas", language="en")


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def url(practice: Practice) -> str:
    return f"/app/{practice.slug}/settings/"


def valid(**changes: Any) -> dict[str, Any]:
    values = {
        "name": "Maison de santé des Lilas",
        "time_zone": "America/Montreal",
        "language": "es",
        "slot_grid_minutes": "20",
        "reminder_time": "17:30",
        "cancellation_cutoff_hours": "48",
        "send_staff_confirmations": "",
        "booking_embed_origins": "https://www.lilas.example\nhttps://lilas.example",
        "require_mfa": "on",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value != ""}


def test_an_owner_changes_every_setting(practice: Practice) -> None:
    owner = factories.member(practice, Role.OWNER)
    response = logged_in(owner).post(url(practice), valid())
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.name == "Maison de santé des Lilas"
    assert (practice.time_zone, practice.language) == ("America/Montreal", "es")
    assert (practice.slot_grid_minutes, practice.cancellation_cutoff_hours) == (20, 48)
    assert practice.reminder_time == time(17, 30)
    assert practice.send_staff_confirmations is False
    assert practice.require_mfa is True
    assert practice.booking_embed_origins.split() == [
        "https://www.lilas.example",
        "https://lilas.example",
    ]
    entry = AuditEntry.objects.get(practice=practice, action="practice.settings_changed")
    assert "require_mfa" in entry.detail["fields"] and entry.actor == owner
    # From now on the practice asks its members for a second factor, the owner first.
    assert logged_in(owner).get(url(practice)).status_code == 302


def test_saving_says_so_on_the_page(practice: Practice) -> None:
    owner = factories.member(practice, Role.OWNER)
    response = logged_in(owner).post(
        url(practice), valid(require_mfa="", language="en"), follow=True
    )
    assert "The practice&#x27;s settings are saved." in response.text
    assert "Maison de santé des Lilas" in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "is not a known time zone"),
        ("cancellation_cutoff_hours", "9999", "at most 720 hours"),
        ("slot_grid_minutes", "1", "greater than or equal to 5"),
        ("booking_embed_origins", "http://www.lilas.example/page", "is not a website address"),
        ("reminder_time", "25:00", "Enter a valid time."),
        ("name", "", "This field is required."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    practice: Practice, field: str, value: str, message: str
) -> None:
    admin = factories.member(practice, Role.ADMIN)
    before = Practice.objects.filter(pk=practice.pk).values().get()
    response = logged_in(admin).post(url(practice), valid(**{field: value}))
    assert response.status_code == 200
    assert message in response.text
    assert Practice.objects.filter(pk=practice.pk).values().get() == before
    assert "Cabinet des Lilas" in response.text  # the header keeps the saved name


def test_the_settings_are_for_owners_and_admins_only(practice: Practice) -> None:
    for role in (Role.PRACTITIONER, Role.ASSISTANT):
        client = logged_in(factories.member(practice, role))
        for path in (
            "settings/",
            "settings/members/",
            "settings/booking-page/",
            "getting-started/",
        ):
            assert client.get(f"/app/{practice.slug}/{path}").status_code == 404, (role, path)
        assert client.post(url(practice), valid()).status_code == 404
        assert f'href="{url(practice)}"' not in client.get(f"/app/{practice.slug}/").text
    practice.refresh_from_db()
    assert practice.name == "Cabinet des Lilas"


def test_the_settings_page_is_the_hub_of_the_other_settings_pages(practice: Practice) -> None:
    admin = factories.member(practice, Role.ADMIN)
    client = logged_in(admin)
    assert f'href="{url(practice)}"' in client.get(f"/app/{practice.slug}/").text  # the nav
    page = client.get(url(practice)).text
    for path in (
        "getting-started/",
        "settings/practitioners/",
        "settings/types/",
        "settings/centers/",
        "settings/members/",
        "settings/booking-page/",
    ):
        assert f'href="/app/{practice.slug}/{path}"' in page, path


def test_the_booking_page_lists_what_patients_can_book(practice: Practice) -> None:
    admin = factories.member(practice, Role.ADMIN)
    doctor = factories.practitioner(practice)
    factories.appointment_type(practice, [doctor], name="Bilan postural", online_booking=True)
    factories.appointment_type(practice, [doctor], name="Séance interne")
    page = logged_in(admin).get(f"/app/{practice.slug}/settings/booking-page/").text
    assert f"http://testserver/book/{practice.slug}/" in page
    assert "Bilan postural" in page and "Séance interne" not in page
