"""The emulator's "Google Calendar (emulated)" page in a phone-sized browser: every form used."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.emulators.google_calendar.page import PAGE
from tests.e2e.conftest import PHONE, BrowserWatch
from tests.emulators.test_google_calendar import calendar_service

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def emulator() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(port=0, default_time_zone="Europe/Paris") as running:
        yield running


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def test_add_move_and_delete_on_a_phone(
    page: Any, browser_watch: BrowserWatch, emulator: GoogleCalendarEmulator
) -> None:
    service = calendar_service(emulator)
    calendar = (
        service.calendars()
        .insert(body={"summary": "Carnet - Camille Martin", "timeZone": "Europe/Paris"})
        .execute()
    )
    page.set_viewport_size(PHONE)
    page.goto(emulator.base_url + PAGE)
    fits(page)
    day = datetime.now(PARIS).date() + timedelta(days=5)

    # An end before the start: the page says so, nothing is added.
    page.get_by_label("Title").fill("Dentiste")
    page.get_by_label("Start").fill(f"{day}T08:00")
    page.get_by_label("End").fill(f"{day}T07:00")
    page.get_by_role("button", name="Add event").click()
    page.get_by_role("alert").filter(has_text="The end must be after the start.").wait_for()
    [refused] = browser_watch.take()  # the 400 itself, on purpose
    assert "status of 400" in refused
    assert service.events().list(calendarId=calendar["id"]).execute()["items"] == []

    page.goto(emulator.base_url + PAGE)
    page.get_by_label("Title").fill("Dentiste")
    page.get_by_label("Start").fill(f"{day}T07:00")
    page.get_by_label("End").fill(f"{day}T08:00")
    page.get_by_label("Repeat every week").check()
    page.get_by_role("button", name="Add event").click()
    page.get_by_role("status").filter(has_text="Event added.").wait_for()
    fits(page)
    [series] = service.events().list(calendarId=calendar["id"]).execute()["items"]
    assert series["summary"] == "Dentiste" and series["recurrence"]

    first = page.locator("ul.events li").first
    first.get_by_text("Change").click()
    first.get_by_label("New start").fill(f"{day}T09:30")
    first.get_by_role("button", name="Move").click()
    page.get_by_role("status").filter(has_text="Event moved.").wait_for()
    occurrences = (
        service.events()
        .list(calendarId=calendar["id"], singleEvents=True, orderBy="startTime")
        .execute()["items"]
    )
    assert datetime.fromisoformat(occurrences[0]["start"]["dateTime"]).hour == 9

    first = page.locator("ul.events li").first
    first.get_by_text("Change").click()
    first.get_by_role("button", name="Delete this occurrence").click()
    page.get_by_role("status").filter(has_text="Event deleted.").wait_for()
    first = page.locator("ul.events li").first
    first.get_by_text("Change").click()
    first.get_by_role("button", name="Delete the whole series").click()
    page.get_by_role("status").filter(has_text="Event deleted.").wait_for()
    assert page.get_by_text("No upcoming events.").is_visible()
    listed = service.events().list(calendarId=calendar["id"]).execute()["items"]
    assert {event["status"] for event in listed} == {"cancelled"}

    single = (
        service.events()
        .insert(
            calendarId=calendar["id"],
            body={
                "summary": "Suivi",
                "start": {"dateTime": f"{day}T10:00:00", "timeZone": "Europe/Paris"},
                "end": {"dateTime": f"{day}T11:00:00", "timeZone": "Europe/Paris"},
            },
        )
        .execute()
    )
    page.goto(emulator.base_url + PAGE)
    first = page.locator("ul.events li").first
    first.get_by_text("Change").click()
    first.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("status").filter(has_text="Event deleted.").wait_for()
    gone = service.events().get(calendarId=calendar["id"], eventId=single["id"]).execute()
    assert gone["status"] == "cancelled"
