"""Settings in Chromium: an admin edits a practitioner's weekly schedule and the booking site's
slots follow; creates and edits appointment types and centers; adds a practitioner."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from carnet.practices.models import Center
from carnet.scheduling.models import AppointmentType, Practitioner, ScheduleLine, TypeScheduleLine
from tests.e2e.conftest import SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def next_monday(world: SmallPractice) -> str:
    today = datetime.now(world.practice.zone).date()
    return (today + timedelta(days=7 - today.weekday())).isoformat()


def booking_slots(page: Any, live_server: Any, world: SmallPractice, kind: AppointmentType) -> int:
    """How many slots the booking site offers next week for this type and practitioner."""
    page.goto(
        f"{live_server.url}/book/{world.practice.slug}/?type={kind.pk}"
        f"&practitioner={world.practitioner.pk}&week={next_monday(world)}"
    )
    return int(page.locator("a.slot").count())


def save(page: Any, name: str = "Save") -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_an_admin_edits_a_weekly_schedule_and_the_booking_site_follows(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    kind = AppointmentType.objects.get(practice=world.practice)
    log_in(page, live_server, world.owner.email)

    # Edit the type: online booking allowed, so the booking site shows its slots.
    page.goto(f"{live_server.url}/app/{world.practice.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Practitioners", exact=True).first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Appointment types").click()
    with page.expect_navigation():
        page.get_by_role("link", name=kind.name).click()
    page.check("input[name=online_booking]")
    save(page)
    assert page.get_by_text(f"Saved: {kind.name}.").is_visible()
    assert booking_slots(page, live_server, world, kind) == 0  # no weekly hours yet

    # The sheet: two ranges on Monday that overlap are refused, beside both rows.
    page.goto(f"{live_server.url}/app/{world.practice.slug}/settings/practitioners/")
    with page.expect_navigation():
        page.get_by_role("link", name=world.practitioner.display_name).click()
    page.fill("input[name=booking_horizon_days]", "90")
    for row, (start, end) in enumerate((("09:00", "12:00"), ("11:00", "17:00"))):
        page.select_option(f"select[name=lines-{row}-weekday]", label="Monday")
        page.fill(f"input[name=lines-{row}-start]", start)
        page.fill(f"input[name=lines-{row}-end]", end)
    save(page)
    message = "Monday: 09:00-12:00 and 11:00-17:00 overlap in the same center."
    assert page.locator("tr.schedule-row-errors", has_text=message).count() == 2
    assert page.get_by_text("Some ranges need correcting: nothing was saved.").is_visible()
    assert not ScheduleLine.objects.exists()
    world.practitioner.refresh_from_db()
    assert world.practitioner.booking_horizon_days == 60

    # Corrected: a lunch break. Saved, and the booking site offers both ranges.
    page.fill("input[name=lines-1-start]", "14:00")
    save(page)
    assert page.get_by_text(f"Saved the sheet of {world.practitioner.display_name}.").is_visible()
    assert ScheduleLine.objects.filter(practitioner=world.practitioner).count() == 2
    world.practitioner.refresh_from_db()
    assert world.practitioner.booking_horizon_days == 90
    # 30-minute visits every 15 minutes: 09:00 to 11:30 and 14:00 to 16:30, 11 each.
    assert booking_slots(page, live_server, world, kind) == 22
    assert page.get_by_role("link", name="14:00").count() >= 1

    # Remove the afternoon: the slots go with it.
    page.goto(
        f"{live_server.url}/app/{world.practice.slug}/settings/practitioners/"
        f"{world.practitioner.pk}/"
    )
    afternoon = page.locator("tr.schedule-row", has=page.locator("input[value='14:00']"))
    afternoon.locator("input[name$=DELETE]").check()
    save(page)
    assert [
        (f"{line.start:%H:%M}", f"{line.end:%H:%M}") for line in ScheduleLine.objects.all()
    ] == [("09:00", "12:00")]
    assert booking_slots(page, live_server, world, kind) == 11
    assert page.get_by_role("link", name="14:00").count() == 0

    # "Add a range" (the small script) adds a row numbered after the others; it is saved too.
    page.goto(
        f"{live_server.url}/app/{world.practice.slug}/settings/practitioners/"
        f"{world.practitioner.pk}/"
    )
    rows = page.locator("tbody[data-schedule-rows] tr.schedule-row")
    before = rows.count()
    page.get_by_role("button", name="Add a range").click()
    assert rows.count() == before + 1
    page.select_option(f"select[name=lines-{before}-weekday]", label="Tuesday")
    page.fill(f"input[name=lines-{before}-start]", "10:00")
    page.fill(f"input[name=lines-{before}-end]", "11:00")
    save(page)
    assert ScheduleLine.objects.filter(weekday=1, center=world.center).count() == 1


def test_an_admin_creates_and_edits_a_type_creates_a_center_and_adds_a_practitioner(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    log_in(page, live_server, world.owner.email)
    settings = f"{live_server.url}/app/{world.practice.slug}/settings"

    # A center, then its edit page.
    page.goto(f"{settings}/centers/")
    with page.expect_navigation():
        page.get_by_role("link", name="New center").click()
    page.fill("input[name=name]", "Cabinet de Montréal")
    page.fill("textarea[name=address]", "4500 rue Saint-Denis\nMontréal")
    page.select_option("select[name=time_zone]", "America/Toronto")
    save(page, "Create the center")
    assert page.get_by_role("link", name="Cabinet de Montréal").is_visible()
    center = Center.objects.get(name="Cabinet de Montréal")
    assert center.time_zone == "America/Toronto" and center.practice == world.practice
    with page.expect_navigation():
        page.get_by_role("link", name="Cabinet de Montréal").click()
    page.fill("input[name=name]", world.center.name)  # taken: refused with the reason
    save(page)
    refusal = f"This practice already has a center named “{world.center.name}”."
    assert page.get_by_text(refusal).is_visible()
    page.fill("input[name=name]", "Cabinet Saint-Denis")
    save(page)
    center.refresh_from_db()
    assert center.name == "Cabinet Saint-Denis"

    # A type with every field, and its own schedule in the new center.
    page.goto(f"{settings}/types/")
    with page.expect_navigation():
        page.get_by_role("link", name="New appointment type").click()
    page.fill("input[name=name]", "Rééducation périnéale")
    page.fill("input[name=duration_minutes]", "0")
    page.fill("input[name=color]", "#10b981")
    page.check("input[name=sms_reminder]")
    page.fill("textarea[name=description]", "Prévoyez une serviette.")
    page.check("input[name=online_booking]")
    page.get_by_label(world.practitioner.display_name).check()
    page.fill("input[name=buffer_after_minutes]", "10")
    page.check("input[name=has_own_schedule]")
    page.select_option("select[name=lines-0-weekday]", label="Wednesday")
    page.select_option("select[name=lines-0-center]", label="Cabinet Saint-Denis")
    page.fill("input[name=lines-0-start]", "08:00")
    page.fill("input[name=lines-0-end]", "12:00")
    save(page, "Create the appointment type")
    assert page.get_by_text("The duration must be at least one minute.").is_visible()
    assert not AppointmentType.objects.filter(name="Rééducation périnéale").exists()
    page.fill("input[name=duration_minutes]", "45")
    save(page, "Create the appointment type")
    kind = AppointmentType.objects.get(name="Rééducation périnéale")
    assert (kind.duration_minutes, kind.color, kind.buffer_after_minutes) == (45, "#10b981", 10)
    assert kind.sms_reminder and kind.online_booking and kind.has_own_schedule
    assert kind.description == "Prévoyez une serviette."
    assert list(kind.practitioners.all()) == [world.practitioner]
    line = TypeScheduleLine.objects.get(appointment_type=kind)
    assert (line.weekday, line.center, f"{line.start:%H:%M}") == (2, center, "08:00")

    # Edit it: shorter, no more SMS.
    page.fill("input[name=duration_minutes]", "40")
    page.uncheck("input[name=sms_reminder]")
    save(page)
    kind.refresh_from_db()
    assert kind.duration_minutes == 40 and not kind.sms_reminder

    # Add a practitioner: lands on their new sheet.
    page.goto(f"{settings}/practitioners/")
    page.fill("input[name=display_name]", "Dr Inès Carpentier-Valois")
    page.fill("input[name=profession]", "Kinésithérapeute")
    save(page, "Add the practitioner")
    assert page.get_by_role(
        "heading", name="Professional information sheet: Dr Inès Carpentier-Valois"
    ).is_visible()
    assert Practitioner.objects.get(display_name="Dr Inès Carpentier-Valois").profession == (
        "Kinésithérapeute"
    )
