"""The agenda in Chromium: columns per practitioner, click to book, drag to move, drag an edge
to change the duration, a refusal on a taken time, the three views, a phone's width.

The practice is in Paris and the browser in UTC, so every time the test reads or writes goes
through the page's own conversion of the practice's wall clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from carnet.practices.models import Membership, Role
from carnet.scheduling import booking
from carnet.scheduling.models import Appointment
from tests import factories
from tests.e2e.conftest import PASSWORD, PHONE, BrowserWatch, log_in

pytestmark = pytest.mark.django_db(transaction=True)

TALL = {"width": 1280, "height": 1500}


class Agenda:
    """A practice with two practitioners open every day 08:00-20:00 and, tomorrow: Alice at
    09:00 and Bruno at 11:00 with Dr Aubert, Chloé at 09:00 with Dr Besson."""

    def __init__(self) -> None:
        self.practice = factories.practice("Cabinet des Lilas", language="en")
        self.center = factories.center(self.practice, "Centre")
        self.owner = factories.user("owner@example.org", password=PASSWORD)
        Membership.objects.create(user=self.owner, practice=self.practice, role=Role.OWNER)
        self.aubert = factories.practitioner(self.practice, "Dr Aubert")
        self.besson = factories.practitioner(self.practice, "Dr Besson")
        for practitioner in (self.aubert, self.besson):
            factories.weekly_hours(practitioner, self.center, range(7), ((time(8), time(20)),))
        self.kind = factories.appointment_type(
            self.practice, [self.aubert, self.besson], name="Visit", color="#7c3aed"
        )
        self.day = (timezone.now().astimezone(self.practice.zone) + timedelta(days=1)).date()
        self.alice = self.book(self.aubert, 9, "Alice", "Durand")
        self.bruno = self.book(self.aubert, 11, "Bruno", "Petit")
        self.chloe = self.book(self.besson, 9, "Chloé", "Roux")

    def at(self, hour: int, minute: int = 0, day: date | None = None) -> datetime:
        return datetime.combine(day or self.day, time(hour, minute), self.practice.zone)

    def book(self, practitioner: Any, hour: int, first: str, last: str) -> Appointment:
        patient = factories.patient(self.practice, first_name=first, last_name=last)
        return booking.book(
            self.practice,
            appointment_type=self.kind,
            patient=patient,
            start=self.at(hour),
            practitioner=practitioner,
            center=self.center,
            actor=self.owner,
        ).appointment

    def url(self, view: str = "day") -> str:
        return f"/app/{self.practice.slug}/agenda/?view={view}&date={self.day.isoformat()}"


@pytest.fixture
def world(transactional_db: None) -> Agenda:
    return Agenda()


def event(page: Any, name: str) -> Any:
    return page.locator(".ec-event", has_text=name)


def box(page: Any, name: str) -> dict[str, float]:
    found = event(page, name).bounding_box()
    assert found is not None, f"{name} is not drawn"
    return dict(found)


def drag(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0], start[1] + 8, steps=4)
    page.mouse.move(*end, steps=12)
    page.mouse.up()


def local(moment: datetime, world: Agenda) -> tuple[int, int]:
    wall = moment.astimezone(world.practice.zone)
    return wall.hour, wall.minute


def test_the_agenda_books_moves_refuses_resizes_and_switches_views(
    live_server: Any, page: Any, world: Agenda, browser_watch: BrowserWatch
) -> None:
    page.set_viewport_size(TALL)
    log_in(page, live_server, world.owner.email)
    page.goto(live_server.url + f"/app/{world.practice.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Agenda", exact=True).click()
    page.goto(live_server.url + world.url("day"))
    event(page, "Alice Durand").wait_for()

    # A column per practitioner, each appointment in its own.
    headers = page.locator(".ec-header")
    assert "Dr Aubert" in headers.inner_text() and "Dr Besson" in headers.inner_text()
    alice, bruno, chloe = box(page, "Alice Durand"), box(page, "Bruno Petit"), box(page, "Chloé")
    assert chloe["x"] > alice["x"] + alice["width"] / 2, "Dr Besson's visit is in her column"
    assert abs(bruno["x"] - alice["x"]) < 2
    per_minute = (bruno["y"] - alice["y"]) / 120  # 09:00 -> 11:00
    middle = alice["x"] + alice["width"] / 2

    def y_of(hour: int, minute: int = 0) -> float:
        """Just below that time in the grid, measured from Bruno's 11:00, which never moves
        (a message line can move the grid on the page)."""
        eleven = box(page, "Bruno Petit")["y"]
        return eleven + ((hour - 11) * 60 + minute) * per_minute + 5

    # Clicking an empty time opens the appointment form there, filled in; booking from it
    # puts the appointment in the agenda.
    with page.expect_navigation():
        page.mouse.click(middle, y_of(14))
    query = parse_qs(urlparse(page.url).query)
    assert urlparse(page.url).path == f"/app/{world.practice.slug}/appointments/new/"
    assert query == {
        "practitioner": [str(world.aubert.pk)],
        "start": [f"{world.day.isoformat()}T14:00"],
        "center": [str(world.center.pk)],
    }
    assert page.input_value("input[name=time]") == "14:00"
    zoe = factories.patient(world.practice, first_name="Zoé", last_name="Lemaire")
    page.fill("input[name=patient_q]", "Lemaire")
    with page.expect_navigation():
        page.press("input[name=patient_q]", "Enter")
    page.select_option("select[name=patient]", str(zoe.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Book the appointment").click()
    booked = Appointment.objects.get(
        practitioner=world.aubert, start=datetime.combine(world.day, time(14), world.practice.zone)
    )
    assert booked.patient_id == zoe.pk
    page.goto(live_server.url + world.url("day"))
    event(page, "Zoé Lemaire").wait_for()
    booking.cancel(world.practice, booked)  # out of the way of what follows
    page.goto(live_server.url + world.url("day"))
    event(page, "Alice Durand").wait_for()

    # Drag Alice from 09:00 to the free 10:00.
    drag(page, (middle, alice["y"] + 5), (middle, y_of(10)))
    page.get_by_text("Moved.").wait_for()
    moved = Appointment.objects.get(pk=world.alice.pk)
    assert local(moved.start, world) == (10, 0)
    assert local(moved.end, world) == (10, 30)

    # Onto Bruno's 11:00: refused with the reason, nothing changes, the drag is undone.
    drag(page, (middle, y_of(10)), (middle, y_of(11)))
    page.get_by_text("Not moved:").wait_for()
    assert page.locator(".agenda-status").inner_text() != "Not moved:"
    assert all("409" in problem for problem in browser_watch.take())
    assert Appointment.objects.get(pk=world.alice.pk).start == moved.start
    assert abs(box(page, "Alice Durand")["y"] - (y_of(10) - 5)) < 3
    # The owner may place it over Bruno's on purpose.
    page.get_by_role("button", name="Allow overlap").click()
    page.get_by_text("Moved.").wait_for()
    overlapping = Appointment.objects.get(pk=world.alice.pk)
    assert local(overlapping.start, world) == (11, 0)
    assert overlapping.allow_overlap

    # Drag Chloé's lower edge from 09:30 to 10:00.
    page.wait_for_load_state("networkidle")  # the agenda was fetched again after the overlap
    handle = None
    for _attempt in range(20):
        event(page, "Chloé").hover()
        handle = event(page, "Chloé").locator(".ec-resizer").bounding_box()
        if handle is not None:
            break
        page.wait_for_timeout(100)
    assert handle is not None, "no resize handle"
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    drag(page, (x, y), (x, y + 30 * per_minute))
    page.get_by_text("Moved.").wait_for()
    page.wait_for_function(
        "() => document.querySelector('.agenda-status').textContent === 'Moved.'"
    )
    longer = Appointment.objects.get(pk=world.chloe.pk)
    for _attempt in range(20):
        if local(longer.end, world) == (10, 0):
            break
        page.wait_for_timeout(100)
        longer.refresh_from_db()
    assert (local(longer.start, world), local(longer.end, world)) == ((9, 0), (10, 0))

    # Week and month views, and back.
    page.locator(".ec-resourceTimeGridWeek").click()
    page.locator(".ec-week-view").wait_for()
    assert page.locator(".ec-header .ec-col-head").count() >= 7
    page.locator(".ec-dayGridMonth").click()
    page.locator(".ec-month-view").wait_for()
    event(page, "Bruno Petit").wait_for()
    page.locator(".ec-resourceTimeGridDay").click()
    page.locator(".ec-day-view").wait_for()


def test_choosing_practitioners_shows_their_columns_and_a_phone_does_not_scroll_sideways(
    live_server: Any, page: Any, world: Agenda
) -> None:
    log_in(page, live_server, world.owner.email)
    page.goto(live_server.url + world.url("week"))
    event(page, "Alice Durand").first.wait_for()
    page.get_by_role("checkbox", name="Dr Besson").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    event(page, "Chloé").first.wait_for()
    assert event(page, "Alice Durand").count() == 0
    assert "Dr Aubert" not in page.locator(".ec-header").inner_text()

    for view in ("day", "week", "month"):
        page.set_viewport_size(PHONE)
        page.goto(live_server.url + world.url(view))
        page.locator(".ec-event").first.wait_for()
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 0, f"the {view} view is {wider} px too wide at 390 px"
