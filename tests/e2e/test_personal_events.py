"""Personal events in Chromium: an admin creates a one-off event and a weekly series, moves one
occurrence, renames the series, deletes one occurrence, then the series and the event, checking
the practitioner's list after each step as a user would read it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from carnet.scheduling.models import PersonalEvent
from tests import factories
from tests.e2e.conftest import SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def rows(page: Any) -> list[str]:
    return [
        text.strip() for text in page.locator("table.personal-events tbody tr").all_inner_texts()
    ]


def submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_an_admin_manages_personal_events(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    zone = world.practice.zone
    factories.practitioner(world.practice, "Dr Paul Durand")
    today = timezone.now().astimezone(zone).date() + timedelta(days=7)
    monday: date = today + timedelta(days=(7 - today.weekday()) % 7)
    thursday = monday + timedelta(days=3)

    log_in(page, live_server, world.owner.email)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Personal events", exact=True).click()

    # The list shows one practitioner at a time; the owner picks whose.
    page.select_option("select[name=practitioner]", label="Dr Paul Durand")
    submit(page, "Show")
    assert page.get_by_text("No personal events in this period.").is_visible()
    page.select_option("select[name=practitioner]", label=str(world.practitioner))
    submit(page, "Show")
    assert page.get_by_role("heading", name=f"{world.practitioner}: the next 60 days").is_visible()

    # A one-off event.
    with page.expect_navigation():
        page.get_by_role("link", name="New personal event").click()
    page.fill("input[name=title]", "Déjeuner")
    page.fill("input[name=start]", f"{monday}T12:00")
    page.fill("input[name=end]", f"{monday}T13:30")
    submit(page, "Create")
    assert page.get_by_text("Personal event created: Déjeuner.").is_visible()
    assert len(rows(page)) == 1 and "12:00–13:30" in rows(page)[0]

    # A weekly series on Mondays and Thursdays, four times; the start's day must be ticked.
    with page.expect_navigation():
        page.get_by_role("link", name="New personal event").click()
    page.fill("input[name=title]", "Staff meeting")
    page.fill("input[name=start]", f"{monday}T09:00")
    page.fill("input[name=end]", f"{monday}T10:00")
    page.check("input[name=repeat][value=weekly]")
    page.check("input[name=days][value='3']")
    page.check("input[name=ends][value=count]")
    page.fill("input[name=count]", "4")
    submit(page, "Create")
    assert page.get_by_text("The first occurrence is on a Monday").is_visible()
    assert not PersonalEvent.objects.filter(title="Staff meeting").exists()
    page.check("input[name=days][value='0']")
    submit(page, "Create")
    assert page.get_by_text("Personal event created: Staff meeting.").is_visible()
    meetings = [row for row in rows(page) if "Staff meeting" in row]
    assert len(meetings) == 4
    assert all("Every week on Monday, Thursday, 4 times" in row for row in meetings)

    # Move the second occurrence (Thursday) only.
    second = page.locator("table.personal-events tbody tr", has_text="Staff meeting").nth(1)
    with page.expect_navigation():
        second.get_by_role("link", name="Staff meeting").click()
    assert page.get_by_role("heading", name="This occurrence").is_visible()
    assert page.input_value("input[name='occurrence-start']") == f"{thursday}T09:00"
    page.fill("input[name='occurrence-start']", f"{thursday}T15:00")
    page.fill("input[name='occurrence-end']", f"{thursday}T16:15")
    submit(page, "Move this occurrence")
    assert page.get_by_text("Occurrence moved: Staff meeting.").is_visible()
    moved = [row for row in rows(page) if "this occurrence moved" in row]
    assert len(moved) == 1 and "15:00–16:15" in moved[0]

    # Rename the whole series from its third occurrence.
    third = page.locator("table.personal-events tbody tr", has_text="Staff meeting").nth(2)
    with page.expect_navigation():
        third.get_by_role("link", name="Staff meeting").click()
    page.fill("input[name=title]", "Team meeting")
    submit(page, "Save the whole series")
    assert page.get_by_text("Series saved: Team meeting.").is_visible()
    assert len([row for row in rows(page) if "Team meeting" in row]) == 4
    assert any("15:00–16:15" in row for row in rows(page))  # the moved one stayed moved

    # Delete the last occurrence only.
    last = page.locator("table.personal-events tbody tr", has_text="Team meeting").nth(3)
    with page.expect_navigation():
        last.get_by_role("link", name="Delete").click()
    submit(page, "Delete this occurrence")
    assert page.get_by_text("Occurrence deleted: Team meeting.").is_visible()
    assert len([row for row in rows(page) if "Team meeting" in row]) == 3

    # Delete the whole series.
    first = page.locator("table.personal-events tbody tr", has_text="Team meeting").first
    with page.expect_navigation():
        first.get_by_role("link", name="Delete").click()
    submit(page, "Delete the whole series")
    assert page.get_by_text("Series deleted: Team meeting.").is_visible()
    assert len(rows(page)) == 1 and "Déjeuner" in rows(page)[0]

    # And the one-off event.
    with page.expect_navigation():
        page.get_by_role("link", name="Delete").click()
    submit(page, "Delete")
    assert page.get_by_text("Deleted: Déjeuner.").is_visible()
    assert page.get_by_text("No personal events in this period.").is_visible()
    assert not PersonalEvent.objects.exists()


def test_a_practitioner_is_sent_to_their_own_events(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    """Opened from the agenda: the form comes filled with the clicked time, and saving returns
    to the page that opened it."""
    world = small_practice
    log_in(page, live_server, world.practitioner_user.email)
    start = datetime.combine(
        timezone.now().astimezone(world.practice.zone).date() + timedelta(days=2), time(11)
    )
    back = f"/app/{world.practice.slug}/"
    page.goto(
        f"{live_server.url}/app/{world.practice.slug}/personal-events/new/"
        f"?practitioner={world.practitioner.pk}&start={start:%Y-%m-%dT%H:%M}&next={back}"
    )
    assert page.input_value("input[name=start]") == f"{start:%Y-%m-%dT%H:%M}"
    assert page.input_value("input[name=end]") == f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}"
    page.fill("input[name=title]", "Formation continue")
    submit(page, "Create")
    assert page.url == live_server.url + back
    assert page.get_by_text("Personal event created: Formation continue.").is_visible()
