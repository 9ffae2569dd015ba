"""Tenant isolation and roles, proven on every URL that exists.

The test walks the URL configuration itself, so a new page is covered the day it is added. For
every staff URL and every role (owner, admin, practitioner, assistant), each member gets exactly
what the roles policy allows on objects of their own practice, and a 404 (a 403 would confirm
the object exists) on what it denies and on everything of another practice, by GET and POST,
with no row changed. A URL parameter, or a URL name, the test does not know makes it fail, so
that whoever adds one says here how to fill it and who may open it.

The second half proves the construction underneath: the middleware resolves the practice once,
runs the request in that practice's django-scopes scope, and an unscoped query raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import ScopeError, scope

from carnet.calsync.models import CalendarConnection
from carnet.practices.models import Membership, Practice, Role
from carnet.practices.scoping import PracticeScopedManager
from carnet.practices.tenancy import TenancyMiddleware
from carnet.scheduling import models as scheduling
from tests import factories

pytestmark = pytest.mark.django_db

# URL prefixes that are not practice data: they have their own access rules, tested elsewhere.
PUBLIC_PREFIXES = (
    "admin/",
    "accounts/",
    "healthz",
    "help/",
    "static/",
    "feeds/",
    "i18n/",
    "sms/",
    # The patient's page behind the link in their emails: a signed token, scoped once found.
    "my-appointment/",
    # The patients' booking site: public, scoped to its slug's practice (the walk of
    # `booking_routes` below sends practice B's ids through practice A's pages).
    "book/",
    # "My appointments": a patient account's own, across practices, filtered by the account
    # (tests/portal/test_mine.py; another account's ids: the test at the end of this file).
    "me/",
    # A staff invitation's page: the token is the key; scoped to its practice once found
    # (tests/workspace/test_members.py: wrong, expired and used tokens are the same 404).
    "invitations/",
    # The API's description (no practice data); its practice routes are checked below.
    "api/openapi.json",
    "api/docs",
    # The API's practice routes: every operation of the OpenAPI document, per role, per
    # target and across practices, in tests/api/test_api_tenancy.py (same rules as here).
    "api/practices/",
    # Google's calendar-sync callbacks at fixed addresses: the OAuth redirect finds its practice
    # from the request waiting in the user's own session and checks the membership (404 else);
    # the push webhook checks the channel's id and secret token (tests/calsync/).
    "calsync/",
)

# django-ninja's root of the API, which only answers 404.
PUBLIC_EXACT = ("api/",)

ROLES = (Role.OWNER, Role.ADMIN, Role.PRACTITIONER, Role.ASSISTANT)


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name or ''}"


def all_routes() -> list[str]:
    return sorted({route for route, _name in walk(get_resolver().url_patterns)})


def staff_routes() -> list[tuple[str, str]]:
    return sorted(
        {
            (route, name)
            for route, name in walk(get_resolver().url_patterns)
            if "<slug:practice_slug>" in route
        }
    )


# --- the world: practice A with every role, practice B with one of everything -----------------


class World:
    """Practice A: two centers, two practitioners, one member per role; practice B alike.

    In A, the practitioner member's own sheet is `own`, `colleague` is another practitioner;
    the assistant is linked to `own` only, in center `c1` only. A's object sets ("targets"):
    `own` (own practitioner, center c1), `own_elsewhere` (own practitioner, center c2) and
    `colleague` (the other practitioner, center c1).
    """

    def __init__(self) -> None:
        self.a = factories.practice("Practice A")
        self.b = factories.practice("Practice B")
        self.c1 = factories.center(self.a, "Center one")
        self.c2 = factories.center(self.a, "Center two")
        self.members = {role: factories.member(self.a, role) for role in ROLES}
        self.own = factories.practitioner(self.a, "Own Sheet", user=self.members[Role.PRACTITIONER])
        self.colleague = factories.practitioner(
            self.a, "Colleague", user=factories.member(self.a, Role.PRACTITIONER)
        )
        assistant = Membership.objects.get(user=self.members[Role.ASSISTANT], practice=self.a)
        assistant.practitioners.set([self.own])
        assistant.centers.set([self.c1])
        self.targets = {
            "own": populate(self.a, self.c1, self.own),
            "own_elsewhere": populate(self.a, self.c2, self.own),
            "colleague": populate(self.a, self.c1, self.colleague),
        }
        b_center = factories.center(self.b)
        self.b_objects = populate(
            self.b, b_center, factories.practitioner(self.b, user=factories.member(self.b))
        )


def populate(practice: Practice, center: Any, practitioner: Any) -> dict[str, Any]:
    kind = factories.appointment_type(practice, [practitioner])
    patient = factories.patient(practice, email="secret@example.org", mobile="+33612345678")
    # Today, in the practice's zone (on the day page too), an hour apart per practitioner.
    hour = 8 + practitioner.appointments.count()
    start = datetime.combine(datetime.now(practice.zone).date(), time(hour), practice.zone)
    appointment = scheduling.Appointment.objects.create(
        practice=practice,
        center=center,
        practitioner=practitioner,
        patient=patient,
        appointment_type=kind,
        start=start,
        end=start + timedelta(minutes=30),
    )
    # A weekly personal event of the practitioner (busy time has no center).
    personal_event = scheduling.PersonalEvent.objects.create(
        practice=practice,
        practitioner=practitioner,
        title="Staff meeting",
        start=start + timedelta(hours=4),
        end=start + timedelta(hours=5),
        rrule="FREQ=WEEKLY",
    )
    # The practitioner's calendar connection, waiting for approval (one per practitioner).
    connection, _created = CalendarConnection.objects.get_or_create(
        practice=practice,
        practitioner=practitioner,
        defaults={"account_email": f"agenda-{practitioner.pk}@example.org"},
    )
    return {
        "practice": practice,
        "center": center,
        "practitioner": practitioner,
        "connection": connection,
        "appointment_type": kind,
        "patient": patient,
        "appointment": appointment,
        "personal_event": personal_event,
    }


# How to fill each URL parameter with an object of a given object set.
PARAMETERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "practice_slug": lambda objects: objects["practice"].slug,
    "practitioner_id": lambda objects: str(objects["practitioner"].pk),
    "public_id": lambda objects: str(objects["appointment"].public_id),
    "appointment_id": lambda objects: str(objects["appointment"].pk),
    "patient_id": lambda objects: str(objects["patient"].pk),
    "center_id": lambda objects: str(objects["center"].pk),
    "type_id": lambda objects: str(objects["appointment_type"].pk),
    "event_id": lambda objects: str(objects["personal_event"].pk),
    "connection_id": lambda objects: str(objects["connection"].pk),
    # The membership of the object set's practitioner (each has a login in the World).
    "membership_id": lambda objects: str(
        Membership.objects.get(
            practice=objects["practice"], user=objects["practitioner"].user_id
        ).pk
    ),
}

ADMINS = {Role.OWNER, Role.ADMIN}

# Who may open each staff URL on each of A's object sets: the roles policy, written out.
RULES: dict[str, Callable[[str, str], bool]] = {
    "workspace:today": lambda role, target: True,
    # The agenda page opens for every member; naming a practitioner they may not read is a 404
    # (tests/workspace/test_agenda_page.py).
    "workspace:agenda": lambda role, target: True,
    # Practitioners read colleagues' agendas; assistants their practitioners', in their centers.
    "workspace:appointment_detail": lambda role, target: (
        role in ADMINS or role == Role.PRACTITIONER or target == "own"
    ),
    # The appointment form: whoever has an agenda to fill books; changing and cancelling follow
    # `can_change_appointment` (practitioner: own agenda; assistant: own practitioner, in c1).
    "workspace:appointment_new": lambda role, target: True,
    "workspace:appointment_edit": lambda role, target: (
        role in ADMINS or (role == Role.PRACTITIONER and target != "colleague") or target == "own"
    ),
    "workspace:appointment_cancel": lambda role, target: (
        role in ADMINS or (role == Role.PRACTITIONER and target != "colleague") or target == "own"
    ),
    # The feed link: the practitioner themself and admins, never an assistant.
    "feeds:settings": lambda role, target: (
        role in ADMINS or (role == Role.PRACTITIONER and target != "colleague")
    ),
    # Patients: every member with an agenda lists and creates; a record opens for admins, and
    # for those who book the patient (practitioner: own agenda; assistant: own agenda, c1).
    "workspace:patients": lambda role, target: True,
    "workspace:patient_new": lambda role, target: True,
    "workspace:patient_detail": lambda role, target: (
        role in ADMINS or (role == Role.PRACTITIONER and target != "colleague") or target == "own"
    ),
    "workspace:patient_edit": lambda role, target: (
        role in ADMINS or (role == Role.PRACTITIONER and target != "colleague") or target == "own"
    ),
    # Practitioner sheets: admins every sheet; a practitioner their own; an assistant reads the
    # sheets of the practitioners they are linked to (whatever the center). The list: anyone
    # with a sheet to open. Types and centers: owners and admins only.
    "workspace:practitioners": lambda role, target: True,
    "workspace:practitioner_sheet": lambda role, target: role in ADMINS or target != "colleague",
    "workspace:appointment_types": lambda role, target: role in ADMINS,
    "workspace:appointment_type_new": lambda role, target: role in ADMINS,
    "workspace:appointment_type_edit": lambda role, target: role in ADMINS,
    "workspace:centers": lambda role, target: role in ADMINS,
    "workspace:center_new": lambda role, target: role in ADMINS,
    "workspace:center_edit": lambda role, target: role in ADMINS,
    # A member's own API tokens: every member (a token has exactly its member's rights).
    "workspace:api_tokens": lambda role, target: True,
    # The practice's settings, checklist, members and booking page: owners and admins only.
    "workspace:settings": lambda role, target: role in ADMINS,
    "workspace:checklist": lambda role, target: role in ADMINS,
    "workspace:members": lambda role, target: role in ADMINS,
    "workspace:member_edit": lambda role, target: role in ADMINS,
    "workspace:booking_page": lambda role, target: role in ADMINS,
    # Personal events: whoever may change the agenda (admins any; a practitioner their own; an
    # assistant their practitioners', whatever the center: busy time has none).
    "workspace:personal_events": lambda role, target: True,
    "workspace:personal_event_new": lambda role, target: True,
    "workspace:personal_event_edit": lambda role, target: role in ADMINS or target != "colleague",
    "workspace:personal_event_delete": lambda role, target: role in ADMINS or target != "colleague",
    # Calendar sync (docs/calendar-sync.md): the page for every member (it lists the agendas
    # they may connect); a connection's choices and disconnection for whoever manages the
    # agenda (an assistant whatever the center); approval and health for admins only; the
    # center switcher for everyone (it only changes the member's own session).
    "calendar_sync:page": lambda role, target: True,
    "calendar_sync:choices": lambda role, target: role in ADMINS or target != "colleague",
    "calendar_sync:disconnect": lambda role, target: role in ADMINS or target != "colleague",
    # Picking which existing Google calendar a connection writes to: as its choices.
    "calendar_sync:pick_calendar": lambda role, target: role in ADMINS or target != "colleague",
    "calendar_sync:approval": lambda role, target: role in ADMINS,
    "calendar_sync:health": lambda role, target: role in ADMINS,
    "calendar_sync:center": lambda role, target: True,
    # A member's own notifications; the audit log for admins.
    "inbox:list": lambda role, target: True,
    "workspace:audit": lambda role, target: role in ADMINS,
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


def names_objects(route: str) -> bool:
    return any(match["name"] != "practice_slug" for match in PARAMETER.finditer(route))


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every Carnet model, to prove nothing changed."""
    state = {}
    for model in apps.get_models():
        if model.__module__.startswith("carnet."):
            state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_there_are_staff_routes_to_check() -> None:
    assert staff_routes(), "the walk found no staff pages: the test would prove nothing"


def test_every_staff_url_has_a_rule_for_every_role() -> None:
    unknown = [name for _route, name in staff_routes() if name not in RULES]
    assert unknown == [], f"say in RULES who may open {unknown}"


def test_every_role_gets_exactly_what_the_policy_allows() -> None:
    world = World()
    clients = {role: client_for(world.members[role]) for role in ROLES}
    before = snapshot()
    checked: list[tuple[str, str, str]] = []
    for role, client in clients.items():
        for route, name in staff_routes():
            targets = world.targets if names_objects(route) else {"own": world.targets["own"]}
            for target, objects in targets.items():
                url = build(route, objects, objects)
                if RULES[name](role, target):
                    status = client.get(url).status_code
                    assert status in {200, 302, 405}, f"{role} GET {url} ({target}): {status}"
                else:
                    for method in ("get", "post"):
                        status = getattr(client, method)(url).status_code
                        assert status == 404, f"{role} {method.upper()} {url} ({target}): {status}"
                checked.append((role, name, target))
    assert snapshot() == before, "a denied request changed data"
    # The walk has teeth both ways: something was allowed and something was denied.
    assert any(not RULES[name](role, target) for role, name, target in checked)
    assert any(RULES[name](role, target) for role, name, target in checked)


def test_every_role_gets_a_404_for_another_practice() -> None:
    world = World()
    clients = {role: client_for(world.members[role]) for role in ROLES}
    before = snapshot()
    checked = []
    for role, client in clients.items():
        for route, _name in staff_routes():
            own = world.targets["own"]
            other_practice = build(route, world.b_objects, world.b_objects)
            own_page_other_objects = build(route, own, world.b_objects)
            urls = {other_practice, own_page_other_objects}
            if own_page_other_objects == build(route, own, own):
                urls.discard(own_page_other_objects)  # a page of A naming no object: A's own
            for url in urls:
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    assert response.status_code == 404, (
                        f"{role} {method.upper()} {url}: {response.status_code}"
                    )
                    checked.append(url)
    assert checked
    assert snapshot() == before, "a request against another practice changed data"


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    world = World()
    client = Client()
    for route, _name in staff_routes():
        objects = world.targets["own"]
        response = client.get(build(route, objects, objects))
        assert response.status_code == 302, route
        assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_practice_and_a_stranger_get_the_same_404() -> None:
    world = World()
    stranger = client_for(factories.user())
    member = client_for(world.members[Role.OWNER])
    for client, url in (
        (stranger, f"/app/{world.a.slug}/"),
        (member, "/app/no-such-practice/"),
        (member, f"/app/{world.b.slug}/"),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Cache-Control"] == "no-store"


def test_staff_pages_are_never_cached() -> None:
    world = World()
    client = client_for(world.members[Role.OWNER])
    for route, _name in staff_routes():
        objects = world.targets["own"]
        response = client.get(build(route, objects, objects))
        assert response["Cache-Control"] == "no-store", route


def test_practice_admins_are_not_site_operators() -> None:
    """The technical admin shows every practice: practice owners must not get in."""
    world = World()
    client = client_for(world.members[Role.OWNER])
    response = client.get("/admin/scheduling/appointment/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_every_url_is_either_checked_here_or_public_on_purpose() -> None:
    staff = {route for route, _name in staff_routes()}
    unchecked = [
        route
        for route in all_routes()
        if route not in staff
        and route
        and route not in PUBLIC_EXACT
        and not route.startswith(PUBLIC_PREFIXES)
    ]
    assert unchecked == [], "new URLs must be practice-scoped or listed as public on purpose"


def test_the_day_page_links_to_feed_settings_only_where_allowed() -> None:
    world = World()
    page = client_for(world.members[Role.PRACTITIONER]).get(f"/app/{world.a.slug}/").text
    assert f"/practitioners/{world.own.pk}/calendar-feed/" in page
    assert f"/practitioners/{world.colleague.pk}/calendar-feed/" not in page
    page = client_for(world.members[Role.ASSISTANT]).get(f"/app/{world.a.slug}/").text
    assert "/calendar-feed/" not in page


# --- the patients' booking site: public pages, found by slug, scoped to that practice ----------


def booking_routes() -> list[tuple[str, str]]:
    return sorted(
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if route.startswith("book/")
    )


def booking_requests(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, str]]:
    """What a crafted request can carry: one of B's ids at a time, with A's otherwise."""
    start = (b["appointment"].start + timedelta(days=1)).isoformat()
    mine = {"type": str(a["appointment_type"].pk), "practitioner": "any", "start": start}
    return [
        {**mine, "type": str(b["appointment_type"].pk)},
        {**mine, "practitioner": str(b["practitioner"].pk)},
        {**mine, "center": str(b["center"].pk)},
        {**mine, "patient": str(b["patient"].pk)},
    ]


def test_another_practices_objects_never_show_or_book_through_a_booking_page() -> None:
    """B's types, practitioners, centers, slots, patients and appointments through A's pages:
    a 4xx with a clear sentence (or a 404 for an appointment), nothing of B shown, nothing saved."""
    world = World()
    a, b = world.targets["own"], world.b_objects
    for objects in (a, b):
        objects["appointment_type"].online_booking = True
        objects["appointment_type"].save()
    b["appointment_type"].name = "Only-in-B type"
    b["appointment_type"].save()
    visitor = factories.user()
    b["patient"].account = visitor  # B's appointment is the visitor's own, at B's address
    b["patient"].save()
    client = client_for(visitor)
    secrets = ("Only-in-B type", b["practitioner"].display_name, b["center"].name, "secret@")
    routes = booking_routes()
    assert {name for _route, name in routes} >= {"portal:start", "portal:confirm", "portal:done"}
    before = snapshot()
    checked = 0
    for route, name in routes:

        def fill(match: re.Match[str], route: str = route) -> str:
            if match["name"] == "booking_slug":
                return world.a.slug
            if match["name"] not in PARAMETERS:
                raise AssertionError(f"{route}: add the URL parameter “{match['name']}”")
            return PARAMETERS[match["name"]](b)

        url = "/" + PARAMETER.sub(fill, route)
        for data in booking_requests(a, b):
            for method in ("get", "post"):
                response = getattr(client, method)(url, data)
                text = response.content.decode()
                ignored = "patient" in data and name in {"portal:start", "portal:slots"}
                expected = {200, 405} if ignored else range(400, 500)
                assert response.status_code in expected, (name, method, data, response.status_code)
                assert not any(secret in text for secret in secrets), (name, method, data)
                if name in {"portal:start", "portal:slots", "portal:confirm"} and method == "get":
                    assert "does not exist in this practice" in text or "patient" in data, name
                checked += 1
        # B's appointment is reachable at B's own address, never through A's.
        if "public_id" in route:
            own_url = url.replace(f"/book/{world.a.slug}/", f"/book/{world.b.slug}/")
            assert client.get(own_url).status_code == 200, own_url
    assert checked
    assert snapshot() == before, "a request through another practice's booking page saved data"


def test_a_booking_page_sees_only_its_slugs_practice_and_needs_no_membership() -> None:
    world = World()
    seen = run_through_middleware(
        f"/book/{world.a.slug}/",
        factories.user(),  # a patient account: no membership anywhere
        lambda request: (
            {a.practice_id for a in scheduling.Appointment.objects.all()},
            request.practice,
        ),
    )
    practices, practice = seen["value"]
    assert practices == {world.a.pk} and practice == world.a
    assert (
        run_through_middleware("/book/no-such-practice/", factories.user(), print)["status"] == 404
    )


# --- tenancy by construction ---------------------------------------------------------------------


def practice_models() -> list[type[Any]]:
    """Every Carnet model that holds practice data: a path to a Practice through foreign keys."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("carnet.") or model is Practice:
            continue
        if any(
            getattr(field, "related_model", None) is Practice
            or (
                field.many_to_one
                and field.related_model is not None
                and any(f.name == "practice" for f in field.related_model._meta.get_fields())
            )
            for field in model._meta.get_fields()
            if field.concrete
        ):
            found.append(model)
    return found


# Practice data that no member ever reads, only the delivery machinery, across practices by
# design (the outbox relay, a periodic job). Named here so that adding to it is a decision.
UNSCOPED_ON_PURPOSE = {"scheduling.OutboxEvent", "scheduling.Delivery"}


def test_every_model_of_practice_data_is_scoped() -> None:
    models = practice_models()
    assert scheduling.Appointment in models and scheduling.ScheduleLine in models
    unscoped = [
        model._meta.label
        for model in models
        if not isinstance(model._default_manager, PracticeScopedManager)
        and model._meta.label not in UNSCOPED_ON_PURPOSE
    ]
    assert unscoped == [], "give these models a scoped manager (carnet.practices.scoping)"


def test_an_unscoped_query_of_practice_data_raises() -> None:
    world = World()
    with scope():  # a scope that names no practice: what a request outside /app/ runs in
        for model in (
            scheduling.Appointment,
            scheduling.Practitioner,
            scheduling.ScheduleLine,
            scheduling.PersonalEventOverride,
            Membership,
        ):
            with pytest.raises(ScopeError):
                list(model.objects.all())
            with pytest.raises(ScopeError):
                model.objects.filter(pk=1).exists()
        with pytest.raises(ScopeError):
            list(world.own.appointments.all())  # reverse relations too


def run_through_middleware(path: str, user: Any, view: Callable[[HttpRequest], Any]) -> Any:
    """Send a request through the real TenancyMiddleware; return what `view` computed."""
    seen: dict[str, Any] = {}

    def get_response(request: HttpRequest) -> HttpResponse:
        seen["value"] = view(request)
        return HttpResponse("ok")

    request = RequestFactory().get(path)
    request.user = user
    response = TenancyMiddleware(get_response)(request)
    seen["status"] = response.status_code
    return seen


def test_a_page_under_app_sees_only_its_practice() -> None:
    world = World()
    seen = run_through_middleware(
        f"/app/{world.a.slug}/",
        world.members[Role.OWNER],
        # A careless query, with no filter at all: the scope still limits it to A.
        lambda request: (
            {a.practice_id for a in scheduling.Appointment.objects.all()},
            request.practice,
            request.membership.role,
        ),
    )
    practices, practice, role = seen["value"]
    assert practices == {world.a.pk}
    assert practice == world.a and role == Role.OWNER
    assert scheduling.Appointment.objects.filter(practice=world.b).exists()  # B's are there


def test_outside_a_practice_unscoped_queries_raise_except_where_chosen() -> None:
    world = World()

    def careless(request: HttpRequest) -> int:
        return scheduling.Appointment.objects.count()

    with pytest.raises(ScopeError):
        run_through_middleware("/some-new-area/", world.members[Role.OWNER], careless)
    # The sign-in pages and the home page read the user's own memberships: unscoped on purpose.
    assert (
        run_through_middleware("/accounts/login/", world.members[Role.OWNER], careless)["value"]
        == scheduling.Appointment.objects.count()
    )


def my_appointment_paths(objects: dict[str, Any]) -> list[tuple[str, str]]:
    """Every /me/ page and action that names an appointment or a patient of `objects`."""
    appointment, patient = objects["appointment"].public_id, objects["patient"].pk
    return [
        ("get", f"/me/appointments/{appointment}/move/"),
        ("post", f"/me/appointments/{appointment}/move/"),
        ("post", f"/me/appointments/{appointment}/cancel/"),
        ("get", f"/me/patients/{patient}/"),
        ("post", f"/me/patients/{patient}/"),
    ]


def test_my_appointments_gives_another_accounts_ids_a_404_and_changes_nothing() -> None:
    """/me/ spans practices, so no scope protects it: the account filter must, for every id."""
    world = World()
    own, theirs = world.targets["own"], world.b_objects
    mine, stranger = factories.user(), factories.user()
    own["patient"].account = mine
    own["patient"].save()
    theirs["patient"].account = stranger
    theirs["patient"].save()
    # Another patient account; and A's owner, staff of A but not the account of A's patient.
    visitors = ((client_for(mine), theirs), (client_for(world.members[Role.OWNER]), own))
    before = snapshot()  # after logging in, which records the time of the login
    for client, objects in visitors:
        for method, path in my_appointment_paths(objects):
            response = getattr(client, method)(path, {"first_name": "X", "last_name": "Y"})
            assert response.status_code == 404, path
    assert snapshot() == before
    # Their own list shows theirs only.
    page = client_for(mine).get("/me/").text
    assert own["patient"].last_name in page and theirs["patient"].last_name not in page
