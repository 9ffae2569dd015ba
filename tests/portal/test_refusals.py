"""Crafted requests to the booking site: each is refused with a sentence, saves nothing, and no
input gives a 500. Rate limits on the booking POST, per address and per account."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import time, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from carnet.patients.models import Patient
from carnet.scheduling import booking
from carnet.scheduling.models import Appointment
from tests import factories
from tests.portal.conftest import Site, build_site, free_slot, local

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "patient": "new",
    "first_name": "Claire",
    "last_name": "Roux",
    "mobile": "06 12 34 56 78",
    "birth_date": "1985-04-02",
}


def logged_in(site: Site, **extra: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **extra)
    client.force_login(site.account)
    return client


def today(site: Site) -> Any:
    return timezone.now().astimezone(site.practice.zone).date()


def post(client: Client, site: Site, **choice: Any) -> Any:
    data = {"type": site.kind.pk, "practitioner": "any", **NEW_PATIENT, **choice}
    return client.post(f"{site.url}confirm/", data)


# Each crafted choice: how to build it, and the sentence the patient reads.
Crafted = Callable[[Site, Site], dict[str, Any]]
CRAFTED: dict[str, tuple[Crafted, int, str]] = {
    "outside the horizon": (
        lambda a, b: {"start": local(a, today(a) + timedelta(days=8), time(9)).isoformat()},
        400,
        "too far ahead",
    ),
    "inside the notice": (
        lambda a, b: {"start": local(a, today(a) + timedelta(days=1), time(9)).isoformat()},
        400,
        "too soon",
    ),
    "in the past": (
        lambda a, b: {"start": local(a, today(a) - timedelta(days=1), time(9)).isoformat()},
        400,
        "already passed",
    ),
    "off the grid": (
        lambda a, b: {"start": (free_slot(a, 5).start + timedelta(minutes=7)).isoformat()},
        400,
        "not among the practitioner's available times",
    ),
    "a type not allowed online": (
        lambda a, b: {"type": a.offline.pk, "start": free_slot(a, 5).start.isoformat()},
        400,
        "cannot be booked online",
    ),
    "another practice's type": (
        lambda a, b: {"type": b.kind.pk, "start": free_slot(a, 5).start.isoformat()},
        400,
        "This type of appointment does not exist in this practice.",
    ),
    "another practice's practitioner": (
        lambda a, b: {"practitioner": b.doctor.pk, "start": free_slot(a, 5).start.isoformat()},
        400,
        "This practitioner does not exist in this practice.",
    ),
    "another practice's center": (
        lambda a, b: {"center": b.center.pk, "start": free_slot(a, 5).start.isoformat()},
        400,
        "This center does not exist in this practice.",
    ),
    "an unparsable start": (lambda a, b: {"start": "tomorrow at nine"}, 400, "could not be read"),
    "an impossible date": (
        lambda a, b: {"start": "2030-13-45T09:00:00+01:00"},
        400,
        "could not be read",
    ),
    "a start without a zone": (
        lambda a, b: {"start": free_slot(a, 5).start.replace(tzinfo=None).isoformat()},
        400,
        "Times must carry a time zone.",
    ),
    "a start in year 9999": (
        lambda a, b: {"start": "9999-12-31T09:00:00+00:00"},
        400,
        "too far in the past or in the future",
    ),
    "no start": (lambda a, b: {"start": ""}, 400, "could not be read"),
    "no type": (
        lambda a, b: {"type": "", "start": free_slot(a, 5).start.isoformat()},
        400,
        "Choose a type",
    ),
    "a type id that is not a number": (
        lambda a, b: {"type": "1 OR 1=1", "start": free_slot(a, 5).start.isoformat()},
        400,
        "This type of appointment does not exist in this practice.",
    ),
    "a huge practitioner id": (
        lambda a, b: {"practitioner": "9" * 40, "start": free_slot(a, 5).start.isoformat()},
        400,
        "This practitioner does not exist in this practice.",
    ),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_a_crafted_booking_is_refused_with_a_sentence_and_nothing_is_saved(case: str) -> None:
    a, b = build_site(), build_site()
    a.doctor.booking_horizon_days = 7
    a.doctor.min_notice_minutes = 2 * 24 * 60
    a.doctor.save()
    build, status, sentence = CRAFTED[case]
    choice = build(a, b)
    client = logged_in(a)
    before = Appointment.objects.count(), Patient.objects.count()
    response = post(client, a, **choice)
    assert response.status_code == status, response.content.decode()[:2000]
    assert sentence in html.unescape(response.content.decode())
    assert (Appointment.objects.count(), Patient.objects.count()) == before
    # The same choice on the page before it (GET) is refused too.
    query = {"type": a.kind.pk, "practitioner": "any", **choice}
    page = client.get(f"{a.url}confirm/?{urlencode(query)}")
    assert 400 <= page.status_code < 500


def test_a_slot_taken_meanwhile_says_so_and_offers_fresh_slots(site: Site) -> None:
    slot = free_slot(site)
    client = logged_in(site)
    rival = factories.patient(site.practice)
    booking.book(
        site.practice,
        appointment_type=site.kind,
        patient=rival,
        start=slot.start,
        practitioner=site.doctor,
        channel="online",
    )
    response = post(client, site, start=slot.start.isoformat())
    assert response.status_code == 409
    text = response.content.decode()
    assert "This slot was just taken; please pick another." in text
    later = free_slot(site, index=0)
    assert later.start != slot.start
    assert urlencode({"start": later.start.isoformat()}) in text.replace("&amp;", "&")
    assert Appointment.objects.count() == 1 and Patient.objects.count() == 1  # the rival only
    # The confirm page, opened after the slot went, says so before any typing.
    page = client.get(
        f"{site.url}confirm/?{urlencode({'type': site.kind.pk, 'start': slot.start.isoformat()})}"
    )
    assert page.status_code == 409 and "no longer available" in page.content.decode()


@override_settings(PORTAL_BOOKING_RATE_LIMIT_ACCOUNT="2/h", PORTAL_BOOKING_RATE_LIMIT_IP="100/h")
def test_an_account_is_limited_in_booking_attempts(site: Site) -> None:
    client = logged_in(site)
    for _attempt in range(2):
        assert post(client, site, start="bad").status_code == 400
    response = post(client, site, start=free_slot(site).start.isoformat())
    assert response.status_code == 429
    assert "Too many booking attempts" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not Appointment.objects.exists()
    # Another account from another address still books.
    other = Client(REMOTE_ADDR="10.0.0.9")
    other.force_login(factories.user())
    assert post(other, site, start=free_slot(site).start.isoformat()).status_code == 302


@override_settings(PORTAL_BOOKING_RATE_LIMIT_ACCOUNT="100/h", PORTAL_BOOKING_RATE_LIMIT_IP="2/h")
def test_an_address_is_limited_whatever_the_account(site: Site) -> None:
    for _attempt in range(2):
        client = Client(REMOTE_ADDR="10.0.0.7")
        client.force_login(factories.user())
        assert post(client, site, start="bad").status_code == 400
    client = Client(REMOTE_ADDR="10.0.0.7")
    client.force_login(factories.user())
    assert post(client, site, start=free_slot(site).start.isoformat()).status_code == 429
    assert not Appointment.objects.exists()


WEIRD = [
    "",
    "0",
    "-1",
    "abc",
    "9" * 30,
    "1.5",
    "\x00",
    "%00",
    "<script>",
    "any",
    "2030-02-30",
    "9999-12-31",
    "1",
]


def test_no_input_gives_a_500(site: Site) -> None:
    client = logged_in(site)
    for name in ("type", "practitioner", "center", "week", "start", "embed"):
        for value in WEIRD:
            query = {"type": site.kind.pk, "week": "", name: value}
            for path in ("", "slots.json", "confirm/"):
                response = client.get(f"{site.url}{path}", query)
                assert response.status_code < 500, (path, name, value)
            response = client.post(f"{site.url}confirm/", {**NEW_PATIENT, **query})
            assert response.status_code < 500, ("POST", name, value)
            from carnet.feeds.throttle import reset

            reset()
    assert not Appointment.objects.exists()


def test_a_crafted_get_for_another_practice_shows_nothing_of_it(client: Client) -> None:
    a, b = build_site(), build_site()
    b.kind.name = "Secret B type"
    b.kind.save()
    for query in ({"type": b.kind.pk}, {"practitioner": b.doctor.pk}, {"center": b.center.pk}):
        for path in ("", "slots.json"):
            response = client.get(f"{a.url}{path}", query)
            assert response.status_code == 400
            text = response.content.decode()
            assert "does not exist in this practice" in text
            assert "Secret B type" not in text and b.doctor.display_name not in text
