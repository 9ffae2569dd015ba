"""GET /api/practices/<slug>/agenda: what the agenda draws, for whom, and refusals of bad ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from carnet.api.agenda import AgendaOut
from carnet.practices.models import Membership, Role
from carnet.scheduling.models import Appointment, PersonalEvent, PersonalEventOverride
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2030, 3, 25)  # Paris springs forward on Sunday 31 March 2030


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


class Clinic:
    """Two practitioners working Monday to Friday 09-12 and 14-18 at one center (Paris); an
    assistant linked to the first; a colleague (practitioner) with a login of their own."""

    def __init__(self) -> None:
        self.practice = factories.practice("Clinic", language="en")
        self.center = factories.center(self.practice, "Main")
        self.other_center = factories.center(self.practice, "Annex")
        self.owner = factories.member(self.practice, Role.OWNER)
        self.doctor_user = factories.member(self.practice, Role.PRACTITIONER)
        self.doctor = factories.practitioner(self.practice, "Dr Alpha", user=self.doctor_user)
        self.colleague = factories.practitioner(self.practice, "Dr Beta")
        self.assistant = factories.member(self.practice, Role.ASSISTANT)
        desk = Membership.objects.get(user=self.assistant, practice=self.practice)
        desk.practitioners.set([self.doctor])
        for practitioner in (self.doctor, self.colleague):
            factories.weekly_hours(practitioner, self.center)
        self.kind = factories.appointment_type(
            self.practice, [self.doctor, self.colleague], color="#12ab34", name="Check-up"
        )

    def visit(self, practitioner: Any, start: datetime, center: Any = None, **extra: Any) -> Any:
        return Appointment.objects.create(
            practice=self.practice,
            center=center or self.center,
            practitioner=practitioner,
            patient=factories.patient(self.practice, first_name="Anne", last_name="Roux"),
            appointment_type=self.kind,
            start=start,
            end=start + timedelta(minutes=30),
            **extra,
        )


@pytest.fixture
def clinic() -> Clinic:
    return Clinic()


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def agenda(client: Client, clinic: Clinic, start: datetime, end: datetime, **params: Any) -> Any:
    query = urlencode({"start": start.isoformat(), "end": end.isoformat(), **params}, doseq=True)
    return client.get(f"/api/practices/{clinic.practice.slug}/agenda?{query}")


def week(day: date = MONDAY) -> tuple[datetime, datetime]:
    return at(day, 0), at(day + timedelta(days=7), 0)


def test_a_week_shows_columns_appointments_personal_events_and_opening_hours(
    clinic: Clinic,
) -> None:
    visit = clinic.visit(clinic.doctor, at(MONDAY, 9, 30))
    clinic.visit(clinic.doctor, at(MONDAY, 10), status="cancelled")
    outside = clinic.visit(clinic.doctor, at(MONDAY + timedelta(days=7), 9))
    PersonalEvent.objects.create(
        practice=clinic.practice,
        practitioner=clinic.doctor,
        title="Staff meeting",
        start=at(MONDAY, 12, 30),
        end=at(MONDAY, 13, 30),
        rrule="FREQ=DAILY;COUNT=3",
    )
    response = agenda(client_for(clinic.owner), clinic, *week())
    assert response.status_code == 200, response.content
    data = response.json()
    AgendaOut.model_validate(data)  # the documented shape (the route writes its JSON itself)
    assert [r["name"] for r in data["resources"]] == ["Dr Alpha", "Dr Beta"]
    assert [a["id"] for a in data["appointments"]] == [str(visit.public_id)]
    shown = data["appointments"][0]
    assert shown["title"] == "Anne Roux"
    assert shown["color"] == "#12ab34"
    assert shown["start"] == "2030-03-25T09:30:00+01:00"
    assert shown["url"] == f"/app/{clinic.practice.slug}/appointments/{visit.public_id}/"
    assert shown["move_url"].endswith(f"/appointments/{visit.public_id}/move")
    assert str(outside.public_id) not in response.text
    meetings = data["personal_events"]
    assert [m["start"][:16] for m in meetings] == [
        "2030-03-25T12:30",
        "2030-03-26T12:30",
        "2030-03-27T12:30",
    ]
    assert {m["title"] for m in meetings} == {"Staff meeting"}
    # Five days, morning and afternoon, each practitioner.
    hours = data["working_hours"]
    assert len(hours) == 2 * 5 * 2
    assert hours[0]["start"] == "2030-03-25T09:00:00+01:00"


def test_opening_hours_and_series_keep_their_wall_clock_across_the_dst_change(
    clinic: Clinic,
) -> None:
    """The week of 31 March 2030 in Paris: 09:00 stays 09:00 on Monday 1 April (UTC+2)."""
    PersonalEvent.objects.create(
        practice=clinic.practice,
        practitioner=clinic.doctor,
        title="Daily round",
        start=at(MONDAY, 8),
        end=at(MONDAY, 8, 30),
        rrule="FREQ=DAILY",
    )
    start, end = at(date(2030, 3, 30), 0), at(date(2030, 4, 2), 0)
    # The short night is in the range.
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=71)
    data = agenda(
        client_for(clinic.owner), clinic, start, end, practitioner=clinic.doctor.pk
    ).json()
    assert [h["start"] for h in data["working_hours"]] == [
        "2030-04-01T09:00:00+02:00",
        "2030-04-01T14:00:00+02:00",
    ]
    assert [p["start"] for p in data["personal_events"]] == [
        "2030-03-30T08:00:00+01:00",
        "2030-03-31T08:00:00+02:00",
        "2030-04-01T08:00:00+02:00",
    ]


def test_a_moved_occurrence_keeps_its_original_start_in_the_edit_link(clinic: Clinic) -> None:
    event = PersonalEvent.objects.create(
        practice=clinic.practice,
        practitioner=clinic.doctor,
        title="Meeting",
        start=at(MONDAY, 12, 30),
        end=at(MONDAY, 13),
        rrule="FREQ=DAILY;COUNT=2",
    )
    PersonalEventOverride.objects.create(
        event=event,
        recurrence_id=at(MONDAY + timedelta(days=1), 12, 30),
        start=at(MONDAY + timedelta(days=1), 16),
        end=at(MONDAY + timedelta(days=1), 17),
    )
    data = agenda(client_for(clinic.doctor_user), clinic, *week()).json()
    moved = data["personal_events"][1]
    assert moved["start"] == "2030-03-26T16:00:00+01:00"
    assert moved["occurrence"] == "2030-03-26T11:30:00Z"


def test_a_center_shows_only_its_practitioners_and_appointments(clinic: Clinic) -> None:
    elsewhere = factories.practitioner(clinic.practice, "Dr Gamma")
    factories.weekly_hours(elsewhere, clinic.other_center)
    here = clinic.visit(clinic.doctor, at(MONDAY, 9))
    clinic.visit(clinic.doctor, at(MONDAY, 10), center=clinic.other_center)
    data = agenda(client_for(clinic.owner), clinic, *week(), center=clinic.center.pk).json()
    assert [r["name"] for r in data["resources"]] == ["Dr Alpha", "Dr Beta"]
    assert [a["id"] for a in data["appointments"]] == [str(here.public_id)]
    data = agenda(client_for(clinic.owner), clinic, *week(), center=clinic.other_center.pk).json()
    assert [r["name"] for r in data["resources"]] == ["Dr Gamma"]


def test_an_assistant_sees_only_linked_practitioners_and_gets_404_for_others(
    clinic: Clinic,
) -> None:
    client = client_for(clinic.assistant)
    data = agenda(client, clinic, *week()).json()
    assert [r["name"] for r in data["resources"]] == ["Dr Alpha"]
    response = agenda(client, clinic, *week(), practitioner=clinic.colleague.pk)
    assert response.status_code == 404
    response = agenda(client, clinic, *week(), practitioner=[clinic.doctor.pk, clinic.colleague.pk])
    assert response.status_code == 404
    assert "Dr Beta" not in response.text


def test_an_assistant_limited_to_a_center_sees_other_centers_visits_as_busy(
    clinic: Clinic,
) -> None:
    Membership.objects.get(user=clinic.assistant, practice=clinic.practice).centers.set(
        [clinic.center]
    )
    hidden = clinic.visit(clinic.doctor, at(MONDAY, 10), center=clinic.other_center)
    client = client_for(clinic.assistant)
    response = agenda(client, clinic, *week())
    (shown,) = response.json()["appointments"]
    assert (shown["title"], shown["url"], shown["editable"]) == ("Busy", None, False)
    assert str(hidden.public_id) not in response.text
    assert "Roux" not in response.text
    assert agenda(client, clinic, *week(), center=clinic.other_center.pk).status_code == 404


def test_a_colleague_reads_the_agenda_but_sees_busy_time_without_its_title(
    clinic: Clinic,
) -> None:
    PersonalEvent.objects.create(
        practice=clinic.practice,
        practitioner=clinic.colleague,
        title="Dentist",
        start=at(MONDAY, 12, 30),
        end=at(MONDAY, 13, 30),
    )
    visit = clinic.visit(clinic.colleague, at(MONDAY, 9))
    data = agenda(client_for(clinic.doctor_user), clinic, *week()).json()
    (busy,) = data["personal_events"]
    assert (busy["title"], busy["url"]) == ("Busy", None)
    (shown,) = data["appointments"]
    assert shown["id"] == str(visit.public_id)
    assert (shown["editable"], shown["move_url"]) == (False, None)
    assert {r["name"]: r["editable"] for r in data["resources"]} == {
        "Dr Alpha": True,
        "Dr Beta": False,
    }


def test_another_practice_and_its_objects_are_404(clinic: Clinic) -> None:
    other = factories.practice("Other")
    stranger = factories.practitioner(other, "Dr Stranger")
    other_center = factories.center(other)
    client = client_for(clinic.owner)
    assert agenda(client, clinic, *week(), practitioner=stranger.pk).status_code == 404
    assert agenda(client, clinic, *week(), center=other_center.pk).status_code == 404
    query = urlencode({"start": week()[0].isoformat(), "end": week()[1].isoformat()})
    assert client.get(f"/api/practices/{other.slug}/agenda?{query}").status_code == 404
    assert Client().get(f"/api/practices/{clinic.practice.slug}/agenda?{query}").status_code == 401


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2030-03-25T00:00:00", "2030-03-26T00:00:00+01:00", "start"),
        ("2030-03-25T00:00:00+01:00", "tomorrow", "end"),
        ("2030-03-26T00:00:00+01:00", "2030-03-25T00:00:00+01:00", "end"),
        ("2030-03-25T00:00:00+01:00", "2030-03-25T00:00:00+01:00", "end"),
        ("2030-01-01T00:00:00Z", "2030-03-01T00:00:00Z", "end"),
    ],
)
def test_bad_ranges_are_422_naming_the_field(
    clinic: Clinic, start: str, end: str, field: str
) -> None:
    query = urlencode({"start": start, "end": end})
    response = client_for(clinic.owner).get(f"/api/practices/{clinic.practice.slug}/agenda?{query}")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    assert field in {error["field"] for error in body["errors"]}


def test_missing_and_non_numeric_parameters_are_422(clinic: Clinic) -> None:
    client = client_for(clinic.owner)
    base = f"/api/practices/{clinic.practice.slug}/agenda"
    assert client.get(base).status_code == 422
    query = urlencode(
        {"start": week()[0].isoformat(), "end": week()[1].isoformat(), "practitioner": "x"}
    )
    assert client.get(f"{base}?{query}").status_code == 422


def test_a_range_of_42_days_is_accepted(clinic: Clinic) -> None:
    start = datetime(2030, 3, 25, tzinfo=UTC)
    response = agenda(client_for(clinic.owner), clinic, start, start + timedelta(days=42))
    assert response.status_code == 200
