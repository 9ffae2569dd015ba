"""The API in a browser: a member makes a token (seen once), uses it, revokes it; the API's
docs page loads offline, from our own static files, with no console error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carnet.api.models import ApiToken
from tests.e2e.conftest import DESKTOP, PHONE, SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_creates_sees_once_uses_and_revokes_a_token(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    slug = world.practice.slug
    log_in(page, live_server, world.assistant.email)
    page.goto(f"{live_server.url}/app/{slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="API tokens").click()

    # An empty name is refused beside the field; nothing is created.
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    assert page.get_by_text("This field is required.").is_visible()
    assert not ApiToken.objects.exists()

    page.fill("input[name=name]", "Reception tablet")
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").inner_text().strip()
    assert token.startswith("carnet_")
    assert page.get_by_text("it will not be shown again").is_visible()
    row = page.locator("table.api-tokens tbody tr", has_text="Reception tablet")
    assert token[:13] in row.inner_text()

    # The long token wraps on a phone: nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.set_viewport_size(DESKTOP)

    # The token works as the assistant, in this practice.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(f"/api/practices/{slug}/practitioners").status_code == 200

    # Seen once: showing the page again does not show it.
    page.goto(f"{live_server.url}/app/{slug}/settings/api-tokens/")
    assert page.get_by_test_id("new-token").count() == 0
    assert token not in page.content()

    with page.expect_navigation():
        page.get_by_role("button", name="Revoke Reception tablet").click()
    assert page.get_by_text("The token was revoked").is_visible()
    assert (
        page.locator("table.api-tokens tbody tr", has_text="Reception tablet")
        .get_by_text("Revoked")
        .is_visible()
    )
    assert api.get(f"/api/practices/{slug}/practitioners").status_code == 401


def test_the_api_docs_page_loads_offline_without_errors(live_server: Any, page: Any) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Carnet API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/appointments/{public_id}/move").count()
    assert outside == [], f"the docs page reached outside the server: {outside}"
