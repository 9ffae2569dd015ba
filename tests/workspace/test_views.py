"""The staff pages show what the member's role allows, and nothing of other practices."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django_scopes import scope

from carnet.practices.models import Membership, Role
from carnet.scheduling import booking
from carnet.scheduling.models import Appointment
from tests import factories

pytestmark = pytest.mark.django_db


def noon_today(practice: Any) -> datetime:
    return datetime.combine(datetime.now(practice.zone).date(), time(12), practice.zone)


def visit(practitioner: Any, center: Any, last_name: str) -> Appointment:
    practice = practitioner.practice
    start = noon_today(practice)
    return Appointment.objects.create(
        practice=practice,
        center=center,
        practitioner=practitioner,
        patient=factories.patient(practice, last_name=last_name),
        appointment_type=factories.appointment_type(practice, [practitioner]),
        start=start,
        end=start + timedelta(minutes=30),
    )


def logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_an_assistant_sees_the_day_and_the_appointments_of_their_practitioners_only() -> None:
    practice = factories.practice()
    center = factories.center(practice)
    first, second, third = (factories.practitioner(practice) for _ in range(3))
    visits = {
        p.pk: visit(p, center, name)
        for p, name in ((first, "Alpha"), (second, "Bravo"), (third, "Charlie"))
    }
    assistant = factories.member(practice, Role.ASSISTANT)
    Membership.objects.get(user=assistant).practitioners.set([first, second])
    client = logged_in(assistant)

    page = client.get(f"/app/{practice.slug}/").text
    assert "Alpha" in page and "Bravo" in page
    assert "Charlie" not in page and third.display_name not in page

    assert (
        client.get(f"/app/{practice.slug}/appointments/{visits[first.pk].public_id}/").status_code
        == 200
    )
    response = client.get(f"/app/{practice.slug}/appointments/{visits[third.pk].public_id}/")
    assert response.status_code == 404
    assert "Charlie" not in response.text


def test_a_practitioner_sees_colleagues_on_the_day_page() -> None:
    practice = factories.practice()
    center = factories.center(practice)
    account = factories.member(practice, Role.PRACTITIONER)
    own = factories.practitioner(practice, user=account)
    colleague = factories.practitioner(practice)
    visit(own, center, "Alpha")
    theirs = visit(colleague, center, "Bravo")
    client = logged_in(account)
    page = client.get(f"/app/{practice.slug}/").text
    assert "Alpha" in page and "Bravo" in page
    assert client.get(f"/app/{practice.slug}/appointments/{theirs.public_id}/").status_code == 200


def test_the_home_page_sends_a_member_to_their_practice() -> None:
    practice = factories.practice()
    account = factories.member(practice, Role.OWNER)
    response = logged_in(account).get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/app/{practice.slug}/"


def test_the_booking_door_works_inside_a_practice_scope() -> None:
    """A staff page will call the door inside the middleware's scope: it must keep working."""
    practice = factories.practice()
    center = factories.center(practice)
    practitioner = factories.practitioner(practice)
    factories.weekly_hours(practitioner, center, weekdays=range(7))
    kind = factories.appointment_type(practice, [practitioner])
    patient = factories.patient(practice)
    other = factories.practice()  # data of another practice exists but must not matter
    factories.appointment_type(other, [factories.practitioner(other)])
    start = datetime.combine(
        datetime.now(practice.zone).date() + timedelta(days=2), time(10), practice.zone
    )
    with scope(practice=practice):
        result = booking.book(
            practice,
            appointment_type=kind,
            patient=patient,
            practitioner=practitioner,
            center=center,
            start=start,
        )
        booking.cancel(practice, result.appointment)
    assert Appointment.objects.get(pk=result.appointment.pk).status == "cancelled"


@pytest.mark.parametrize(
    ("language", "days"),
    [
        ("fr", ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")),
        ("es", ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")),
    ],
)
def test_the_day_is_written_as_the_language_writes_it(language: str, days: tuple) -> None:
    """ "dimanche 22 novembre", not "Dimanche": the schedule's weekday labels (capitalised, for
    forms) must not replace the day names of formatted dates."""
    practice = factories.practice(language=language)
    owner = factories.member(practice, Role.OWNER)
    owner.language = language
    owner.save()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(owner)
    heading = client.get(f"/app/{practice.slug}/").text.split("<h1>", 1)[1].split("</h1>", 1)[0]
    today = datetime.now(practice.zone).date()
    # Spanish puts a comma after the day's name: "domingo, 22 de noviembre".
    separator = ", " if language == "es" else " "
    assert f"{days[today.weekday()]}{separator}{today.day}" in heading
