"""Appointment types pages: every field, its own schedule (the shared editor), admins only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carnet.practices.models import Role
from carnet.scheduling.models import AppointmentType, TypeScheduleLine
from tests import factories

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    practice = factories.practice(language="en")
    return {
        "practice": practice,
        "center": factories.center(practice, "Les Lilas"),
        "owner": factories.member(practice, Role.OWNER),
        "morel": factories.practitioner(practice, "Dr Morel"),
        "roux": factories.practitioner(practice, "Dr Roux"),
    }


def base(world: dict[str, Any]) -> str:
    return f"/app/{world['practice'].slug}/settings/types/"


def type_post(rows: list[tuple[int, str, str, int]] = (), **fields: Any) -> dict[str, Any]:  # type: ignore[assignment]
    data: dict[str, Any] = {
        "name": "Échographie de datation",
        "duration_minutes": "45",
        "color": "#10b981",
        "description": "Venez avec la vessie pleine.",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "slot_grid_minutes": "",
        "is_active": "on",
    }
    data.update(fields)
    data["lines-TOTAL_FORMS"] = str(len(rows))
    data["lines-INITIAL_FORMS"] = "0"
    for index, (weekday, start, end, center_id) in enumerate(rows):
        data[f"lines-{index}-weekday"] = str(weekday)
        data[f"lines-{index}-start"] = start
        data[f"lines-{index}-end"] = end
        data[f"lines-{index}-center"] = str(center_id)
    return data


def test_an_admin_creates_a_type_with_every_field_and_its_own_schedule(
    world: dict[str, Any],
) -> None:
    client = logged_in(world["owner"])
    page = client.get(base(world) + "new/").content.decode()
    assert 'type="color"' in page
    data = type_post(
        [(1, "08:00", "10:00", world["center"].pk), (1, "10:00", "12:00", world["center"].pk)],
        sms_reminder="on",
        online_booking="on",
        practitioners=[str(world["morel"].pk)],
        has_own_schedule="on",
    )
    response = client.post(base(world) + "new/", data)
    kind = AppointmentType.objects.get(name="Échographie de datation")
    assert response["Location"] == f"{base(world)}{kind.pk}/"
    assert (kind.duration_minutes, kind.color, kind.buffer_after_minutes) == (45, "#10b981", 10)
    assert kind.sms_reminder and kind.online_booking and kind.has_own_schedule
    assert kind.description == "Venez avec la vessie pleine."
    assert list(kind.practitioners.all()) == [world["morel"]]
    assert [
        (line.weekday, f"{line.start:%H:%M}", f"{line.end:%H:%M}")
        for line in TypeScheduleLine.objects.filter(appointment_type=kind).order_by("start")
    ] == [(1, "08:00", "10:00"), (1, "10:00", "12:00")]
    listing = client.get(base(world)).content.decode()
    assert "Échographie de datation" in listing and "#10b981" in listing


def test_an_admin_edits_a_type(world: dict[str, Any]) -> None:
    kind = factories.appointment_type(world["practice"], [world["morel"]], name="Suivi")
    client = logged_in(world["owner"])
    data = type_post(name="Suivi de grossesse", practitioners=[str(world["roux"].pk)])
    assert client.post(f"{base(world)}{kind.pk}/", data).status_code == 302
    kind.refresh_from_db()
    assert kind.name == "Suivi de grossesse"
    assert list(kind.practitioners.all()) == [world["roux"]]
    assert not kind.sms_reminder and not kind.online_booking


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "0", "The duration must be at least one minute."),
        ("duration_minutes", "", "This field is required."),
        ("color", "blue", "Use a color such as #3b82f6."),
        ("name", "", "This field is required."),
        ("slot_grid_minutes", "2", "Ensure this value is greater than or equal to 5."),
    ],
)
def test_bad_fields_are_refused_with_their_reason(
    world: dict[str, Any], field: str, value: str, message: str
) -> None:
    response = logged_in(world["owner"]).post(base(world) + "new/", type_post(**{field: value}))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not AppointmentType.objects.exists()


def test_another_practices_practitioner_cannot_be_offered(world: dict[str, Any]) -> None:
    stranger = factories.practitioner(factories.practice(), "Dr Ailleurs")
    data = type_post(practitioners=[str(stranger.pk)])
    response = logged_in(world["owner"]).post(base(world) + "new/", data)
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["practitioners"])
    assert not AppointmentType.objects.filter(practice=world["practice"]).exists()


def test_a_bad_range_saves_neither_the_type_nor_its_schedule(world: dict[str, Any]) -> None:
    kind = factories.appointment_type(world["practice"], name="Suivi")
    center = world["center"].pk
    data = type_post(
        [(3, "09:00", "12:00", center), (3, "11:00", "12:30", center)],
        name="Renamed",
        has_own_schedule="on",
    )
    response = logged_in(world["owner"]).post(f"{base(world)}{kind.pk}/", data)
    assert response.status_code == 200
    assert "Thursday: 09:00-12:00 and 11:00-12:30 overlap in the same center." in (
        response.content.decode()
    )
    kind.refresh_from_db()
    assert kind.name == "Suivi" and not kind.has_own_schedule
    assert not TypeScheduleLine.objects.exists()


def test_its_own_schedule_ticked_without_any_range_is_refused(world: dict[str, Any]) -> None:
    response = logged_in(world["owner"]).post(
        base(world) + "new/", type_post(has_own_schedule="on")
    )
    assert response.status_code == 200
    assert "Add at least one range to its own schedule below, or untick this." in str(
        response.context["form"].errors["has_own_schedule"]
    )
    assert not AppointmentType.objects.exists()


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.ASSISTANT])
def test_only_admins_open_the_types_pages(world: dict[str, Any], role: str) -> None:
    kind = factories.appointment_type(world["practice"], name="Suivi")
    client = logged_in(factories.member(world["practice"], role))
    for url in (base(world), base(world) + "new/", f"{base(world)}{kind.pk}/"):
        assert client.get(url).status_code == 404
        assert client.post(url, type_post(name="Intruder")).status_code == 404
    assert not AppointmentType.objects.filter(name="Intruder").exists()


def test_another_practices_type_is_a_404(world: dict[str, Any]) -> None:
    other = factories.appointment_type(factories.practice(), name="Ailleurs")
    client = logged_in(world["owner"])
    url = f"{base(world)}{other.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, type_post(name="Hijacked")).status_code == 404
    other.refresh_from_db()
    assert other.name == "Ailleurs"
