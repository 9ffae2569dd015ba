"""The booking site in Chromium, as patients use it: a newcomer books from scratch in French
(sign-up, the verification email, back to the slot, confirm), and two patients who opened the
same slot at the same time: the second is told it was just taken and shown fresh slots.
Screenshots of each step are saved under $CARNET_ARTIFACTS_DIR (or the test's tmp_path)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from carnet.scheduling.models import Appointment
from tests import factories
from tests.e2e.conftest import PASSWORD, PHONE, BrowserWatch, log_in
from tests.portal.conftest import Site, build_site

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(transactional_db: None) -> Site:
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return build_site(name="Cabinet des Lilas")


def first_free_slot(page: Any) -> Any:
    """The first slot link of the shown weeks, going to the next week while there is none."""
    for _week in range(3):
        slots = page.locator("a.slot")
        if slots.count():
            return slots.first
        with page.expect_navigation():
            page.click("a[rel=next]")
    raise AssertionError("no free slot in three weeks")


def test_a_new_patient_books_from_scratch_in_french(
    live_server: Any, browser: Any, browser_watch: BrowserWatch, site: Site, artifacts_dir: Path
) -> None:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, timezone_id="Asia/Tokyo")
    page = context.new_page()
    browser_watch.attach(page)
    page.goto(f"{live_server.url}{site.url}")
    assert page.get_attribute("html", "lang") == "fr"
    with page.expect_navigation():
        page.click("text=Consultation")
    # The type's description just above the calendar; the browser's other zone is pointed out.
    assert "Bring your health card." in page.inner_text(".type-description")
    assert page.locator("[data-practice-zone]").is_visible()
    assert "Asia/Tokyo" in page.inner_text("[data-practice-zone]")
    page.screenshot(path=artifacts_dir / "booking-1-week.png", full_page=True)

    slot = first_free_slot(page)
    chosen = slot.get_attribute("href")
    with page.expect_navigation():
        slot.click()
    assert "/accounts/login/" in page.url  # confirming needs an account

    # Sign up (allauth's French pages), with the way back to the slot kept.
    with page.expect_navigation():
        page.click("a[href*='/accounts/signup/']")
    assert "next=" in page.url
    page.fill("input[name=email]", "claire.roux@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.screenshot(path=artifacts_dir / "booking-2-sign-up.png", full_page=True)
    with page.expect_navigation():
        page.click("form.account-form [type=submit]")
    assert "Vérifiez votre adresse e-mail" in page.inner_text("main")

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    assert link is not None
    page.goto(live_server.url + "/accounts/" + link.group(0).split("/accounts/", 1)[1])
    with page.expect_navigation():
        page.click("form.account-form [type=submit]")
    # Verified in the browser that signed up: signed in, and back on the chosen slot at once.
    assert page.url == live_server.url + chosen
    assert "/confirm/" in page.url, page.url
    assert page.locator("input[name=first_name]").count(), page.inner_text("main")
    assert page.get_attribute("html", "lang") == "fr"
    page.screenshot(path=artifacts_dir / "booking-3-confirm.png", full_page=True)

    page.fill("input[name=first_name]", "Claire")
    page.fill("input[name=last_name]", "Roux")
    page.fill("input[name=mobile]", "06 12 34 56 78")
    page.fill("input[name=birth_date]", "1985-04-02")
    with page.expect_navigation():
        page.click("form.confirm-form [type=submit]")
    assert "/done/" in page.url, page.inner_text("main")
    appointment = Appointment.objects.select_related("patient").get()
    assert appointment.patient.full_name == "Claire Roux"
    assert appointment.patient.mobile == "+33612345678"
    assert appointment.source == "online"
    assert page.locator("a[href^='https://calendar.google.com/']").count() == 1
    assert page.locator("a[href$='appointment.ics']").count() == 1
    page.screenshot(path=artifacts_dir / "booking-4-done.png", full_page=True)
    context.close()
    assert not browser_watch.problems, browser_watch.problems


def patient_account(email: str) -> Any:
    account = factories.user(email, password=PASSWORD)
    EmailAddress.objects.update_or_create(
        user=account, email=email, defaults={"primary": True, "verified": True}
    )
    return account


def test_the_second_patient_on_the_same_slot_is_told_it_was_just_taken(
    live_server: Any, browser: Any, browser_watch: BrowserWatch, site: Site, artifacts_dir: Path
) -> None:
    tabs = []
    for email in ("lea@example.org", "hugo@example.org"):
        patient_account(email)
        context = browser.new_context(locale="en-GB", viewport=PHONE)
        page = context.new_page()
        browser_watch.attach(page)
        log_in(page, live_server, email)
        tabs.append((context, page))
    first, second = (page for _context, page in tabs)
    first.goto(f"{live_server.url}{site.url}?type={site.kind.pk}")
    slot_url = first_free_slot(first).get_attribute("href")
    # Both open the same slot, both fill in the form; then both press "Book".
    for page, name in ((first, "Léa"), (second, "Hugo")):
        page.goto(live_server.url + slot_url)
        page.fill("input[name=first_name]", name)
        page.fill("input[name=last_name]", "Martin")
        page.fill("input[name=mobile]", "06 98 76 54 32")
        page.fill("input[name=birth_date]", "1990-01-01")
    with first.expect_navigation():
        first.click("form.confirm-form [type=submit]")
    with second.expect_navigation():
        second.click("form.confirm-form [type=submit]")
    assert "/done/" in first.url, first.inner_text("main")
    assert "This slot was just taken; please pick another." in second.inner_text(".problem")
    fresh = second.locator("a.slot")
    assert fresh.count() > 0
    assert slot_url not in [fresh.nth(i).get_attribute("href") for i in range(fresh.count())]
    second.screenshot(path=artifacts_dir / "booking-slot-taken.png", full_page=True)
    assert Appointment.objects.get().patient.first_name == "Léa"
    # The refusal is a 409 answer, which Chromium logs; nothing else went wrong.
    problems = browser_watch.take()
    assert all("409" in problem for problem in problems), problems
    # The fresh slots book (nothing of Hugo was saved: he types his details again).
    with second.expect_navigation():
        fresh.first.click()
    second.fill("input[name=first_name]", "Hugo")
    second.fill("input[name=last_name]", "Martin")
    second.fill("input[name=mobile]", "06 98 76 54 32")
    second.fill("input[name=birth_date]", "1990-01-01")
    with second.expect_navigation():
        second.click("form.confirm-form [type=submit]")
    assert "/done/" in second.url, second.inner_text("main")
    assert Appointment.objects.count() == 2
    for context, _page in tabs:
        context.close()
    assert not browser_watch.problems, browser_watch.problems
