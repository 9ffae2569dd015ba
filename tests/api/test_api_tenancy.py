"""Tenancy and roles on every API route, found in the OpenAPI document itself.

The API's twin of tests/practices/test_tenancy.py (which leaves `api/practices/` to this file):
every operation must have a rule in `RULES`, so a new route fails here until whoever adds it
says who may call it. Each role gets exactly what the policy allows on practice A's objects
(`own`, `own_elsewhere`, `colleague`: see `ApiWorld`), and a 404 on what it denies, on any
route of practice B and on practice B's ids, with no row changed. Writes that are allowed are
proven in each router's own tests (they need meaningful bodies); here they are only refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from carnet.api.main import api
from carnet.practices.models import Role
from tests.api.conftest import ApiWorld
from tests.practices.test_tenancy import snapshot

pytestmark = pytest.mark.django_db

ROLES = (Role.OWNER, Role.ADMIN, Role.PRACTITIONER, Role.ASSISTANT)
ADMINS = {Role.OWNER, Role.ADMIN}
PREFIX = "/api/practices/{practice_slug}"  # as the OpenAPI document writes it

Rule = Callable[[str, str], bool]


def everyone(role: str, target: str) -> bool:
    return True


def changes_appointment(role: str, target: str) -> bool:
    """Admins; a practitioner their own agenda; the assistant `own` in c1."""
    return (
        role in ADMINS or (role == Role.PRACTITIONER and target != "colleague") or target == "own"
    )


# (method, path after the practice) -> who may call it on each target.
RULES: dict[tuple[str, str], Rule] = {
    ("get", "/agenda"): everyone,
    ("get", "/appointments"): everyone,
    ("post", "/appointments"): everyone,
    ("get", "/appointments/{public_id}"): lambda role, target: (
        role in ADMINS or role == Role.PRACTITIONER or target == "own"
    ),
    ("post", "/appointments/{public_id}/move"): changes_appointment,
    ("post", "/appointments/{public_id}/cancel"): changes_appointment,
    ("get", "/availability"): everyone,
    ("get", "/patients"): everyone,
    ("post", "/patients"): everyone,
    ("get", "/patients/{patient_id}"): changes_appointment,
    ("get", "/practitioners"): everyone,
    ("get", "/types"): everyone,
}


def operations() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    found = []
    for path, methods in paths.items():
        assert path.startswith(PREFIX), f"{path}: every API route is practice-scoped"
        for method in methods:
            found.append((method, path.removeprefix(PREFIX)))
    return sorted(found)


def query_for(world: ApiWorld, path: str) -> dict[str, Any]:
    """The required query of each listing, with a valid value."""
    start, end = world.tomorrow, world.tomorrow + timedelta(days=1)
    if path in ("/agenda", "/appointments"):
        return {"start": start.isoformat(), "end": end.isoformat()}
    if path == "/availability":
        return {"type": world.kind.pk, "start": start.date(), "end": end.date()}
    return {}


def body_for(world: ApiWorld, path: str) -> dict[str, Any]:
    later = (world.tomorrow + timedelta(hours=6)).isoformat()
    return {"start": later} if path.endswith("/move") else {}


def fill(path: str, target: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        if match[1] == "public_id":
            return str(target["appointment"].public_id)
        if match[1] == "patient_id":
            return str(target["patient"].pk)
        raise AssertionError(f"{path}: say here how to fill “{match[1]}”")

    return re.sub(r"{(\w+)}", value, path)


def targets(world: ApiWorld) -> dict[str, dict[str, Any]]:
    return {
        "own": {"appointment": world.own_c1, "patient": world.patient},
        "own_elsewhere": {"appointment": world.own_c2, "patient": world.own_c2.patient},
        "colleague": {"appointment": world.colleague_c1, "patient": world.colleague_c1.patient},
    }


def call(client: Client, method: str, url: str, world: ApiWorld, path: str) -> int:
    if method == "get":
        return client.get(url, query_for(world, path)).status_code
    body = json.dumps(body_for(world, path))
    return client.post(url, body, content_type="application/json").status_code


def test_every_api_operation_has_a_rule() -> None:
    found = operations()
    assert found, "the OpenAPI document lists no operation: the walk would prove nothing"
    assert [op for op in found if op not in RULES] == [], "say in RULES who may call these"


def practice_data() -> dict[str, Any]:
    """Every row, but tokens' "last used" (a token in use is expected to record it)."""
    state = snapshot()
    state.pop("api.ApiToken")
    return state


def test_every_role_gets_exactly_what_the_policy_allows(world: ApiWorld) -> None:
    clients = {role: world.token_client(role) for role in ROLES}
    before = practice_data()
    checked = []
    for role, client in clients.items():
        for method, path in operations():
            named = "{" in path
            for target_name, target in (targets(world) if named else {"own": {}}).items():
                url = f"/api/practices/{world.a.slug}{fill(path, target)}"
                allowed = RULES[(method, path)](role, target_name)
                if allowed and method == "get":
                    status = call(client, method, url, world, path)
                    assert status == 200, f"{role} GET {url} ({target_name}): {status}"
                elif not allowed:
                    status = call(client, method, url, world, path)
                    assert status == 404, f"{role} {method} {url} ({target_name}): {status}"
                checked.append(allowed)
    assert practice_data() == before, "a denied request changed data"
    assert any(checked) and not all(checked)


def test_another_practice_is_a_404_by_its_slug_and_by_its_ids(world: ApiWorld) -> None:
    clients = {role: (world.token_client(role), world.session(role)) for role in ROLES}
    before = practice_data()
    b_target = {"appointment": world.b_appointment, "patient": world.b_patient}
    for role, (client, session) in clients.items():
        for method, path in operations():
            in_b = f"/api/practices/{world.b.slug}{fill(path, b_target)}"
            assert call(client, method, in_b, world, path) == 404, f"{role} {method} {in_b}"
            # A session of a member of A only: B is a stranger's practice (GET: no CSRF needed).
            if method == "get":
                assert call(session, method, in_b, world, path) == 404, f"{role} session {in_b}"
            if "{" in path:
                b_ids_in_a = f"/api/practices/{world.a.slug}{fill(path, b_target)}"
                status = call(client, method, b_ids_in_a, world, path)
                assert status == 404, f"{role} {method} {b_ids_in_a}"
    assert practice_data() == before


def test_nobody_gets_anything_without_a_session_or_token(world: ApiWorld) -> None:
    anonymous = Client()
    for method, path in operations():
        url = f"/api/practices/{world.a.slug}{fill(path, targets(world)['own'])}"
        response = anonymous.get(url) if method == "get" else anonymous.post(url)
        assert response.status_code == 401, f"{method} {url}"
        assert response.json()["code"] == "unauthorized"
