"""Practitioners' sheets: the fields, the weekly schedule editor (several ranges a day and per
center, a message beside each row at fault, nothing half-saved), and who may read or change
which sheet."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.test import Client

from carnet.practices.models import Membership, Role
from carnet.scheduling.models import Practitioner, ScheduleLine
from tests import factories

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    practice = factories.practice(language="en")
    center = factories.center(practice, "Les Lilas")
    other_center = factories.center(practice, "Saint-Jean")
    owner = factories.member(practice, Role.OWNER)
    doctor_login = factories.member(practice, Role.PRACTITIONER)
    doctor = factories.practitioner(practice, "Dr Morel", user=doctor_login)
    colleague = factories.practitioner(
        practice, "Dr Roux", user=factories.member(practice, Role.PRACTITIONER)
    )
    assistant = factories.member(practice, Role.ASSISTANT)
    Membership.objects.get(user=assistant, practice=practice).practitioners.set([doctor])
    return {
        "practice": practice,
        "center": center,
        "other_center": other_center,
        "owner": owner,
        "doctor_login": doctor_login,
        "doctor": doctor,
        "colleague": colleague,
        "assistant": assistant,
    }


def sheet_url(practitioner: Practitioner) -> str:
    return f"/app/{practitioner.practice.slug}/settings/practitioners/{practitioner.pk}/"


def sheet_post(
    practitioner: Practitioner,
    rows: list[tuple[int, str, str, int]],
    saved: list[ScheduleLine] = (),  # type: ignore[assignment]
    delete: set[int] = frozenset(),  # type: ignore[assignment]
    **fields: str,
) -> dict[str, str]:
    """The sheet form as the browser sends it: fields, then saved rows, then new rows."""
    data = {
        "display_name": practitioner.display_name,
        "profession": practitioner.profession,
        "email": practitioner.email,
        "booking_horizon_days": str(practitioner.booking_horizon_days),
        "min_notice_minutes": str(practitioner.min_notice_minutes),
        "default_calendar": practitioner.default_calendar,
        "is_active": "on",
        "user": str(practitioner.user_id or ""),
    }
    data.update(fields)
    all_rows = [
        (line.weekday, f"{line.start:%H:%M}", f"{line.end:%H:%M}", line.center_id, line.pk)
        for line in saved
    ]
    all_rows += [(*row, None) for row in rows]
    data["lines-TOTAL_FORMS"] = str(len(all_rows))
    data["lines-INITIAL_FORMS"] = str(len(saved))
    for index, (weekday, start, end, center_id, pk) in enumerate(all_rows):
        data[f"lines-{index}-weekday"] = str(weekday)
        data[f"lines-{index}-start"] = start
        data[f"lines-{index}-end"] = end
        data[f"lines-{index}-center"] = str(center_id)
        if pk:
            data[f"lines-{index}-id"] = str(pk)
            data[f"lines-{index}-practitioner"] = str(practitioner.pk)
            if pk in delete:
                data[f"lines-{index}-DELETE"] = "on"
    return data


def ranges(practitioner: Practitioner) -> list[tuple[int, str, str, str]]:
    return [
        (line.weekday, f"{line.start:%H:%M}", f"{line.end:%H:%M}", line.center.name)
        for line in ScheduleLine.objects.filter(practitioner=practitioner)
        .select_related("center")
        .order_by("weekday", "start")
    ]


def test_an_admin_sets_two_ranges_a_day_in_two_centers(world: dict[str, Any]) -> None:
    doctor, center, other = world["doctor"], world["center"], world["other_center"]
    client = logged_in(world["owner"])
    assert client.get(sheet_url(doctor)).status_code == 200
    data = sheet_post(
        doctor,
        [
            (0, "09:00", "12:00", center.pk),
            (0, "14:00", "18:00", center.pk),
            (0, "10:00", "11:00", other.pk),  # another center: no overlap
        ],
        booking_horizon_days="30",
        min_notice_minutes="60",
        sync_by_default="on",
        default_calendar="cabinet@example.org",
    )
    response = client.post(sheet_url(doctor), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ranges(doctor) == [
        (0, "09:00", "12:00", "Les Lilas"),
        (0, "10:00", "11:00", "Saint-Jean"),
        (0, "14:00", "18:00", "Les Lilas"),
    ]
    doctor.refresh_from_db()
    assert (doctor.booking_horizon_days, doctor.min_notice_minutes) == (30, 60)
    assert doctor.sync_by_default and doctor.default_calendar == "cabinet@example.org"
    page = client.get(sheet_url(doctor)).content.decode()
    assert "Saved the sheet of Dr Morel." in page


def test_a_range_is_removed_and_another_changed(world: dict[str, Any]) -> None:
    doctor, center = world["doctor"], world["center"]
    factories.weekly_hours(doctor, center, range(1))  # Monday 09-12 and 14-18
    morning, afternoon = ScheduleLine.objects.filter(practitioner=doctor).order_by("start")
    afternoon.end = time(19)
    data = sheet_post(doctor, [], saved=[morning, afternoon], delete={morning.pk})
    response = logged_in(world["owner"]).post(sheet_url(doctor), data)
    assert response.status_code == 302
    assert ranges(doctor) == [(0, "14:00", "19:00", "Les Lilas")]


def test_overlaps_are_shown_beside_each_row_and_nothing_is_saved(world: dict[str, Any]) -> None:
    doctor, center = world["doctor"], world["center"]
    data = sheet_post(
        doctor,
        [(0, "09:00", "12:00", center.pk), (0, "11:00", "13:00", center.pk)],
        profession="Sage-femme",  # the sheet's own change must not be saved either
    )
    response = logged_in(world["owner"]).post(sheet_url(doctor), data)
    assert response.status_code == 200
    schedule = response.context["schedule"]
    message = "Monday: 09:00-12:00 and 11:00-13:00 overlap in the same center."
    assert [form.non_field_errors() for form in schedule.forms[:2]] == [[message], [message]]
    assert response.content.decode().count(message) == 2
    assert "Some ranges need correcting: nothing was saved." in response.content.decode()
    assert ranges(doctor) == []
    doctor.refresh_from_db()
    assert doctor.profession == ""


def test_an_overlap_with_a_saved_range_is_refused(world: dict[str, Any]) -> None:
    doctor, center = world["doctor"], world["center"]
    factories.weekly_hours(doctor, center, range(1), ((time(9), time(12)),))
    saved = list(ScheduleLine.objects.filter(practitioner=doctor))
    data = sheet_post(doctor, [(0, "11:30", "12:30", center.pk)], saved=saved)
    response = logged_in(world["owner"]).post(sheet_url(doctor), data)
    assert response.status_code == 200
    assert "Monday: 09:00-12:00 and 11:30-12:30 overlap in the same center." in (
        response.content.decode()
    )
    assert ranges(doctor) == [(0, "09:00", "12:00", "Les Lilas")]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ((2, "14:00", "09:00", "center"), "end", "The end of a range must be after its start."),
        ((2, "14:00", "14:00", "center"), "end", "The end of a range must be after its start."),
        ((2, "", "12:00", "center"), "start", "This field is required."),
        ((2, "25:00", "12:00", "center"), "start", "Enter a valid time."),
        ((9, "09:00", "12:00", "center"), "weekday", "Select a valid choice."),
        ((2, "09:00", "12:00", "foreign"), "center", "Select a valid choice."),
    ],
)
def test_a_bad_row_gets_its_own_message(
    world: dict[str, Any], row: tuple[int, str, str, str], field: str, message: str
) -> None:
    doctor = world["doctor"]
    center_id = (
        world["center"].pk
        if row[3] == "center"
        else factories.center(factories.practice(), "Ailleurs").pk
    )
    good = (0, "09:00", "12:00", world["center"].pk)
    data = sheet_post(doctor, [good, (row[0], row[1], row[2], center_id)])
    response = logged_in(world["owner"]).post(sheet_url(doctor), data)
    assert response.status_code == 200
    errors = response.context["schedule"].forms[1].errors
    assert any(message in text for text in errors[field]), errors
    assert not response.context["schedule"].forms[0].errors
    assert ranges(doctor) == []  # not even the good row


def test_the_sheet_fields_are_validated_by_the_model(world: dict[str, Any]) -> None:
    doctor = world["doctor"]
    data = sheet_post(
        doctor,
        [(0, "09:00", "12:00", world["center"].pk)],
        booking_horizon_days="0",
        email="not an email",
    )
    response = logged_in(world["owner"]).post(sheet_url(doctor), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "booking_horizon_days" in form.errors and "email" in form.errors
    assert ranges(doctor) == []


def test_the_practitioner_edits_their_own_sheet_but_not_its_login_or_status(
    world: dict[str, Any],
) -> None:
    doctor = world["doctor"]
    client = logged_in(world["doctor_login"])
    form = client.get(sheet_url(doctor)).context["form"]
    assert "user" not in form.fields and "is_active" not in form.fields
    data = sheet_post(doctor, [(4, "08:00", "12:00", world["center"].pk)], is_active="")
    del data["user"]
    assert client.post(sheet_url(doctor), data).status_code == 302
    doctor.refresh_from_db()
    assert doctor.is_active and doctor.user == world["doctor_login"]
    assert ranges(doctor) == [(4, "08:00", "12:00", "Les Lilas")]


def test_a_practitioner_cannot_open_a_colleagues_sheet(world: dict[str, Any]) -> None:
    client = logged_in(world["doctor_login"])
    colleague = world["colleague"]
    assert client.get(sheet_url(colleague)).status_code == 404
    data = sheet_post(colleague, [(0, "09:00", "12:00", world["center"].pk)])
    assert client.post(sheet_url(colleague), data).status_code == 404
    assert ranges(colleague) == []


def test_an_assistant_reads_their_practitioners_sheet_only(world: dict[str, Any]) -> None:
    doctor, center = world["doctor"], world["center"]
    factories.weekly_hours(doctor, center, range(1), ((time(9), time(12)),))
    client = logged_in(world["assistant"])
    response = client.get(sheet_url(doctor))
    assert response.status_code == 200
    page = response.content.decode()
    assert "09:00–12:00" in page and '<form method="post" class="settings-form"' not in page
    data = sheet_post(doctor, [(1, "09:00", "12:00", center.pk)])
    assert client.post(sheet_url(doctor), data).status_code == 404
    assert ranges(doctor) == [(0, "09:00", "12:00", "Les Lilas")]
    assert client.get(sheet_url(world["colleague"])).status_code == 404
    # No calendar feed link for an assistant.
    assert "calendar-feed" not in page


def test_the_sheet_links_to_the_feed_settings_for_whoever_manages_the_feed(
    world: dict[str, Any],
) -> None:
    doctor = world["doctor"]
    feed = f"/app/{doctor.practice.slug}/practitioners/{doctor.pk}/calendar-feed/"
    for user in (world["owner"], world["doctor_login"]):
        assert f'href="{feed}"' in logged_in(user).get(sheet_url(doctor)).content.decode()


def test_the_login_choices_are_this_practices_members(world: dict[str, Any]) -> None:
    stranger = factories.member(factories.practice(), Role.PRACTITIONER)
    doctor = world["doctor"]
    data = sheet_post(doctor, [], user=str(stranger.pk))
    response = logged_in(world["owner"]).post(sheet_url(doctor), data)
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["user"])
    doctor.refresh_from_db()
    assert doctor.user == world["doctor_login"]


def test_the_list_shows_each_member_the_sheets_they_may_open(world: dict[str, Any]) -> None:
    url = f"/app/{world['practice'].slug}/settings/practitioners/"

    def names(user: Any) -> list[str]:
        response = logged_in(user).get(url)
        assert response.status_code == 200
        return [p.display_name for p in response.context["practitioners"]]

    assert names(world["owner"]) == ["Dr Morel", "Dr Roux"]
    assert names(world["doctor_login"]) == ["Dr Morel"]
    assert names(world["assistant"]) == ["Dr Morel"]
    lonely = factories.member(world["practice"], Role.ASSISTANT)
    assert logged_in(lonely).get(url).status_code == 404


def test_an_admin_adds_a_practitioner_and_lands_on_their_sheet(world: dict[str, Any]) -> None:
    url = f"/app/{world['practice'].slug}/settings/practitioners/"
    client = logged_in(world["owner"])
    response = client.post(url, {"display_name": "", "profession": "Kiné"})
    assert response.status_code == 200
    assert "This field is required." in str(response.context["form"].errors["display_name"])
    response = client.post(url, {"display_name": "Dr Nouveau", "profession": "Kiné"})
    created = Practitioner.objects.get(display_name="Dr Nouveau")
    assert response["Location"] == sheet_url(created)
    assert created.practice == world["practice"]


def test_only_admins_add_practitioners(world: dict[str, Any]) -> None:
    url = f"/app/{world['practice'].slug}/settings/practitioners/"
    for user in (world["doctor_login"], world["assistant"]):
        client = logged_in(user)
        assert "Add a practitioner" not in client.get(url).content.decode()
        assert client.post(url, {"display_name": "Intruder"}).status_code == 404
    assert not Practitioner.objects.filter(display_name="Intruder").exists()


def test_another_practices_sheet_is_a_404(world: dict[str, Any]) -> None:
    other = factories.practitioner(factories.practice(), "Dr Ailleurs")
    client = logged_in(world["owner"])
    url = f"/app/{world['practice'].slug}/settings/practitioners/{other.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, sheet_post(other, [])).status_code == 404
