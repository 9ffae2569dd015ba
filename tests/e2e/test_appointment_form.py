"""Staff book, change and cancel appointments through the forms, in Chromium.

Every form of the three pages is submitted: the patient search (with the button, and live as
one types), booking an existing patient, booking a new patient created inline, a refused
overlap and the overbooking a practitioner may choose, the edit form, the cancel confirmation.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from carnet.patients.models import Patient
from carnet.scheduling.models import Appointment, AppointmentStatus
from tests.e2e.conftest import SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def tomorrow(world: SmallPractice, hour: int, minute: int = 0) -> datetime:
    day = timezone.now().astimezone(world.center.zone).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), world.center.zone)


def fill_when(page: Any, moment: datetime) -> None:
    page.fill("input[name=date]", moment.date().isoformat())
    page.fill("input[name=time]", moment.strftime("%H:%M"))


def test_an_assistant_books_an_existing_patient_and_a_new_one(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    log_in(page, live_server, world.assistant.email)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="New appointment").click()

    # The search form (without script: Enter reloads the page with the matches).
    page.fill("input[name=patient_q]", "fontaine")
    with page.expect_navigation():
        page.press("input[name=patient_q]", "Enter")
    page.select_option("select[name=patient]", str(world.patient.pk))
    fill_when(page, tomorrow(world, 9))
    page.get_by_label("Private notes").fill("Bring the last scan")
    with page.expect_navigation():
        page.get_by_role("button", name="Book the appointment").click()
    assert page.get_by_text("Booked: Marie-Amélie Fontaine-Delacroix").is_visible()
    assert page.get_by_text("Bring the last scan").is_visible()
    booked = Appointment.objects.get(start=tomorrow(world, 9))
    assert (booked.patient, booked.practitioner) == (world.patient, world.practitioner)

    # From the agenda's link, for someone who is not a patient yet: created inline.
    start = tomorrow(world, 11, 15).strftime("%Y-%m-%dT%H:%M")
    page.goto(
        f"{live_server.url}/app/{world.practice.slug}/appointments/new/"
        f"?practitioner={world.practitioner.pk}&center={world.center.pk}&start={start}"
    )
    assert page.input_value("input[name=time]") == "11:15"
    page.get_by_label("A new patient").check()
    page.fill("input[name=new-first_name]", "Léa")
    page.fill("input[name=new-last_name]", "Roux")
    page.fill("input[name=new-mobile]", "06 11 22 33 44")
    with page.expect_navigation():
        page.get_by_role("button", name="Book the appointment").click()
    assert page.get_by_text("Booked: Léa Roux").is_visible()
    lea = Patient.objects.get(last_name="Roux")
    assert lea.mobile == "+33611223344"
    assert Appointment.objects.get(patient=lea).start == tomorrow(world, 11, 15)


def test_the_patient_list_follows_what_is_typed(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    Patient.objects.create(practice=world.practice, first_name="Paul", last_name="Durand")
    log_in(page, live_server, world.owner.email)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/appointments/new/")
    options = page.locator("select[name=patient] option")
    page.locator("input[name=patient_q]").press_sequentially("dura")
    page.wait_for_function(
        "() => document.querySelectorAll('select[name=patient] option').length === 2"
    )
    assert "Durand Paul" in options.nth(1).inner_text()
    # The only match is picked for the person typing.
    assert page.input_value("select[name=patient]") != ""


def test_a_taken_time_is_refused_for_an_assistant_and_overbooked_by_the_practitioner(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    taken = world.appointments[2].start.astimezone(world.center.zone)
    url = f"{live_server.url}/app/{world.practice.slug}/appointments/new/"
    log_in(page, live_server, world.assistant.email)
    page.goto(url)
    page.fill("input[name=patient_q]", "Fontaine")
    with page.expect_navigation():
        page.press("input[name=patient_q]", "Enter")
    page.select_option("select[name=patient]", str(world.patient.pk))
    fill_when(page, taken + timedelta(minutes=5))
    assert page.locator("input[name=allow_overlap]").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Book the appointment").click()
    refusal = page.get_by_role("alert")
    assert "Dr Claire Morel-Lefebvre already has an appointment from" in refusal.inner_text()
    assert "Only the practitioner or an administrator" in refusal.inner_text()
    assert Appointment.objects.count() == len(world.appointments)

    page.context.clear_cookies()
    log_in(page, live_server, world.practitioner_user.email)
    page.goto(url + "?patient_q=Fontaine")
    page.select_option("select[name=patient]", str(world.patient.pk))
    fill_when(page, taken + timedelta(minutes=5))
    page.get_by_label("Allow overlap").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Book the appointment").click()
    assert page.get_by_text("overlaps another one (overbooking)").is_visible()
    assert Appointment.objects.filter(allow_overlap=True).count() == 1


def test_the_practitioner_moves_then_cancels_an_appointment(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    appointment = world.appointments[0]
    log_in(page, live_server, world.practitioner_user.email)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/appointments/{appointment.public_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Edit").click()

    # Onto another appointment: refused, with the reason; nothing saved.
    other = world.appointments[1].start.astimezone(world.center.zone)
    fill_when(page, other)
    page.get_by_label("Private notes").fill("Moved at her request")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "already has an appointment from" in page.get_by_role("alert").inner_text()
    assert Appointment.objects.get(pk=appointment.pk).notes == ""

    # To tomorrow: saved.
    fill_when(page, tomorrow(world, 16, 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Saved:").is_visible()
    moved = Appointment.objects.get(pk=appointment.pk)
    assert (moved.start, moved.notes) == (tomorrow(world, 16, 30), "Moved at her request")

    with page.expect_navigation():
        page.get_by_role("link", name="Cancel the appointment").click()
    page.get_by_label("Reason (for the practice's records, optional)").fill("Patient called")
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel the appointment").click()
    assert page.get_by_text("Cancelled: Marie-Amélie Fontaine-Delacroix").is_visible()
    assert page.get_by_role("link", name="Edit").count() == 0
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
