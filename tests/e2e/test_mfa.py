"""Two-factor authentication and getting around, in the browser: a member sets up an
authenticator app from the header's Security link and logs in with its code; a practice that
requires it sends members without one to set it up; a member removes it; a member of several
practices switches from one to the other."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator

from carnet.practices.models import Role
from tests import factories
from tests.accounts.authenticator import code_now, set_up_app
from tests.e2e.conftest import (
    PASSWORD,
    PHONE,
    SmallPractice,
    confirm_password,
    log_in,
    log_in_with_code,
)
from tests.e2e.test_narrow_screens import overflow, widest_elements

pytestmark = pytest.mark.django_db(transaction=True)


def fits(page: Any) -> None:
    assert overflow(page) <= 0, ", ".join(widest_elements(page))


def activate_app(page: Any) -> str:
    """On the set-up page: read the secret shown under the QR code, enter the app's code."""
    secret = page.input_value("#authenticator_secret")
    assert page.locator("img.qr").is_visible()
    page.fill("input[name=code]", "000000")
    with page.expect_navigation():
        page.click("form:has(input[name=code]) [type=submit]")
    assert "Incorrect code." in page.inner_text("main")
    page.fill("input[name=code]", code_now(secret))
    with page.expect_navigation():
        page.click("form:has(input[name=code]) [type=submit]")
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    return secret


def test_member_sets_up_an_app_and_logs_in_with_its_code(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    email = world.practitioner_user.email
    page.set_viewport_size(PHONE)
    log_in(page, live_server, email)
    with page.expect_navigation():
        page.click("header >> text=Security")
    assert "An authenticator app is not active." in page.inner_text("main")
    fits(page)
    with page.expect_navigation():
        page.click("main a:has-text('Activate')")
    # allauth asks for the password again first.
    assert "/accounts/reauthenticate/" in page.url
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    fits(page)
    secret = activate_app(page)
    assert page.locator("#recovery_codes").input_value().count("\n") >= 9  # ten codes
    fits(page)

    with page.expect_navigation():
        page.click("header button:has-text('Log out')")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    fits(page)
    page.fill("input[name=code]", "123456" if code_now(secret) != "123456" else "654321")
    with page.expect_navigation():
        page.click("form:has(input[name=code]) [type=submit]")
    assert "Incorrect code." in page.inner_text("main")
    page.fill("input[name=code]", code_now(secret))
    with page.expect_navigation():
        page.click("form:has(input[name=code]) [type=submit]")
    assert page.url == f"{live_server.url}/app/{world.practice.slug}/"
    assert world.practitioner_user.email in page.inner_text("header")


def test_a_practice_that_requires_it_sends_members_to_set_it_up(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    world.practice.require_mfa = True
    world.practice.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", world.assistant.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    # Sent from the practice to the set-up page, which first asks for the password again.
    assert "/accounts/reauthenticate/" in page.url
    assert "requires two-factor authentication for every member" in page.inner_text("main")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    activate_app(page)
    page.goto(f"{live_server.url}/app/{world.practice.slug}/")
    assert page.url == f"{live_server.url}/app/{world.practice.slug}/"
    assert world.patient.last_name in page.inner_text("main")


def test_member_renews_recovery_codes_and_removes_the_app(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    owner = small_practice.owner
    secret = set_up_app(owner)
    log_in_with_code(page, live_server, owner.email, secret)
    confirm_password(page, live_server)
    page.goto(f"{live_server.url}/accounts/2fa/")
    assert "Authentication using an authenticator app is active." in page.inner_text("main")
    with page.expect_navigation():
        page.click("main a:has-text('Generate')")
    with page.expect_navigation():
        page.click("main form [type=submit]")
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    assert Authenticator.objects.filter(user=owner, type="recovery_codes").exists()
    page.goto(f"{live_server.url}/accounts/2fa/")
    with page.expect_navigation():
        page.click("main a:has-text('Deactivate')")
    with page.expect_navigation():
        page.click("main form [type=submit]")
    assert "An authenticator app is not active." in page.inner_text("main")
    assert not Authenticator.objects.filter(user=owner, type="totp").exists()


def test_a_member_of_two_practices_switches_between_them(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    world = small_practice
    other = factories.practice("Cabinet de kinésithérapie du Parc", language="en")
    other.memberships.create(user=world.owner, role=Role.ADMIN)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, world.owner.email)
    here = f"{live_server.url}/app/{world.practice.slug}/"
    page.goto(here)
    switcher = page.locator("details.practice-switcher")
    assert world.practice.name in switcher.locator("summary").inner_text()
    switcher.locator("summary").click()
    current = switcher.locator("a[aria-current=page]")
    assert current.inner_text() == world.practice.name
    fits(page)
    with page.expect_navigation():
        switcher.locator(f"a:has-text('{other.name}')").click()
    assert page.url == f"{live_server.url}/app/{other.slug}/"
    assert other.name in page.inner_text("details.practice-switcher summary")
    assert page.locator("nav.sections a[aria-current=page]").inner_text() == "Today"
    fits(page)
