"""A new practice, from `carnet add_practice` to its first booked appointment, in Chromium.

No admin and no shell after the command: the owner logs in, follows the checklist to create a
center, a practitioner with a weekly schedule and an appointment type open online, and the
booking site then offers a slot, which is booked.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from carnet.practices.models import Center, Practice
from carnet.scheduling.models import Appointment, AppointmentType, Practitioner, ScheduleLine
from tests.e2e.conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db(transaction=True)

WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def follow(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.click()


def test_a_new_practice_is_set_up_from_the_workspace_and_booked(
    live_server: Any, page: Any
) -> None:
    call_command(
        "add_practice",
        "Cabinet Dupont",
        "cabinet-dupont",
        "--owner-email",
        "dupont@example.org",
        "--owner-password",
        PASSWORD,
        "--language",
        "en",
        stdout=io.StringIO(),
    )
    practice = Practice.objects.get(slug="cabinet-dupont")
    log_in(page, live_server, "dupont@example.org")
    assert page.url == f"{live_server.url}/app/cabinet-dupont/"
    assert page.get_by_text("not ready for online booking yet").is_visible()
    follow(page, "Continue setting up")
    assert page.get_by_text("1 of 6 steps done").is_visible()

    # A second center.
    follow(page, "Add your centers")
    follow(page, "New center")
    page.fill("input[name=name]", "Cabinet Dupont – Annexe")
    page.fill("textarea[name=address]", "12 rue des Lilas\n75020 Paris")
    submit(page, "Create the center")
    annexe = Center.objects.get(practice=practice, name="Cabinet Dupont – Annexe")

    # A practitioner, with opening hours every day at the annexe.
    page.goto(f"{live_server.url}/app/cabinet-dupont/getting-started/")
    follow(page, "Add your practitioners")
    page.fill("input[name=display_name]", "Dr Hélène Dupont")
    page.fill("input[name=profession]", "Médecin généraliste")
    submit(page, "Add the practitioner")
    rows = page.locator("tbody[data-schedule-rows] tr.schedule-row")
    while rows.count() < len(WEEK):
        page.get_by_role("button", name="Add a range").click()
    for row, day in enumerate(WEEK):
        page.select_option(f"select[name=lines-{row}-weekday]", label=day)
        page.select_option(f"select[name=lines-{row}-center]", label=annexe.name)
        page.fill(f"input[name=lines-{row}-start]", "07:00")
        page.fill(f"input[name=lines-{row}-end]", "21:00")
    submit(page, "Save")
    doctor = Practitioner.objects.get(practice=practice, display_name="Dr Hélène Dupont")
    assert ScheduleLine.objects.filter(practitioner=doctor, center=annexe).count() == 7

    # An appointment type, open online.
    page.goto(f"{live_server.url}/app/cabinet-dupont/getting-started/")
    follow(page, "Create your appointment types")
    follow(page, "New appointment type")
    page.fill("input[name=name]", "Consultation")
    page.fill("input[name=duration_minutes]", "30")
    page.check("input[name=online_booking]")
    page.get_by_label("Dr Hélène Dupont").check()
    submit(page, "Create the appointment type")
    kind = AppointmentType.objects.get(practice=practice, name="Consultation")
    assert kind.online_booking and list(kind.practitioners.all()) == [doctor]

    # The checklist is done; the booking page leads to the booking site.
    page.goto(f"{live_server.url}/app/cabinet-dupont/getting-started/")
    assert page.get_by_text("Your practice is ready").is_visible()
    follow(page, "Open your booking page")
    booking_site = page.locator("section[aria-labelledby=booking-site-title] a").first
    with page.expect_navigation():
        booking_site.click()
    follow(page, annexe.name)  # two centers: where first
    follow(page, "Consultation")
    slot = page.locator("a.slot").first
    if not slot.count():  # late in the day: the next week has slots
        follow(page, "See the next week")
        slot = page.locator("a.slot").first
    with page.expect_navigation():
        slot.click()
    page.fill("input[name=first_name]", "Jeanne")
    page.fill("input[name=last_name]", "Martin")
    page.fill("input[name=mobile]", "06 12 34 56 78")
    page.fill("input[name=birth_date]", "1985-04-02")
    submit(page, "Book this appointment")
    assert "/done/" in page.url, page.inner_text("main")
    appointment = Appointment.objects.select_related("patient").get(practice=practice)
    assert appointment.patient.full_name == "Jeanne Martin"
    assert (appointment.practitioner, appointment.center) == (doctor, annexe)
