"""The practice's settings, its members and the booking page, in Chromium: every form submitted.

An owner saves the practice's settings (a bad value first), invites a colleague, who opens the
link from the email in their own browser, signs up and lands in the practice; the owner then
changes the newcomer's role and links, withdraws another invitation, and removes the member.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from carnet.accounts.models import User
from carnet.feeds.throttle import reset
from carnet.practices.models import Invitation, Membership, Role
from tests.e2e.conftest import DESKTOP, PASSWORD, BrowserWatch, SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://\S+(/invitations/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    reset()
    yield
    reset()


def submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def follow(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.click()


def test_an_owner_saves_the_practice_settings(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    log_in(page, live_server, world.owner.email)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/")
    follow(page, "Settings")
    assert page.get_by_role("heading", name="Settings", exact=True).is_visible()

    page.fill("input[name=name]", "Maison de santé des Lilas – Saint-Jean")
    page.fill("input[name=cancellation_cutoff_hours]", "1000")
    page.fill("input[name=reminder_time]", "17:30")
    page.fill("textarea[name=booking_embed_origins]", "https://www.lilas.example")
    submit(page, "Save settings")
    assert page.get_by_text("at most 720 hours").is_visible()
    world.practice.refresh_from_db()
    assert world.practice.name == "Maison de santé pluriprofessionnelle des Lilas"

    page.fill("input[name=cancellation_cutoff_hours]", "48")
    page.uncheck("input[name=send_staff_confirmations]")
    submit(page, "Save settings")
    assert page.get_by_text("settings are saved").is_visible()
    world.practice.refresh_from_db()
    assert world.practice.name == "Maison de santé des Lilas – Saint-Jean"
    assert world.practice.cancellation_cutoff_hours == 48
    assert f"{world.practice.reminder_time:%H:%M}" == "17:30"
    assert not world.practice.send_staff_confirmations

    # The booking page now lists the website among those allowed to show it.
    follow(page, "Booking page")
    assert page.locator("#booking-embed-code").input_value().startswith("<iframe src=")
    assert page.get_by_text("https://www.lilas.example").is_visible()


def test_invite_accept_change_role_and_remove_a_member(
    live_server: Any,
    page: Any,
    browser: Any,
    browser_watch: BrowserWatch,
    small_practice: SmallPractice,
) -> None:
    world = small_practice
    log_in(page, live_server, world.owner.email)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/settings/")
    follow(page, "Members")

    # An address that is already a member's is refused with the reason; a new one is invited.
    page.fill("input[name=email]", world.assistant.email)
    submit(page, "Send the invitation")
    assert page.get_by_text(f"{world.assistant.email} is already a member").is_visible()
    mail.outbox.clear()
    page.fill("input[name=email]", "lea.garnier@example.org")
    page.select_option("select[name=role]", Role.ASSISTANT.value)
    submit(page, "Send the invitation")
    assert page.get_by_text("Invitation sent to lea.garnier@example.org.").is_visible()
    [letter] = mail.outbox
    found = LINK.search(letter.body)
    assert found is not None, letter.body

    # The newcomer, in their own browser: opens the link, signs up, accepts.
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    newcomer = context.new_page()
    browser_watch.attach(newcomer)
    newcomer.goto(live_server.url + found.group(1))
    assert newcomer.get_by_role("heading", name=f"Join {world.practice.name}").is_visible()
    with newcomer.expect_navigation():
        newcomer.get_by_role("link", name="Create my account").click()
    assert newcomer.input_value("input[name=email]") == "lea.garnier@example.org"
    newcomer.fill("input[name=password1]", PASSWORD)
    newcomer.fill("input[name=password2]", PASSWORD)
    with newcomer.expect_navigation():
        newcomer.click("form.account-form [type=submit]")
    assert found.group(1) in newcomer.url  # back on the invitation, logged in, no second email
    with newcomer.expect_navigation():
        newcomer.get_by_role("button", name="Accept the invitation").click()
    assert newcomer.url == f"{live_server.url}/app/{world.practice.slug}/"
    assert newcomer.get_by_text(f"Welcome to {world.practice.name}.").is_visible()
    lea = User.objects.get(email="lea.garnier@example.org")
    membership = Membership.objects.get(user=lea, practice=world.practice)
    assert membership.role == Role.ASSISTANT

    # The owner links her to the practitioner's agenda in their center, then makes her a
    # practitioner.
    page.reload()
    follow(page, "lea.garnier@example.org")
    page.get_by_label(world.practitioner.display_name).first.check()
    page.get_by_label(world.center.name).check()
    submit(page, "Save")
    assert list(membership.practitioners.all()) == [world.practitioner]
    assert list(membership.centers.all()) == [world.center]
    newcomer.goto(f"{live_server.url}/app/{world.practice.slug}/")
    assert newcomer.get_by_text(world.appointments[0].patient.last_name).first.is_visible()
    follow(page, "lea.garnier@example.org")
    page.select_option("select[name=role]", Role.PRACTITIONER.value)
    submit(page, "Save")
    membership.refresh_from_db()
    assert membership.role == Role.PRACTITIONER

    # Another invitation, withdrawn.
    page.fill("input[name=email]", "paul@example.org")
    submit(page, "Send the invitation")
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw the invitation to paul@example.org").click()
    assert page.get_by_text("The invitation to paul@example.org is withdrawn.").is_visible()
    assert not Invitation.objects.exists()

    # Removed: she no longer opens the practice.
    follow(page, "lea.garnier@example.org")
    submit(page, "Remove this member")
    assert page.get_by_text("lea.garnier@example.org is no longer a member.").is_visible()
    assert not Membership.objects.filter(user=lea).exists()
    response = context.request.get(f"{live_server.url}/app/{world.practice.slug}/")
    assert response.status == 404
    context.close()
