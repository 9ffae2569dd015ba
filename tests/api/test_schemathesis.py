"""Fuzzing the API from its own OpenAPI document: bad input is a 4xx with reasons, never a 500.

Schemathesis generates requests (valid and invalid) for every operation; each is sent to the
real Django WSGI application as a member with an API token, in a practice with data, and must
get no server error, and an answer in the shape and with a status the document declares.
Hypothesis is derandomized and kept to a few examples per operation, so the run is fast and the
same every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from carnet.api.main import api
from carnet.api.tokens import issue_token
from carnet.practices.models import Role
from carnet.wsgi import application
from tests.api.conftest import ApiWorld

pytestmark = pytest.mark.django_db


# Read at collection time, outside any request: importing the URL configuration may build
# forms whose querysets are practice data (no practice scope exists yet).
with scopes_disabled():
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request; the test's
    transaction lives on it. Django's test client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_input_makes_the_api_fail(case: Any, world: ApiWorld, connection_kept: None) -> None:
    _row, token = issue_token(world.membership(Role.OWNER), "schemathesis")
    # Fuzz inside practice A, where the member is: another slug is only ever a 404.
    case.path_parameters["practice_slug"] = world.a.slug
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
