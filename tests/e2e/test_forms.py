"""Every form of the shared layout and of the account pages, submitted in Chromium as a user would.

Each test clicks the real button and then checks what changed for the user (the page's language,
being logged in or out, an email received, an address verified). The `page` fixture fails a test
on any 403 or 5xx answer and on any console or JavaScript error the browser saw on the way
(tests/e2e/conftest.py). The login form itself is tested in test_staff_login.py; the calendar-feed
settings page in test_feed_settings.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from carnet.accounts.models import User
from tests import factories
from tests.e2e.conftest import PASSWORD, SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://\S+")


def language_of(page: Any) -> str:
    return str(page.get_attribute("html", "lang"))


def links_in(message: mail.EmailMessage) -> list[str]:
    return LINK.findall(str(message.body))


# --- the language switch (in the header of every page) ----------------------------------------


def test_a_visitor_switches_the_language_and_it_stays(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/")
    assert language_of(page) == "en"  # the browser asks for English (en-GB)
    login_link = page.locator("header a[href='/accounts/login/']")
    assert login_link.inner_text() == "Log in"

    page.click("form.languages button[value=es]")
    page.wait_for_load_state()
    assert language_of(page) == "es"
    assert login_link.inner_text() == "Iniciar sesión", "the page itself was not translated"

    # The choice follows the visitor to the next page, through a link, without ?lang= in it.
    login_link.click()
    page.wait_for_url("**/accounts/login/")
    assert language_of(page) == "es"
    page.reload()
    assert language_of(page) == "es"


def test_a_staff_member_switches_the_language_and_it_stays(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    log_in(page, live_server, small_practice.owner.email)
    assert language_of(page) == "en"  # the practice's language

    page.click("form.languages button[value=fr]")
    page.wait_for_load_state()
    assert language_of(page) == "fr"
    appointment = small_practice.appointments[0]
    page.goto(
        f"{live_server.url}/app/{small_practice.practice.slug}/appointments/"
        f"{appointment.public_id}/"
    )
    assert language_of(page) == "fr"


# --- logging out (the button in the header) ----------------------------------------------------


def test_log_out_from_the_header(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    log_in(page, live_server, small_practice.practitioner_user.email)
    day = page.url
    assert small_practice.practitioner_user.email in page.inner_text("header")

    with page.expect_navigation():
        page.click("header form[action='/accounts/logout/'] button")
    assert small_practice.practitioner_user.email not in page.inner_text("header")

    # The staff pages are closed again: the day page asks for the login.
    page.goto(day)
    assert "/accounts/login/" in page.url


# --- signing up, with the address verified by the emailed link -------------------------------


def sign_up(page: Any, live_server: Any, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    with page.expect_navigation():
        page.click("form:has(input[name=password1]) [type=submit]")


def test_sign_up_asks_to_verify_the_address_and_sends_the_link(live_server: Any, page: Any) -> None:
    sign_up(page, live_server, "new.colleague@example.org")

    assert "/accounts/confirm-email/" in page.url, f"no verification step: {page.url}"
    assert "new.colleague@example.org" not in page.inner_text("header"), "logged in unverified"
    assert [message.to for message in mail.outbox] == [["new.colleague@example.org"]]
    assert any("/accounts/confirm-email/" in link for link in links_in(mail.outbox[0]))
    account = User.objects.get(email="new.colleague@example.org")
    assert not EmailAddress.objects.filter(user=account, verified=True).exists()


def test_the_emailed_link_verifies_the_address_and_then_login_works(
    live_server: Any, page: Any
) -> None:
    sign_up(page, live_server, "new.colleague@example.org")
    link = next(link for link in links_in(mail.outbox[0]) if "/accounts/confirm-email/" in link)

    page.goto(link)
    with page.expect_navigation():
        page.click("main form [type=submit]")

    account = User.objects.get(email="new.colleague@example.org")
    assert EmailAddress.objects.filter(
        user=account, email="new.colleague@example.org", verified=True
    ).exists()
    page.context.clear_cookies()
    log_in(page, live_server, "new.colleague@example.org")
    assert "new.colleague@example.org" in page.inner_text("header")


def test_sign_up_with_a_taken_address_looks_the_same_and_warns_its_owner(
    live_server: Any, page: Any
) -> None:
    """No enumeration: the page says the same as for a new address; the owner gets an email."""
    factories.user("claire@example.org")
    sign_up(page, live_server, "claire@example.org")

    assert "/accounts/confirm-email/" in page.url, f"the form told something else: {page.url}"
    assert [message.to for message in mail.outbox] == [["claire@example.org"]]
    assert User.objects.filter(email__iexact="claire@example.org").count() == 1


# --- asking for a new password, then setting it from the emailed link ------------------------


def test_password_reset_sends_the_link_and_the_new_password_works(
    live_server: Any, page: Any
) -> None:
    factories.user("claire@example.org", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/password/reset/")
    page.fill("input[name=email]", "claire@example.org")
    with page.expect_navigation():
        page.click("form:has(input[name=email]) [type=submit]")

    assert "/accounts/password/reset/done/" in page.url
    assert [message.to for message in mail.outbox] == [["claire@example.org"]]
    link = next(link for link in links_in(mail.outbox[0]) if "/password/reset/key/" in link)

    page.goto(link)
    page.fill("input[name=password1]", "a brand new pass phrase")
    page.fill("input[name=password2]", "a brand new pass phrase")
    with page.expect_navigation():
        page.click("form:has(input[name=password1]) [type=submit]")
    assert "/accounts/password/reset/key/done/" in page.url

    log_in(page, live_server, "claire@example.org", "a brand new pass phrase")
    assert "claire@example.org" in page.inner_text("header")


def test_password_reset_for_an_unknown_address_looks_the_same(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/accounts/password/reset/")
    page.fill("input[name=email]", "nobody@example.org")
    with page.expect_navigation():
        page.click("form:has(input[name=email]) [type=submit]")
    assert "/accounts/password/reset/done/" in page.url
