"""A practice admin finds a patient, opens their record, creates one and edits one, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.patients.models import Patient
from tests.e2e.conftest import SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_searches_opens_creates_and_edits_patients(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    Patient.objects.create(
        practice=world.practice, first_name="Paul", last_name="Durand", mobile="+33698765432"
    )
    log_in(page, live_server, world.owner.email)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/")
    page.get_by_role("link", name="Patients", exact=True).click()
    page.wait_for_load_state()

    # Search by phone, typed the way people write it.
    page.fill("input[name=q]", "06 98 76 54 32")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    rows = page.locator("table.patients tbody tr")
    assert rows.count() == 1
    assert "Durand" in rows.first.inner_text()

    # Search by name, open the patient: their appointments are there.
    page.fill("input[name=q]", "fontaine")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    with page.expect_navigation():
        page.get_by_role("link", name="Fontaine-Delacroix Marie-Amélie").click()
    assert page.get_by_role("heading", name="Marie-Amélie Fontaine-Delacroix").is_visible()
    assert page.locator("table.appointments tbody tr").count() == len(world.appointments)

    # Create a patient: a landline is refused with the reason, then a mobile is accepted.
    page.goto(f"{live_server.url}/app/{world.practice.slug}/patients/")
    with page.expect_navigation():
        page.get_by_role("link", name="New patient").click()
    page.fill("input[name=first_name]", "Léa")
    page.fill("input[name=last_name]", "Roux")
    page.fill("input[name=mobile]", "01 23 45 67 89")
    with page.expect_navigation():
        page.get_by_role("button", name="Create patient").click()
    assert page.get_by_text("is not a mobile number").is_visible()
    assert not Patient.objects.filter(last_name="Roux").exists()
    page.fill("input[name=mobile]", "06 11 22 33 44")
    with page.expect_navigation():
        page.get_by_role("button", name="Create patient").click()
    assert page.get_by_role("heading", name="Léa Roux").is_visible()
    assert page.get_by_text("+33611223344").is_visible()

    # Edit them.
    with page.expect_navigation():
        page.get_by_role("link", name="Edit").click()
    page.fill("input[name=email]", "lea.roux@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_text("lea.roux@example.org").is_visible()
    saved = Patient.objects.get(last_name="Roux")
    assert (saved.email, saved.mobile) == ("lea.roux@example.org", "+33611223344")
