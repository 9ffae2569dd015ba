"""The practitioner's calendar feed settings page, and the public help page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from carnet.feeds.feed import find_source
from carnet.feeds.models import FeedLink
from carnet.practices.models import Membership, Role
from tests import factories
from tests.feeds.feed_data import (  # noqa: F401  (autouse fixtures)
    Agenda,
    _feed_defaults,
    agenda_fixture,
    build_agenda,
    soon,
)

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(rb"https://carnet\.example\.org/feeds/([A-Za-z0-9_-]{43})\.ics")


def _url(agenda: Agenda) -> str:
    return f"/app/{agenda.practice.slug}/practitioners/{agenda.practitioner.pk}/calendar-feed/"


def _logged_in(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _token(response: object) -> str:
    match = TOKEN_RE.search(response.content)  # type: ignore[attr-defined]
    assert match, "the page shows the new link"
    return match.group(1).decode()


def test_page_is_private_and_starts_off(agenda: Agenda) -> None:
    response = _logged_in(agenda.owner).get(_url(agenda))
    assert response.status_code == 200
    # Not no-referrer: with it Chromium posts the page's forms with `Origin: null` and CSRF
    # refuses every button (tests/e2e/test_feed_settings.py clicks them). The link is in the
    # body, never in the URL, so same-origin leaks nothing.
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert b"The link is off" in response.content
    assert b"/help/calendar-feed/" in response.content
    assert b"the farthest are left out" in response.content  # the 1 MB budget is said
    assert not FeedLink.objects.exists()  # looking does not create anything


def test_turn_on_shows_both_urls_once(agenda: Agenda) -> None:
    client = _logged_in(agenda.owner)
    response = client.post(_url(agenda), {"action": "enable"})
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    token = _token(response)
    assert f"webcal://carnet.example.org/feeds/{token}.ics".encode() in response.content
    assert b"data-copy" in response.content
    assert find_source(token) is not None
    assert client.get(f"/feeds/{token}.ics").status_code == 200
    again = client.get(_url(agenda))
    assert token.encode() not in again.content  # shown once, never again
    assert b"The link is on" in again.content


def test_regenerate_stops_the_old_link_and_shows_the_new(agenda: Agenda) -> None:
    client = _logged_in(agenda.owner)
    old = _token(client.post(_url(agenda), {"action": "enable"}))
    new = _token(client.post(_url(agenda), {"action": "regenerate"}))
    assert new != old
    assert client.get(f"/feeds/{old}.ics").status_code == 404
    assert client.get(f"/feeds/{new}.ics").status_code == 200


def test_turn_off(agenda: Agenda) -> None:
    client = _logged_in(agenda.owner)
    token = _token(client.post(_url(agenda), {"action": "enable"}))
    response = client.post(_url(agenda), {"action": "disable"}, follow=True)
    assert b"turned off" in response.content
    assert client.get(f"/feeds/{token}.ics").status_code == 404


def test_privacy_choices_are_saved_and_used(agenda: Agenda) -> None:
    agenda.appointment(soon(2))
    client = _logged_in(agenda.owner)
    token = _token(client.post(_url(agenda), {"action": "enable"}))
    response = client.post(
        _url(agenda),
        {"action": "privacy", "title_choice": "initials", "personal_choice": "title"},
    )
    assert response.status_code == 302
    link = FeedLink.objects.get()
    assert (link.title_choice, link.personal_choice) == ("initials", "title")
    body = client.get(f"/feeds/{token}.ics").content
    assert b"SUMMARY:J. M." in body and b"Jeanne" not in body


def test_privacy_choices_can_be_set_before_turning_on(agenda: Agenda) -> None:
    client = _logged_in(agenda.owner)
    data = {"action": "privacy", "title_choice": "generic", "personal_choice": "busy"}
    assert client.post(_url(agenda), data).status_code == 302
    link = FeedLink.objects.get()
    assert link.title_choice == "generic" and not link.is_active


def test_invalid_choice_is_refused(agenda: Agenda) -> None:
    client = _logged_in(agenda.owner)
    data = {"action": "privacy", "title_choice": "email", "personal_choice": "busy"}
    response = client.post(_url(agenda), data)
    assert response.status_code == 200 and b"errorlist" in response.content
    assert client.post(_url(agenda), {"action": "explode"}).status_code == 400


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_may_manage_any_practitioner(agenda: Agenda, role: str) -> None:
    client = _logged_in(factories.member(agenda.practice, role=role))
    assert client.get(_url(agenda)).status_code == 200
    assert find_source(_token(client.post(_url(agenda), {"action": "enable"})))


def test_other_members_get_404(agenda: Agenda) -> None:
    colleague = factories.member(agenda.practice, role=Role.PRACTITIONER)
    factories.practitioner(agenda.practice, user=colleague)
    assistant = factories.member(agenda.practice, role=Role.ASSISTANT)
    Membership.objects.get(user=assistant).practitioners.add(agenda.practitioner)
    for user in (colleague, assistant):
        client = _logged_in(user)
        assert client.get(_url(agenda)).status_code == 404
        assert client.post(_url(agenda), {"action": "enable"}).status_code == 404
    assert not FeedLink.objects.exists()


def test_another_practice_gets_404(agenda: Agenda) -> None:
    other = build_agenda("Dr Other")
    # An admin of another practice, with their own slug and this practitioner's id...
    admin = factories.member(other.practice, role=Role.OWNER)
    client = _logged_in(admin)
    url = f"/app/{other.practice.slug}/practitioners/{agenda.practitioner.pk}/calendar-feed/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "enable"}).status_code == 404
    # ...or with this practice's slug, where they are not a member.
    assert client.get(_url(agenda)).status_code == 404
    assert not FeedLink.objects.exists()


def test_anonymous_is_sent_to_login(agenda: Agenda) -> None:
    response = Client().get(_url(agenda))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_csrf_is_enforced(agenda: Agenda) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agenda.owner)
    assert client.post(_url(agenda), {"action": "enable"}).status_code == 403
    assert not FeedLink.objects.exists()
    page = client.get(_url(agenda))
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert csrf
    response = client.post(
        _url(agenda), {"action": "enable", "csrfmiddlewaretoken": csrf.group(1).decode()}
    )
    assert response.status_code == 200 and find_source(_token(response))


def test_help_page_is_public(client: Client) -> None:
    response = client.get("/help/calendar-feed/")
    assert response.status_code == 200
    text = response.content.decode()
    for words in ("Apple Calendar on a Mac", "iPhone", "Outlook", "Google Calendar", "24 hours"):
        assert words in text
    assert "12 to 24 hours" in text and "Every 15 minutes" in text
