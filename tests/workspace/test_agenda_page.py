"""The agenda page: whose columns it offers, and a 404 for an agenda the member may not read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carnet.practices.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    practice = factories.practice("Clinic", language="en")
    main, annex = factories.center(practice, "Main"), factories.center(practice, "Annex")
    linked = factories.practitioner(practice, "Dr Linked")
    other = factories.practitioner(practice, "Dr Other")
    assistant = factories.member(practice, Role.ASSISTANT)
    desk = Membership.objects.get(user=assistant, practice=practice)
    desk.practitioners.set([linked])
    desk.centers.set([main])
    return {
        "practice": practice,
        "main": main,
        "annex": annex,
        "linked": linked,
        "other": other,
        "assistant": assistant,
        "owner": factories.member(practice, Role.OWNER),
        "url": f"/app/{practice.slug}/agenda/",
    }


def test_the_owner_chooses_among_every_practitioner_and_center(world: dict[str, Any]) -> None:
    page = client_for(world["owner"]).get(world["url"], {"practitioner": world["other"].pk})
    assert page.status_code == 200
    text = page.text
    assert "Dr Linked" in text and "Dr Other" in text
    assert "Annex" in text
    assert f'data-chosen="{world["other"].pk}"' in text
    assert 'data-can-overbook="1"' in text
    assert "event-calendar.min.js" in text and "workspace/agenda.js" in text
    assert "<script>" not in text  # CSP: no inline script


def test_an_assistant_sees_only_linked_practitioners_and_gets_404_for_others(
    world: dict[str, Any],
) -> None:
    client = client_for(world["assistant"])
    page = client.get(world["url"])
    assert page.status_code == 200
    assert "Dr Other" not in page.text and "Annex" not in page.text
    assert 'data-can-overbook="0"' in page.text
    assert client.get(world["url"], {"practitioner": world["other"].pk}).status_code == 404
    assert client.get(world["url"], {"center": world["annex"].pk}).status_code == 404
    assert client.get(world["url"], {"practitioner": "x"}).status_code == 404


def test_another_practices_practitioner_is_a_404(world: dict[str, Any]) -> None:
    stranger = factories.practitioner(factories.practice(), "Dr Stranger")
    response = client_for(world["owner"]).get(world["url"], {"practitioner": stranger.pk})
    assert response.status_code == 404


def test_a_bad_view_or_date_falls_back_to_this_week(world: dict[str, Any]) -> None:
    page = client_for(world["owner"]).get(world["url"], {"view": "year", "date": "soon"})
    assert page.status_code == 200
    assert 'data-view="resourceTimeGridWeek"' in page.text
