"""The calendar-feed settings page, clicked through in Chromium as its practitioner would.

Every button of the page is pressed: turn on, copy, regenerate, turn off, save the privacy
choices, log out. The `page` fixture fails the test on any 403 (a CSRF refusal: the page once
sent `Referrer-Policy: no-referrer`, so Chromium posted `Origin: null` and every button
answered "Origin checking failed - null"), 5xx, JavaScript or console error.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_scopes import scopes_disabled

from carnet.feeds.links import hash_token
from carnet.feeds.models import FeedLink
from tests.e2e.conftest import SmallPractice, log_in

pytestmark = pytest.mark.django_db(transaction=True)

FEED_PATH_RE = re.compile(r"/feeds/([A-Za-z0-9_-]{43})\.ics$")


def _link(small_practice: SmallPractice) -> FeedLink | None:
    with scopes_disabled():
        return FeedLink.objects.filter(practitioner=small_practice.practitioner).first()


def _shown_token(page: Any) -> str:
    """The token of the link the page shows, checking both spellings agree."""
    https = page.input_value("#feed-https")
    webcal = page.input_value("#feed-webcal")
    match = FEED_PATH_RE.search(https)
    assert match, https
    assert https.startswith("http") and webcal == "webcal://" + https.split("://", 1)[1]
    return match.group(1)


def _feed_status(page: Any, live_server: Any, token: str) -> int:
    return int(page.request.get(f"{live_server.url}/feeds/{token}.ics").status)


def test_practitioner_uses_every_button_of_the_feed_page(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    practitioner = small_practice.practitioner
    url = (
        f"{live_server.url}/app/{small_practice.practice.slug}"
        f"/practitioners/{practitioner.pk}/calendar-feed/"
    )
    log_in(page, live_server, small_practice.practitioner_user.email)
    response = page.goto(url)
    assert response.status == 200
    assert response.headers["referrer-policy"] == "same-origin"
    assert "The link is off" in page.inner_text("main")
    assert _link(small_practice) is None

    # Turn on: the link is shown once, and works.
    with page.expect_navigation():
        page.click("button[value=enable]")
    first = _shown_token(page)
    link = _link(small_practice)
    assert link is not None and link.is_active and link.token_hash == hash_token(first)
    assert "The link is on" in page.inner_text("main")
    feed = page.request.get(f"{live_server.url}/feeds/{first}.ics")
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.headers["referrer-policy"] == "no-referrer"

    # Copy: the https link lands on the clipboard and the button says so.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.click("button[data-copy=feed-https]")
    assert page.inner_text("button[data-copy=feed-https]") == "Copied"
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/feeds/{first}.ics")

    # Regenerate: a new link; the old one stops at once.
    with page.expect_navigation():
        page.click("button[value=regenerate]")
    second = _shown_token(page)
    assert second != first
    link = _link(small_practice)
    assert link is not None and link.token_hash == hash_token(second)
    assert _feed_status(page, live_server, first) == 404
    assert _feed_status(page, live_server, second) == 200

    # Reloading does not show the link again.
    page.goto(url)
    assert page.locator("#feed-https").count() == 0
    assert second not in page.content()

    # Turn off: the link is forgotten.
    with page.expect_navigation():
        page.click("button[value=disable]")
    assert "turned off" in page.inner_text("main")
    assert "The link is off" in page.inner_text("main")
    link = _link(small_practice)
    assert link is not None and not link.enabled and link.token_hash is None
    assert _feed_status(page, live_server, second) == 404

    # Privacy: initials for appointments, their own titles for personal events.
    assert (link.title_choice, link.personal_choice) == ("name", "busy")
    page.check("input[name=title_choice][value=initials]")
    page.check("input[name=personal_choice][value=title]")
    with page.expect_navigation():
        page.click("button[value=privacy]")
    assert "Your choices are saved." in page.inner_text("main")
    link = _link(small_practice)
    assert link is not None and (link.title_choice, link.personal_choice) == ("initials", "title")
    assert page.is_checked("input[name=title_choice][value=initials]")
    assert page.is_checked("input[name=personal_choice][value=title]")

    # Log out, from this page too.
    with page.expect_navigation():
        page.click("form[action$='/accounts/logout/'] [type=submit]")
    page.goto(url)
    assert "/accounts/login/" in page.url
