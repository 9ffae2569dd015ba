"""Centers pages: name (unique in the practice), address, a known time zone; admins only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carnet.practices.models import Center, Role
from tests import factories

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    practice = factories.practice(language="en", time_zone="America/Montreal")
    return {"practice": practice, "owner": factories.member(practice, Role.OWNER)}


def base(world: dict[str, Any]) -> str:
    return f"/app/{world['practice'].slug}/settings/centers/"


def test_an_admin_creates_then_edits_a_center(world: dict[str, Any]) -> None:
    client = logged_in(world["owner"])
    form = client.get(base(world) + "new/").context["form"]
    assert form.initial["time_zone"] == "America/Montreal"  # the practice's, by default
    response = client.post(
        base(world) + "new/",
        {
            "name": "Clinique du Plateau",
            "address": "12 rue Rachel\nMontréal",
            "time_zone": "America/Toronto",
        },
    )
    assert response["Location"] == base(world)
    center = Center.objects.get(practice=world["practice"])
    assert (center.name, center.time_zone) == ("Clinique du Plateau", "America/Toronto")
    listing = client.get(base(world)).content.decode()
    assert "Clinique du Plateau" in listing and "12 rue Rachel<br>Montréal" in listing

    response = client.post(
        f"{base(world)}{center.pk}/",
        {"name": "Clinique Rachel", "address": "", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    center.refresh_from_db()
    assert (center.name, center.address, center.time_zone) == (
        "Clinique Rachel",
        "",
        "Europe/Paris",
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "“Mars/Olympus” is not a known time zone"),
        ({"time_zone": ""}, "time_zone", "This field is required."),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "LES LILAS"}, "name", "This practice already has a center named “LES LILAS”."),
    ],
)
def test_bad_input_is_refused_with_its_reason(
    world: dict[str, Any], values: dict[str, str], field: str, message: str
) -> None:
    factories.center(world["practice"], "Les Lilas")
    data = {"name": "Saint-Jean", "address": "", "time_zone": "Europe/Paris", **values}
    response = logged_in(world["owner"]).post(base(world) + "new/", data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert Center.objects.filter(practice=world["practice"]).count() == 1


def test_the_same_name_in_another_practice_is_fine(world: dict[str, Any]) -> None:
    factories.center(factories.practice(), "Les Lilas")
    data = {"name": "Les Lilas", "address": "", "time_zone": "Europe/Paris"}
    assert logged_in(world["owner"]).post(base(world) + "new/", data).status_code == 302


def test_renaming_a_center_to_its_own_name_is_fine(world: dict[str, Any]) -> None:
    center = factories.center(world["practice"], "Les Lilas")
    data = {"name": "Les Lilas", "address": "1 place", "time_zone": "Europe/Paris"}
    assert logged_in(world["owner"]).post(f"{base(world)}{center.pk}/", data).status_code == 302


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.ASSISTANT])
def test_only_admins_open_the_centers_pages(world: dict[str, Any], role: str) -> None:
    center = factories.center(world["practice"], "Les Lilas")
    client = logged_in(factories.member(world["practice"], role))
    data = {"name": "Intruder", "address": "", "time_zone": "Europe/Paris"}
    for url in (base(world), base(world) + "new/", f"{base(world)}{center.pk}/"):
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    assert not Center.objects.filter(name="Intruder").exists()


def test_another_practices_center_is_a_404(world: dict[str, Any]) -> None:
    other = factories.center(factories.practice(), "Ailleurs")
    client = logged_in(world["owner"])
    url = f"{base(world)}{other.pk}/"
    assert client.get(url).status_code == 404
    data = {"name": "Hijacked", "address": "", "time_zone": "Europe/Paris"}
    assert client.post(url, data).status_code == 404
    other.refresh_from_db()
    assert other.name == "Ailleurs"
