"""Bad input gets a precise error in the admin, the forms and the CLI; nothing is saved."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from carnet.patients.models import Patient
from carnet.practices.models import Center, Practice
from carnet.scheduling.models import AppointmentType, ScheduleLine
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Client) -> Client:
    account = factories.user("operator@example.org", is_staff=True, is_superuser=True)
    client.force_login(account)
    return client


def inline_schedule_post(practitioner_id: int, center_id: int, rows: list[tuple[int, str, str]]):
    data = {
        "display_name": "Dr Test",
        "practice": "",
        "booking_horizon_days": "60",
        "min_notice_minutes": "120",
        "schedule_lines-TOTAL_FORMS": str(len(rows)),
        "schedule_lines-INITIAL_FORMS": "0",
        "schedule_exceptions-TOTAL_FORMS": "0",
        "schedule_exceptions-INITIAL_FORMS": "0",
    }
    for index, (weekday, start, end) in enumerate(rows):
        data[f"schedule_lines-{index}-weekday"] = str(weekday)
        data[f"schedule_lines-{index}-start"] = start
        data[f"schedule_lines-{index}-end"] = end
        data[f"schedule_lines-{index}-center"] = str(center_id)
    return data


def test_admin_refuses_overlapping_ranges_and_saves_nothing(operator: Client) -> None:
    practice = factories.practice()
    center = factories.center(practice)
    practitioner = factories.practitioner(practice, "Dr Test")
    data = inline_schedule_post(
        practitioner.pk, center.pk, [(0, "09:00", "12:00"), (0, "11:00", "13:00")]
    )
    data["practice"] = str(practice.pk)
    response = operator.post(f"/admin/scheduling/practitioner/{practitioner.pk}/change/", data)
    assert response.status_code == 200
    assert "Monday: 09:00-12:00 and 11:00-13:00 overlap in the same center." in response.text
    assert ScheduleLine.objects.count() == 0


def test_admin_refuses_an_inverted_range(operator: Client) -> None:
    practice = factories.practice()
    center = factories.center(practice)
    practitioner = factories.practitioner(practice, "Dr Test")
    data = inline_schedule_post(practitioner.pk, center.pk, [(2, "14:00", "09:00")])
    data["practice"] = str(practice.pk)
    response = operator.post(f"/admin/scheduling/practitioner/{practitioner.pk}/change/", data)
    assert "The end of a range must be after its start." in response.text
    assert ScheduleLine.objects.count() == 0


def test_admin_accepts_a_day_with_a_lunch_break(operator: Client) -> None:
    practice = factories.practice()
    center = factories.center(practice)
    practitioner = factories.practitioner(practice, "Dr Test")
    data = inline_schedule_post(
        practitioner.pk, center.pk, [(0, "09:00", "12:00"), (0, "14:00", "18:00")]
    )
    data["practice"] = str(practice.pk)
    response = operator.post(f"/admin/scheduling/practitioner/{practitioner.pk}/change/", data)
    assert response.status_code == 302
    assert ScheduleLine.objects.filter(practitioner=practitioner).count() == 2


def test_model_validation_refuses_an_overlap_with_a_saved_range() -> None:
    practice = factories.practice()
    center = factories.center(practice)
    practitioner = factories.practitioner(practice)
    factories.weekly_hours(practitioner, center, range(1), ((time(9), time(12)),))
    line = ScheduleLine(
        practitioner=practitioner, weekday=0, start=time(11, 30), end=time(12, 30), center=center
    )
    with pytest.raises(ValidationError, match="overlap"):
        line.full_clean()


@pytest.mark.parametrize("minutes", ["0", "-15"])
def test_admin_refuses_a_duration_of_zero_or_less(operator: Client, minutes: str) -> None:
    practice = factories.practice()
    response = operator.post(
        "/admin/scheduling/appointmenttype/add/",
        {
            "practice": practice.pk,
            "name": "Bilan",
            "duration_minutes": minutes,
            "color": "#22aa88",
            "buffer_before_minutes": "0",
            "buffer_after_minutes": "0",
            "schedule_lines-TOTAL_FORMS": "0",
            "schedule_lines-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "errornote" in response.text
    assert AppointmentType.objects.count() == 0


def test_admin_refuses_an_unknown_time_zone(operator: Client) -> None:
    practice = factories.practice()
    response = operator.post(
        "/admin/practices/center/add/",
        {"practice": practice.pk, "name": "Annexe", "address": "", "time_zone": "Mars/Olympus"},
    )
    assert "“Mars/Olympus” is not a known time zone" in response.text
    assert Center.objects.filter(name="Annexe").count() == 0


def test_admin_refuses_an_invalid_phone_number(operator: Client) -> None:
    practice = factories.practice()
    response = operator.post(
        "/admin/patients/patient/add/",
        {
            "practice": practice.pk,
            "first_name": "Léa",
            "last_name": "Durand",
            "mobile": "06 12",
            "email": "",
            "language": "",
        },
    )
    assert "“06 12” is not a valid phone number." in response.text
    assert Patient.objects.count() == 0


def test_a_landline_is_refused_for_sms_and_a_mobile_is_stored_in_e164(operator: Client) -> None:
    practice = factories.practice()
    base = {"practice": practice.pk, "first_name": "Léa", "last_name": "Durand", "email": ""}
    response = operator.post("/admin/patients/patient/add/", {**base, "mobile": "01 42 68 53 00"})
    assert "is not a mobile number" in response.text
    assert Patient.objects.count() == 0
    operator.post("/admin/patients/patient/add/", {**base, "mobile": "06 12 34 56 78"})
    assert Patient.objects.get().mobile == "+33612345678"


def test_admin_refuses_a_slug_already_taken(operator: Client) -> None:
    Practice.objects.create(name="Cabinet Dupont", slug="dupont")
    response = operator.post(
        "/admin/practices/practice/add/",
        {
            "name": "Autre cabinet",
            "slug": "dupont",
            "time_zone": "Europe/Paris",
            "language": "fr",
            "slot_grid_minutes": "15",
            "feed_refresh_minutes": "15",
            "centers-TOTAL_FORMS": "0",
            "centers-INITIAL_FORMS": "0",
        },
    )
    assert "This booking address is already taken by another practice." in response.text
    assert Practice.objects.count() == 1


def test_cli_refuses_a_taken_slug_and_an_unknown_zone_and_saves_nothing() -> None:
    Practice.objects.create(name="Cabinet Dupont", slug="dupont")
    with pytest.raises(CommandError) as error:
        call_command(
            "add_practice",
            "Autre",
            "dupont",
            "--time-zone",
            "Europe/Pariss",
            "--owner-email",
            "owner@example.org",
            "--owner-password",
            "long enough password",
        )
    message = str(error.value)
    assert "This booking address is already taken by another practice." in message
    assert "“Europe/Pariss” is not a known time zone" in message
    assert Practice.objects.count() == 1
    assert Center.objects.count() == 0


def test_cli_creates_a_practice_with_center_and_owner() -> None:
    call_command(
        "add_practice",
        "Cabinet Martin",
        "martin",
        "--owner-email",
        "owner@example.org",
        "--owner-password",
        "long enough password",
    )
    practice = Practice.objects.get(slug="martin")
    assert practice.centers.count() == 1
    assert practice.memberships.get().user.email == "owner@example.org"


def test_a_broken_recurrence_rule_is_refused_with_its_reason() -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from carnet.scheduling.models import PersonalEvent

    practice = factories.practice()
    start = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Paris"))
    event = PersonalEvent(
        practice=practice,
        practitioner=factories.practitioner(practice),
        title="Réunion",
        start=start,
        end=start + timedelta(hours=1),
        rrule="FREQ=SOMETIMES",
    )
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert error.value.message_dict["rrule"][0].startswith("This recurrence rule cannot be used:")
