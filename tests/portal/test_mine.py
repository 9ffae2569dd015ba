"""'My appointments' (/me/): a patient account's appointments across practices and family.

Proven with Django's client against the real booking door: what the list shows (every practice,
every patient of the account, nobody else's), cancelling and moving within and after the
practice's cut-off, a move to a slot taken meanwhile, editing details with bad input, and that
another account's ids are a 404 with nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from carnet.accounts.models import User
from carnet.patients.models import Patient
from carnet.practices.models import Center, Practice
from carnet.scheduling import booking
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    OutboxEvent,
    Practitioner,
)
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass
class Place:
    practice: Practice
    center: Center
    doctor: Practitioner
    kind: AppointmentType

    def at(self, days: int, hour: int, minute: int = 0) -> datetime:
        """`days` from today at a wall time of the practice."""
        day = timezone.now().astimezone(self.practice.zone).date() + timedelta(days=days)
        return datetime.combine(day, time(hour, minute), self.practice.zone)

    def book(self, patient: Patient, start: datetime) -> Appointment:
        return booking.book(
            self.practice,
            appointment_type=self.kind,
            patient=patient,
            practitioner=self.doctor,
            center=self.center,
            start=start,
            channel=booking.Channel.STAFF,
        ).appointment


def place(name: str) -> Place:
    practice = factories.practice(name, language="en")
    center = factories.center(practice, f"{name} center")
    doctor = factories.practitioner(
        practice, f"Dr {name}", booking_horizon_days=60, min_notice_minutes=60
    )
    factories.weekly_hours(doctor, center, weekdays=range(7), ranges=((time(8), time(20)),))
    kind = factories.appointment_type(
        practice, [doctor], name=f"Visit at {name}", duration_minutes=30, online_booking=True
    )
    return Place(practice, center, doctor, kind)


@dataclass
class World:
    lilas: Place
    tilleuls: Place
    claire: User
    bob: User
    claire_lilas: Patient
    leo_lilas: Patient
    claire_tilleuls: Patient
    bob_lilas: Patient
    own: Appointment  # Claire's, at Les Lilas, in 3 days
    son: Appointment  # Léo's, at Les Lilas, in 4 days
    elsewhere: Appointment  # Claire's, at Les Tilleuls, in 5 days
    past: Appointment  # Claire's, 10 days ago, done
    strangers: Appointment  # Bob's, at Les Lilas, in 3 days


@pytest.fixture
def world() -> World:
    lilas, tilleuls = place("Les Lilas"), place("Les Tilleuls")
    claire = factories.user("claire@example.org")
    bob = factories.user("bob@example.org")
    claire_lilas = factories.patient(
        lilas.practice, first_name="Claire", last_name="Roux", account=claire
    )
    leo_lilas = factories.patient(
        lilas.practice, first_name="Léo", last_name="Roux", account=claire
    )
    claire_tilleuls = factories.patient(
        tilleuls.practice, first_name="Claire", last_name="Roux", account=claire
    )
    bob_lilas = factories.patient(
        lilas.practice, first_name="Bob", last_name="Stranger", account=bob, mobile="+33612345678"
    )
    past_start = lilas.at(-10, 9)
    past = Appointment.objects.create(
        practice=lilas.practice,
        center=lilas.center,
        practitioner=lilas.doctor,
        patient=claire_lilas,
        appointment_type=lilas.kind,
        start=past_start,
        end=past_start + timedelta(minutes=30),
        status=AppointmentStatus.DONE,
    )
    return World(
        lilas,
        tilleuls,
        claire,
        bob,
        claire_lilas,
        leo_lilas,
        claire_tilleuls,
        bob_lilas,
        own=lilas.book(claire_lilas, lilas.at(3, 10)),
        son=lilas.book(leo_lilas, lilas.at(4, 11)),
        elsewhere=tilleuls.book(claire_tilleuls, tilleuls.at(5, 9)),
        past=past,
        strangers=lilas.book(bob_lilas, lilas.at(3, 15)),
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot() -> list[tuple[object, ...]]:
    """Every appointment and patient as stored, to prove a refused request changed nothing."""
    return [
        *Appointment.objects.order_by("pk").values_list("pk", "start", "status", "sequence"),
        *Patient.objects.order_by("pk").values_list(
            "pk", "first_name", "last_name", "mobile", "birth_date", "language"
        ),
    ]


def test_the_list_shows_every_practice_and_the_family_and_nobody_else(world: World) -> None:
    response = logged_in(world.claire).get("/me/")
    assert response.status_code == 200
    page = response.text
    assert "Les Lilas" in page and "Les Tilleuls" in page
    assert "Léo Roux" in page  # her son's appointment, and his details to edit
    assert f"/me/appointments/{world.own.public_id}/cancel/" in page
    assert f"/me/appointments/{world.son.public_id}/move/" in page
    assert f"/me/appointments/{world.elsewhere.public_id}/cancel/" in page
    assert f"/me/patients/{world.claire_tilleuls.pk}/" in page
    _upcoming, past = page.split('id="past"')
    assert str(world.past.public_id) not in page  # past: shown, but nothing to do with it
    assert world.lilas.at(-10, 9).strftime("%-d %B %Y") in past
    assert "Stranger" not in page and str(world.strangers.public_id) not in page
    assert response["Cache-Control"] == "no-store"


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(world: World) -> None:
    before = snapshot()
    client = Client()
    for method, path in (
        ("get", "/me/"),
        ("post", f"/me/appointments/{world.own.public_id}/cancel/"),
        ("post", f"/me/appointments/{world.own.public_id}/move/"),
        ("post", f"/me/patients/{world.claire_lilas.pk}/"),
    ):
        response = getattr(client, method)(path, {"start": world.lilas.at(6, 10).isoformat()})
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next=/me/"), path
    assert snapshot() == before


def test_a_patient_account_lands_on_my_appointments_after_login(world: World) -> None:
    response = logged_in(world.claire).get("/")
    assert response.status_code == 302 and response["Location"] == "/me/"


def test_cancelling_before_the_cut_off_goes_through_the_door(world: World) -> None:
    client = logged_in(world.claire)
    response = client.post(f"/me/appointments/{world.son.public_id}/cancel/")
    assert response.status_code == 302 and response["Location"] == "/me/"
    world.son.refresh_from_db()
    assert world.son.status == AppointmentStatus.CANCELLED
    event = OutboxEvent.objects.filter(subject_id=str(world.son.public_id)).order_by("pk").last()
    assert event is not None and event.kind == "cancelled" and event.origin == "online"
    page = client.get("/me/").text
    assert "Your appointment is cancelled." in page
    assert f"/me/appointments/{world.son.public_id}/cancel/" not in page
    # Cancelling twice (a double click) changes nothing more and is no error.
    again = client.post(f"/me/appointments/{world.son.public_id}/cancel/")
    assert again.status_code == 302
    world.son.refresh_from_db()
    assert world.son.sequence == 1


def test_within_the_cut_off_cancelling_and_moving_are_refused(world: World) -> None:
    practice = world.lilas.practice
    practice.cancellation_cutoff_hours = 96  # the 3-day appointment is now inside it
    practice.save()
    before = snapshot()
    client = logged_in(world.claire)
    page = client.get("/me/").text
    assert f"/me/appointments/{world.own.public_id}/cancel/" not in page
    assert "can no longer be cancelled online: it starts in less than 96 hours" in page
    refused = client.post(f"/me/appointments/{world.own.public_id}/cancel/")
    assert refused.status_code == 409
    assert "Please call the practice." in refused.text
    moved = client.post(
        f"/me/appointments/{world.own.public_id}/move/",
        {"start": world.lilas.at(6, 10).isoformat()},
    )
    assert moved.status_code == 409
    assert "can no longer be moved online" in moved.text
    assert snapshot() == before
    # The other practice's cut-off is its own (24 h): Claire's visit there is still hers to cancel.
    assert f"/me/appointments/{world.elsewhere.public_id}/cancel/" in page


def _free_starts(page: str) -> list[str]:
    import re

    return re.findall(r'name="start" value="([^"]+)"', page)


def test_moving_to_a_free_slot_keeps_the_appointment_and_its_link(world: World) -> None:
    client = logged_in(world.claire)
    week = world.lilas.at(7, 10).date()
    page = client.get(f"/me/appointments/{world.own.public_id}/move/?week={week}")
    assert page.status_code == 200
    starts = _free_starts(page.text)
    assert starts, "no free slot was offered"
    target = datetime.fromisoformat(starts[3])
    assert target.date() >= week - timedelta(days=week.weekday())
    response = client.post(
        f"/me/appointments/{world.own.public_id}/move/", {"start": target.isoformat()}
    )
    assert response.status_code == 302 and response["Location"] == "/me/"
    world.own.refresh_from_db()
    assert world.own.start == target
    assert world.own.practitioner == world.lilas.doctor
    assert world.own.appointment_type == world.lilas.kind
    assert world.own.sequence == 1
    assert world.own.status == AppointmentStatus.CONFIRMED
    assert "Your appointment is moved." in client.get("/me/").text


def test_moving_to_a_slot_just_taken_says_so_with_fresh_slots(world: World) -> None:
    client = logged_in(world.claire)
    page = client.get(f"/me/appointments/{world.own.public_id}/move/").text
    target = _free_starts(page)[0]
    # Someone else books it between the page and the click.
    world.lilas.book(world.bob_lilas, datetime.fromisoformat(target))
    before = snapshot()
    response = client.post(f"/me/appointments/{world.own.public_id}/move/", {"start": target})
    assert response.status_code == 409
    assert "This slot was just taken; please pick another." in response.text
    fresh = _free_starts(response.text)
    assert fresh and target not in fresh
    assert snapshot() == before


@pytest.mark.parametrize(
    ("start", "status", "message"),
    [
        ("tomorrow at ten", 400, "Choose one of the free times below."),
        ("2030-01-07T10:00:00", 400, "Choose one of the free times below."),  # naive
        ("", 400, "Choose one of the free times below."),
        ("10:07", 400, "Choose one of the free times below."),
    ],
)
def test_a_tampered_move_is_refused_with_a_message(
    world: World, start: str, status: int, message: str
) -> None:
    before = snapshot()
    response = logged_in(world.claire).post(
        f"/me/appointments/{world.own.public_id}/move/", {"start": start}
    )
    assert response.status_code == status
    assert message in response.text
    assert snapshot() == before


def test_a_move_off_the_grid_or_outside_hours_gets_the_doors_sentence(world: World) -> None:
    before = snapshot()
    client = logged_in(world.claire)
    for start in (world.lilas.at(6, 10, 7), world.lilas.at(6, 22), world.lilas.at(300, 10)):
        response = client.post(
            f"/me/appointments/{world.own.public_id}/move/", {"start": start.isoformat()}
        )
        assert response.status_code == 409
        assert "This time is" in response.text
    assert snapshot() == before


def test_a_bad_week_shows_the_current_one_never_a_500(world: World) -> None:
    client = logged_in(world.claire)
    for week in ("not-a-date", "9999-12-31", "0001-01-01", "2024-02-30"):
        response = client.get(f"/me/appointments/{world.own.public_id}/move/?week={week}")
        assert response.status_code == 200, week
        assert _free_starts(response.text), week


def test_editing_details_saves_a_normalised_mobile(world: World) -> None:
    client = logged_in(world.claire)
    assert client.get(f"/me/patients/{world.leo_lilas.pk}/").status_code == 200
    response = client.post(
        f"/me/patients/{world.leo_lilas.pk}/",
        {
            "first_name": "Léo",
            "last_name": "Roux-Martin",
            "mobile": "06 12 34 56 78",
            "birth_date": "2025-03-02",
            "language": "es",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/me/"
    world.leo_lilas.refresh_from_db()
    assert world.leo_lilas.last_name == "Roux-Martin"
    assert world.leo_lilas.mobile == "+33612345678"
    assert world.leo_lilas.birth_date == date(2025, 3, 2)
    assert world.leo_lilas.language == "es"


def test_bad_details_get_a_precise_error_per_field_and_save_nothing(world: World) -> None:
    before = snapshot()
    response = logged_in(world.claire).post(
        f"/me/patients/{world.claire_lilas.pk}/",
        {
            "first_name": "   ",
            "last_name": "Roux",
            "mobile": "01 42 68 53 00",  # a landline: no SMS reminders
            "birth_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "language": "de",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["first_name"] == ["Enter a name."] or errors["first_name"] == [
        "This field is required."
    ]
    assert errors["mobile"] == [
        "“01 42 68 53 00” is not a mobile number; SMS reminders need a mobile."
    ]
    assert errors["birth_date"] == ["The birth date cannot be in the future."]
    assert "language" in errors
    assert "not a mobile number" in response.text
    for mobile, message in (
        ("12", "is not a valid phone number"),
        ("call me", "is not a phone number"),
    ):
        again = logged_in(world.claire).post(
            f"/me/patients/{world.claire_lilas.pk}/",
            {
                "first_name": "Claire",
                "last_name": "Roux",
                "mobile": mobile,
                "birth_date": "1890-01-01",
            },
        )
        assert again.status_code == 400
        assert message in again.context["form"].errors["mobile"][0]
        assert again.context["form"].errors["birth_date"] == ["Check the year of the birth date."]
    assert snapshot() == before


def test_another_accounts_appointments_and_patients_are_404_and_unchanged(world: World) -> None:
    before = snapshot()
    client = logged_in(world.claire)
    theirs = world.strangers.public_id
    attempts = (
        ("get", f"/me/appointments/{theirs}/move/"),
        ("post", f"/me/appointments/{theirs}/move/"),
        ("post", f"/me/appointments/{theirs}/cancel/"),
        ("get", f"/me/patients/{world.bob_lilas.pk}/"),
        ("post", f"/me/patients/{world.bob_lilas.pk}/"),
        ("get", "/me/appointments/00000000-0000-0000-0000-000000000000/move/"),
        ("get", f"/me/patients/{2**70}/"),
    )
    for method, path in attempts:
        response = getattr(client, method)(
            path,
            {
                "start": world.lilas.at(6, 10).isoformat(),
                "first_name": "Hacked",
                "last_name": "Hacked",
            },
        )
        assert response.status_code == 404, path
        assert "Stranger" not in response.text
    assert snapshot() == before
