"""Tenant isolation, proven on every URL that exists.

The test walks the URL configuration itself, so a new page is covered the day it is added: a
member of practice A asks for practice B's pages and B's objects through A's pages, by GET and
POST; every answer must be a 404 (a 403 would confirm the object exists) and no row of B may
change. A URL parameter the test does not know makes it fail, so that whoever adds one says
here how to fill it with another practice's object.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from carnet.practices.models import Practice, Role
from carnet.scheduling import models as scheduling
from tests import factories

pytestmark = pytest.mark.django_db

# URL prefixes that are not practice data: they have their own access rules, tested elsewhere.
PUBLIC_PREFIXES = ("admin/", "accounts/", "healthz", "help/", "static/", "feeds/", "i18n/")


def walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def all_routes() -> list[str]:
    return sorted(set(walk(get_resolver().url_patterns)))


def staff_routes() -> list[str]:
    return [route for route in all_routes() if "<slug:practice_slug>" in route]


class World:
    """Two practices with one of everything; `a_member` belongs to A only."""

    def __init__(self) -> None:
        self.a = factories.practice("Practice A")
        self.b = factories.practice("Practice B")
        self.a_member = factories.member(self.a, Role.OWNER)
        self.b_objects = self.populate(self.b)
        self.a_objects = self.populate(self.a)

    @staticmethod
    def populate(practice: Practice) -> dict[str, Any]:
        from datetime import timedelta

        from django.utils import timezone

        center = factories.center(practice)
        practitioner = factories.practitioner(practice, user=factories.member(practice))
        kind = factories.appointment_type(practice, [practitioner])
        patient = factories.patient(practice, email="secret@example.org", mobile="+33612345678")
        start = timezone.now().replace(microsecond=0) + timedelta(days=2)
        appointment = scheduling.Appointment.objects.create(
            practice=practice,
            center=center,
            practitioner=practitioner,
            patient=patient,
            appointment_type=kind,
            start=start,
            end=start + timedelta(minutes=30),
        )
        return {
            "practice": practice,
            "center": center,
            "practitioner": practitioner,
            "appointment_type": kind,
            "patient": patient,
            "appointment": appointment,
        }


# How to fill each URL parameter with an object of a given practice's set.
PARAMETERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "practice_slug": lambda objects: objects["practice"].slug,
    "practitioner_id": lambda objects: str(objects["practitioner"].pk),
    "public_id": lambda objects: str(objects["appointment"].public_id),
    "appointment_id": lambda objects: str(objects["appointment"].pk),
    "patient_id": lambda objects: str(objects["patient"].pk),
    "center_id": lambda objects: str(objects["center"].pk),
    "type_id": lambda objects: str(objects["appointment_type"].pk),
}

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def build(route: str, slug_from: dict[str, Any], objects_from: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in PARAMETERS:
            raise AssertionError(f"{route}: add the URL parameter “{name}” to PARAMETERS")
        source = slug_from if name == "practice_slug" else objects_from
        return PARAMETERS[name](source)

    return "/" + PARAMETER.sub(fill, route)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every Carnet model, to prove nothing of B changed."""
    state = {}
    for model in apps.get_models():
        if model.__module__.startswith("carnet."):
            state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


def test_there_are_staff_routes_to_check() -> None:
    assert staff_routes(), "the walk found no staff pages: the test would prove nothing"


def test_every_staff_url_is_a_404_for_another_practice() -> None:
    world = World()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.a_member)
    before = snapshot()
    checked = []
    for route in staff_routes():
        other_practice = build(route, world.b_objects, world.b_objects)
        own_page_other_objects = build(route, world.a_objects, world.b_objects)
        urls = {other_practice, own_page_other_objects}
        if own_page_other_objects == build(route, world.a_objects, world.a_objects):
            urls.discard(own_page_other_objects)  # a page of A naming no object: A's own page
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 404, (
                    f"{method.upper()} {url}: {response.status_code}"
                )
                checked.append(url)
    assert checked
    assert snapshot() == before, "a request against another practice changed data"


def test_a_members_own_pages_answer() -> None:
    """The mirror image: the same URLs with A's own objects do not 404 (the check has teeth)."""
    world = World()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.a_member)
    for route in staff_routes():
        url = build(route, world.a_objects, world.a_objects)
        assert client.get(url).status_code in {200, 302, 405}, url


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    world = World()
    client = Client()
    for route in staff_routes():
        response = client.get(build(route, world.a_objects, world.a_objects))
        assert response.status_code in {302, 404}, route
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_practice_admins_are_not_site_operators() -> None:
    """The technical admin shows every practice: practice owners must not get in."""
    world = World()
    client = Client()
    client.force_login(world.a_member)
    response = client.get("/admin/scheduling/appointment/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_every_url_is_either_checked_here_or_public_on_purpose() -> None:
    unchecked = [
        route
        for route in all_routes()
        if route not in staff_routes() and route and not route.startswith(PUBLIC_PREFIXES)
    ]
    assert unchecked == [], "new URLs must be practice-scoped or listed as public on purpose"


def test_the_day_page_links_to_feed_settings_only_where_allowed() -> None:
    practice = factories.practice()
    own = factories.practitioner(practice, "Own Sheet")
    other = factories.practitioner(practice, "Colleague")
    account = factories.member(practice, Role.PRACTITIONER)
    own.user = account
    own.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(account)
    page = client.get(f"/app/{practice.slug}/").text
    assert f"/practitioners/{own.pk}/calendar-feed/" in page
    assert f"/practitioners/{other.pk}/calendar-feed/" not in page
