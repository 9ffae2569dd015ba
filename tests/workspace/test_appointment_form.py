"""The staff appointment form: book (existing patient or one created inline), change, cancel.

What staff notice: the boxes start as the type and the practitioner's sheet say; a taken time is
refused with the reason in words, and only a practitioner or an admin may book over it; a
mistake is shown beside its field and nothing is saved; another practice's ids are refused.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carnet.patients.models import Patient
from carnet.practices.models import Membership, Role
from carnet.scheduling import booking
from carnet.scheduling.models import Appointment, AppointmentStatus, Change, OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


class World:
    """One practice: a practitioner (with a login and a sheet that syncs by default), an
    assistant linked to them, an owner; two types; a patient already booked tomorrow 10:00."""

    def __init__(self) -> None:
        self.practice = factories.practice(language="en")
        self.center = factories.center(self.practice, "Main street")
        self.owner = factories.member(self.practice, Role.OWNER)
        self.doctor_user = factories.member(self.practice, Role.PRACTITIONER)
        self.assistant = factories.member(self.practice, Role.ASSISTANT)
        self.doctor = factories.practitioner(
            self.practice,
            "Dr Claire Morel",
            user=self.doctor_user,
            sync_by_default=True,
            default_calendar="claire@example.org",
        )
        self.colleague = factories.practitioner(self.practice, "Dr Paul Roy")
        Membership.objects.get(user=self.assistant).practitioners.set([self.doctor])
        self.checkup = factories.appointment_type(
            self.practice,
            [self.doctor, self.colleague],
            name="Checkup",
            duration_minutes=30,
            sms_reminder=True,
        )
        self.long = factories.appointment_type(
            self.practice, [self.doctor], name="Long visit", duration_minutes=60
        )
        self.patient = factories.patient(
            self.practice, first_name="Marie", last_name="Fontaine", mobile="+33612345678"
        )
        self.day = (timezone.now().astimezone(self.practice.zone) + timedelta(days=2)).date()
        self.booked = self.book(time(10))

    def at(self, hour: time) -> datetime:
        return datetime.combine(self.day, hour, self.center.zone)

    def book(self, hour: time, **extra: Any) -> Appointment:
        return booking.book(
            self.practice,
            appointment_type=self.checkup,
            patient=self.patient,
            start=self.at(hour),
            practitioner=self.doctor,
            center=self.center,
            **extra,
        ).appointment

    def url(self, name: str = "new", appointment: Appointment | None = None) -> str:
        base = f"/app/{self.practice.slug}/appointments/"
        if appointment is None:
            return base + "new/"
        return f"{base}{appointment.public_id}/{name}/"

    def form(self, hour: str = "11:00", **extra: Any) -> dict[str, Any]:
        data = {
            "patient_mode": "existing",
            "patient": self.patient.pk,
            "appointment_type": self.checkup.pk,
            "practitioner": self.doctor.pk,
            "center": self.center.pk,
            "date": self.day.isoformat(),
            "time": hour,
            "sms_reminder": "on",
            "notes": "",
            "target_calendar": "",
        }
        data.update(extra)
        return {key: value for key, value in data.items() if value is not None}

    def change_form(self, appointment: Appointment, **extra: Any) -> dict[str, Any]:
        local = appointment.start.astimezone(self.center.zone)
        data = {
            "appointment_type": appointment.appointment_type_id,
            "practitioner": appointment.practitioner_id,
            "center": appointment.center_id,
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "duration": int((appointment.end - appointment.start).total_seconds() // 60),
            "status": appointment.status,
            "notes": appointment.notes,
            "target_calendar": appointment.target_calendar,
        }
        if appointment.sms_reminder:
            data["sms_reminder"] = "on"
        if appointment.sync_external:
            data["sync_external"] = "on"
        data.update(extra)
        return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def world() -> World:
    return World()


def errors_of(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


# --- booking ----------------------------------------------------------------------------------


def test_the_agendas_link_prefills_and_the_boxes_follow_the_type_and_the_sheet(
    world: World,
) -> None:
    response = logged_in(world.assistant).get(
        world.url(),
        {
            "practitioner": world.doctor.pk,
            "center": world.center.pk,
            "start": f"{world.day.isoformat()}T14:30",
            "type": world.checkup.pk,
        },
    )
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["practitioner"] == world.doctor.pk
    assert initial["center"] == world.center.pk
    assert (initial["date"], initial["time"]) == (world.day, time(14, 30))
    # The type sends SMS reminders; the sheet syncs to Claire's calendar.
    assert initial["sms_reminder"] is True
    assert initial["sync_external"] is True
    assert initial["target_calendar"] == "claire@example.org"
    page = response.text
    assert 'value="claire@example.org"' in page
    assert 'name="sms_reminder" id="id_sms_reminder" checked' in page
    # An assistant is not offered the overlap box.
    assert 'name="allow_overlap"' not in page


def test_a_practitioner_id_of_someone_else_is_not_prefilled(world: World) -> None:
    response = logged_in(world.assistant).get(
        world.url(), {"practitioner": world.colleague.pk, "start": "not a time"}
    )
    form = response.context["form"]
    assert form.initial["practitioner"] == world.doctor.pk
    assert "date" not in form.initial
    assert world.colleague.display_name not in response.text


def test_an_assistant_books_an_existing_patient_found_by_phone(world: World) -> None:
    client = logged_in(world.assistant)
    found = client.get(world.url(), {"patient_q": "06 12 34 56 78"})
    assert "Fontaine Marie – +33612345678" in found.text
    response = client.post(
        world.url() + "?patient_q=06+12", world.form(notes="Bring the scan", sync_external="on")
    )
    assert response.status_code == 302
    made = Appointment.objects.exclude(pk=world.booked.pk).get()
    assert response["Location"] == f"/app/{world.practice.slug}/appointments/{made.public_id}/"
    assert made.start == world.at(time(11))
    assert made.end == world.at(time(11, 30))
    assert (made.sms_reminder, made.sync_external, made.notes) == (True, True, "Bring the scan")
    assert made.source == "staff" and made.created_by == world.assistant
    page = client.get(response["Location"]).text
    assert "Booked: Marie Fontaine" in page


def test_unticked_boxes_are_kept_unticked(world: World) -> None:
    response = logged_in(world.owner).post(world.url(), world.form(sms_reminder=None))
    assert response.status_code == 302
    made = Appointment.objects.exclude(pk=world.booked.pk).get()
    assert (made.sms_reminder, made.sync_external, made.target_calendar) == (False, False, "")


def test_a_new_patient_is_created_inline_with_the_patient_forms_rules(world: World) -> None:
    client = logged_in(world.assistant)
    data = world.form(
        patient_mode="new",
        patient=None,
        **{
            "new-first_name": "Léa",
            "new-last_name": "Roux",
            "new-email": "lea@example.org",
            "new-mobile": "01 23 45 67 89",
        },
    )
    refused = client.post(world.url(), data)
    assert refused.status_code == 200
    assert "is not a mobile number" in refused.context["patient_form"].errors["mobile"][0]
    assert not Patient.objects.filter(last_name="Roux").exists()
    assert Appointment.objects.count() == 1

    data["new-mobile"] = "06 11 22 33 44"
    response = client.post(world.url(), data)
    assert response.status_code == 302
    lea = Patient.objects.get(last_name="Roux")
    assert (lea.mobile, lea.email, lea.practice) == (
        "+33611223344",
        "lea@example.org",
        world.practice,
    )
    assert Appointment.objects.get(patient=lea).practitioner == world.doctor


def test_a_refused_booking_does_not_keep_the_patient_created_inline(world: World) -> None:
    data = world.form(
        "10:15",
        patient_mode="new",
        patient=None,
        **{"new-first_name": "Léa", "new-last_name": "Roux"},
    )
    response = logged_in(world.assistant).post(world.url(), data)
    assert response.status_code == 200
    assert not Patient.objects.filter(last_name="Roux").exists()


def test_no_patient_chosen_is_said_beside_the_picker(world: World) -> None:
    response = logged_in(world.owner).post(world.url(), world.form(patient=None))
    assert errors_of(response)["patient"] == ["Choose the patient, or create a new one."]
    assert Appointment.objects.count() == 1


def test_an_assistant_cannot_book_over_an_appointment_and_is_told_why(world: World) -> None:
    # Even with the box forced into the request, an assistant never overbooks.
    response = logged_in(world.assistant).post(world.url(), world.form("10:15", allow_overlap="on"))
    assert response.status_code == 200
    [message] = errors_of(response)["__all__"]
    assert message.startswith("Dr Claire Morel already has an appointment from 10:00 to 10:30.")
    assert "Only the practitioner or an administrator" in message
    assert Appointment.objects.count() == 1


def test_a_practitioner_may_book_over_an_appointment_with_the_box(world: World) -> None:
    client = logged_in(world.doctor_user)
    refused = client.post(world.url(), world.form("10:15"))
    [message] = errors_of(refused)["__all__"]
    assert "Tick “Allow overlap” to book it anyway." in message
    assert Appointment.objects.count() == 1

    response = client.post(world.url(), world.form("10:15", allow_overlap="on"), follow=True)
    made = Appointment.objects.exclude(pk=world.booked.pk).get()
    assert made.allow_overlap is True
    assert "overlaps another one (overbooking)" in response.text


def test_bad_input_gives_field_errors_and_saves_nothing(world: World) -> None:
    response = logged_in(world.owner).post(
        world.url(), world.form(date="31/02/2030", time="25:99", appointment_type="x")
    )
    errors = errors_of(response)
    assert set(errors) >= {"date", "time", "appointment_type"}
    assert Appointment.objects.count() == 1


def test_a_time_in_the_past_is_refused_beside_the_time(world: World) -> None:
    yesterday = (timezone.now().astimezone(world.practice.zone) - timedelta(days=1)).date()
    response = logged_in(world.owner).post(world.url(), world.form(date=yesterday.isoformat()))
    assert errors_of(response)["time"] == ["This time has already passed: choose a time to come."]
    assert Appointment.objects.count() == 1


def test_a_time_the_clocks_skip_is_refused_beside_the_time(world: World) -> None:
    # Europe/Paris moves from 02:00 to 03:00 on 31 March 2030.
    response = logged_in(world.owner).post(
        world.url(), world.form("02:30", date="2030-03-31", practitioner=world.colleague.pk)
    )
    assert "clocks change" in errors_of(response)["time"][0]


def test_a_type_the_practitioner_does_not_offer_is_refused_beside_the_type(world: World) -> None:
    response = logged_in(world.owner).post(
        world.url(), world.form(practitioner=world.colleague.pk, appointment_type=world.long.pk)
    )
    assert errors_of(response)["appointment_type"] == [
        "This practitioner does not offer this type of appointment."
    ]


def test_another_practices_ids_are_refused(world: World) -> None:
    other = factories.practice()
    their_center = factories.center(other)
    theirs = factories.practitioner(other)
    their_type = factories.appointment_type(other, [theirs])
    their_patient = factories.patient(other)
    client = logged_in(world.owner)
    for field, value in (
        ("patient", their_patient.pk),
        ("practitioner", theirs.pk),
        ("appointment_type", their_type.pk),
        ("center", their_center.pk),
    ):
        response = client.post(world.url(), world.form(**{field: value}))
        assert response.status_code == 200
        assert "Select a valid choice" in errors_of(response)[field][0], field
    assert Appointment.objects.count() == 1


def test_an_assistant_is_offered_only_their_practitioners_and_patients(world: World) -> None:
    stranger = factories.patient(world.practice, first_name="Zoé", last_name="Colleague")
    booking.book(
        world.practice,
        appointment_type=world.checkup,
        patient=stranger,
        start=world.at(time(9)),
        practitioner=world.colleague,
        center=world.center,
    )
    client = logged_in(world.assistant)
    page = client.get(world.url(), {"patient_q": "Colleague"}).text
    assert "Zoé" not in page
    assert "Dr Paul Roy" not in page
    response = client.post(world.url(), world.form(patient=stranger.pk))
    assert "Select a valid choice" in errors_of(response)["patient"][0]
    response = client.post(world.url(), world.form(practitioner=world.colleague.pk))
    assert "Select a valid choice" in errors_of(response)["practitioner"][0]


def test_a_member_with_no_agenda_cannot_open_the_form(world: World) -> None:
    nobody = factories.member(world.practice, Role.ASSISTANT)
    client = logged_in(nobody)
    assert client.get(world.url()).status_code == 404
    assert client.post(world.url(), world.form()).status_code == 404


# --- changing ---------------------------------------------------------------------------------


def test_moving_and_changing_details_in_one_save(world: World) -> None:
    client = logged_in(world.assistant)
    url = world.url("edit", world.booked)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        world.change_form(world.booked, time="15:00", notes="Call first", sms_reminder=None),
        follow=True,
    )
    assert "Saved:" in response.text
    moved = Appointment.objects.get(pk=world.booked.pk)
    assert (moved.start, moved.end) == (world.at(time(15)), world.at(time(15, 30)))
    assert (moved.notes, moved.sms_reminder) == ("Call first", False)
    kinds = list(
        OutboxEvent.objects.filter(appointment=moved).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == [Change.BOOKED, Change.RESCHEDULED, Change.CHANGED]


def test_changing_the_type_sets_its_duration_unless_the_duration_changes_too(
    world: World,
) -> None:
    client = logged_in(world.owner)
    url = world.url("edit", world.booked)
    client.post(url, world.change_form(world.booked, appointment_type=world.long.pk))
    retyped = Appointment.objects.get(pk=world.booked.pk)
    assert retyped.appointment_type == world.long
    assert retyped.end - retyped.start == timedelta(minutes=60)
    client.post(url, world.change_form(retyped, duration=45))
    assert Appointment.objects.get(pk=world.booked.pk).end == world.at(time(10, 45))


def test_a_refused_move_saves_nothing_else(world: World) -> None:
    other = world.book(time(15))
    response = logged_in(world.assistant).post(
        world.url("edit", world.booked),
        world.change_form(world.booked, time="15:10", notes="Lost?", status="done"),
    )
    [message] = errors_of(response)["__all__"]
    assert message.startswith("Dr Claire Morel already has an appointment from 15:00 to 15:30.")
    unchanged = Appointment.objects.get(pk=world.booked.pk)
    assert (unchanged.start, unchanged.notes, unchanged.status) == (
        world.at(time(10)),
        "",
        AppointmentStatus.CONFIRMED,
    )
    assert other.pk != unchanged.pk


def test_the_practitioner_may_move_over_an_appointment_with_the_box(world: World) -> None:
    world.book(time(15))
    client = logged_in(world.doctor_user)
    url = world.url("edit", world.booked)
    client.post(url, world.change_form(world.booked, time="15:10", allow_overlap="on"))
    moved = Appointment.objects.get(pk=world.booked.pk)
    assert moved.start == world.at(time(15, 10)) and moved.allow_overlap


def test_the_status_is_changed(world: World) -> None:
    logged_in(world.owner).post(
        world.url("edit", world.booked), world.change_form(world.booked, status="no_show")
    )
    assert Appointment.objects.get(pk=world.booked.pk).status == AppointmentStatus.NO_SHOW


def test_saving_without_changes_says_so(world: World) -> None:
    response = logged_in(world.owner).post(
        world.url("edit", world.booked), world.change_form(world.booked), follow=True
    )
    assert "Nothing was changed." in response.text
    assert OutboxEvent.objects.filter(appointment=world.booked).count() == 1


# --- cancelling, and the buttons ----------------------------------------------------------------


def test_cancelling_asks_then_frees_the_time(world: World) -> None:
    client = logged_in(world.assistant)
    url = world.url("cancel", world.booked)
    confirm = client.get(url)
    assert "Cancel the appointment?" in confirm.text
    assert Appointment.objects.get(pk=world.booked.pk).status == AppointmentStatus.CONFIRMED
    response = client.post(url, {"reason": "Patient called"}, follow=True)
    assert "Cancelled: Marie Fontaine" in response.text
    assert Appointment.objects.get(pk=world.booked.pk).status == AppointmentStatus.CANCELLED
    # Cancelled: no Edit or Cancel any more, and the edit page sends back to the appointment.
    assert world.url("edit", world.booked) not in response.text
    again = client.get(world.url("edit", world.booked), follow=True)
    assert "This appointment was cancelled" in again.text
    # The time is free again.
    assert client.post(world.url(), world.form("10:00")).status_code == 302


def test_the_buttons_show_only_where_the_policy_allows_changes(world: World) -> None:
    theirs = booking.book(
        world.practice,
        appointment_type=world.checkup,
        patient=world.patient,
        start=world.at(time(12)),
        practitioner=world.colleague,
        center=world.center,
    ).appointment
    client = logged_in(world.doctor_user)
    detail = f"/app/{world.practice.slug}/appointments/"
    mine = client.get(f"{detail}{world.booked.public_id}/").text
    assert world.url("edit", world.booked) in mine
    assert world.url("cancel", world.booked) in mine
    # A colleague's appointment: readable, not changeable.
    page = client.get(f"{detail}{theirs.public_id}/")
    assert page.status_code == 200
    assert "/edit/" not in page.text and "/cancel/" not in page.text
    assert client.get(world.url("edit", theirs)).status_code == 404
    assert client.post(world.url("cancel", theirs)).status_code == 404
    assert Appointment.objects.get(pk=theirs.pk).status == AppointmentStatus.CONFIRMED


def test_the_day_page_offers_a_new_appointment(world: World) -> None:
    page = logged_in(world.assistant).get(f"/app/{world.practice.slug}/").text
    assert world.url() in page
