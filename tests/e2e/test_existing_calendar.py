"""The owner connects the practitioner's agenda to one of their existing Google calendars: the
connect form's second choice, the emulator's consent, then the picker form, in Chromium, on a
phone's width; the sync then writes into that calendar (docs/calendar-sync.md)."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.calsync import tasks
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.scheduling.models import Appointment
from tests.calsync.conftest import user_service
from tests.e2e.conftest import PHONE, SmallPractice, log_in
from tests.e2e.test_calendar_approval import ACCOUNT, google_for_live_server  # noqa: F401
from tests.e2e.test_narrow_screens import overflow

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_owner_picks_an_existing_calendar(
    live_server: Any,
    page: Any,
    small_practice: SmallPractice,
    google_for_live_server: GoogleCalendarEmulator,  # noqa: F811
) -> None:
    world = small_practice
    slug = world.practice.slug
    mine = user_service(google_for_live_server)
    cabinet = (
        mine.calendars().insert(body={"summary": "Cabinet des Lilas - consultations"}).execute()
    )
    sync_page = f"{live_server.url}/app/{slug}/settings/calendar-sync/"
    # The practitioner's appointments go to their calendar (the sheet's default, for the test).
    Appointment.objects.filter(practitioner=world.practitioner).update(sync_external=True)

    page.set_viewport_size(PHONE)
    log_in(page, live_server, world.owner.email)
    page.goto(sync_page)
    page.select_option("select[name=practitioner]", str(world.practitioner.pk))
    page.get_by_label("One of my existing calendars").check()
    with page.expect_navigation(url=f"{sync_page}*/calendar/"):
        page.get_by_role("button", name="Connect with Google").click()
    assert page.get_by_text("Now choose the calendar Carnet writes to.").is_visible()
    connection = CalendarConnection.objects.get(practitioner=world.practitioner)
    assert connection.state == ConnectionState.ACTIVE and connection.calendar_id == ""
    assert overflow(page) == 0

    page.get_by_label("Cabinet des Lilas - consultations").check()
    with page.expect_navigation(url=sync_page):
        page.get_by_role("button", name="Write to this calendar").click()
    assert page.get_by_text(
        "Carnet now sends the appointments to Cabinet des Lilas - consultations."
    ).is_visible()
    connection.refresh_from_db()
    assert connection.calendar_id == cabinet["id"] and not connection.calendar_created

    tasks.start.call(connection.pk)  # what the worker does after the commit
    events = mine.events().list(calendarId=cabinet["id"]).execute()["items"]
    assert len(events) == len(world.appointments)
    made_by_carnet = [
        c
        for c in google_for_live_server.state()["calendars"]
        if c["createdByClient"] == "carnet-e2e.apps.googleusercontent.com"
    ]
    assert made_by_carnet == []
