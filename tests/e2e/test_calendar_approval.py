"""An assistant asks to connect a practitioner's agenda to Google (through the emulator's consent
screen); the admin opens the bell, clicks the notification, switches to the request's center,
approves; then reads the health page and the audit log, and marks the rest read. In Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.inbox.models import StaffNotification
from tests import factories
from tests.e2e.conftest import DESKTOP, BrowserWatch, SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT = "sage-femme@example.com"


@pytest.fixture
def google_for_live_server(live_server: Any) -> Iterator[GoogleCalendarEmulator]:
    """The emulator, and Carnet's settings pointing at it. The live server runs in this process,
    so overridden settings reach it; Google sends the browser back to the live server."""
    with (
        GoogleCalendarEmulator(default_user=ACCOUNT) as emulator,
        override_settings(
            SITE_URL=live_server.url,
            GOOGLE_API_URL=emulator.base_url,
            GOOGLE_OAUTH_TOKEN_URL=emulator.token_uri,
            GOOGLE_OAUTH_AUTH_URL=emulator.auth_uri,
            GOOGLE_CLIENT_ID="carnet-e2e.apps.googleusercontent.com",
            GOOGLE_CLIENT_SECRET="",
        ),
    ):
        yield emulator


def test_the_admin_approves_from_the_notification_bell(
    live_server: Any,
    page: Any,
    browser: Any,
    small_practice: SmallPractice,
    google_for_live_server: GoogleCalendarEmulator,
) -> None:
    world = small_practice
    # A second center: the admin works in both, the assistant in the first only.
    annexe = factories.center(world.practice, "Annexe du Parc")
    slug = world.practice.slug

    # The assistant connects the practitioner's agenda (Google's consent is automatic here).
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    assistant = context.new_page()
    watch = BrowserWatch()
    watch.attach(assistant)
    log_in(assistant, live_server, world.assistant.email)
    assistant.goto(f"{live_server.url}/app/{slug}/settings/calendar-sync/")
    assistant.select_option("select[name=practitioner]", str(world.practitioner.pk))
    with assistant.expect_navigation(url=f"{live_server.url}/app/{slug}/settings/calendar-sync/"):
        assistant.get_by_role("button", name="Connect with Google").click()
    assert assistant.get_by_text(
        "Syncing starts once an admin of the practice approves it."
    ).is_visible()
    context.close()
    assert watch.problems == []
    connection = CalendarConnection.objects.get(practitioner=world.practitioner)
    assert connection.state == ConnectionState.PENDING
    assert connection.center == world.center

    # The admin sees one unread notification in the header and opens it.
    log_in(page, live_server, world.owner.email)
    page.goto(f"{live_server.url}/app/{slug}/")
    bell = page.locator("a.inbox-bell")
    assert bell.locator(".inbox-count").inner_text() == "1"
    with page.expect_navigation():
        bell.click()
    with page.expect_navigation():
        page.get_by_role("button", name="asks to connect").click()
    assert page.get_by_role("heading", name="Approve a calendar connection").is_visible()

    # Working from no center yet (two of them): the page says where to switch, and switches.
    assert page.get_by_role("button", name="Approve").count() == 0
    page.select_option("select[name=center]", str(annexe.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Switch center").click()
    assert page.get_by_text(f"You are now working from {annexe.name}").is_visible()
    assert page.get_by_text(
        f"it can only be approved or refused while you work from {world.center.name}"
    ).is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=f"Switch to {world.center.name}").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Approve").click()
    assert page.get_by_text("Approved: Carnet is creating the calendar").is_visible()
    connection.refresh_from_db()
    assert connection.state == ConnectionState.ACTIVE

    # The health page lists it; the audit log says who did what, from where.
    page.goto(f"{live_server.url}/app/{slug}/settings/calendar-sync/health/")
    assert page.locator(f"section[data-connection='{connection.pk}']").is_visible()
    page.goto(f"{live_server.url}/app/{slug}/settings/audit/")
    assert page.get_by_text("Approved a calendar connection").is_visible()
    assert page.get_by_text(f"From center: {world.center.name}").count() == 2

    # Another notification, then "Mark all as read" empties the bell.
    owner_membership = world.practice.memberships.get(user=world.owner)
    StaffNotification.objects.create(
        practice=world.practice, recipient=owner_membership, kind="connection_broken", params={}
    )
    page.goto(f"{live_server.url}/app/{slug}/notifications/")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark all as read").click()
    assert page.locator("a.inbox-bell .inbox-count").count() == 0
