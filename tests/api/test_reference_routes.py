"""Patients, practitioners, types and availability through the API, per role."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from carnet.patients.models import Patient
from carnet.practices.models import Role
from tests import factories
from tests.api.conftest import ApiWorld

pytestmark = pytest.mark.django_db


def test_patients_are_searched_and_paged_within_the_members_reach(world: ApiWorld) -> None:
    for n in range(3):
        factories.patient(world.a, first_name="Zoé", last_name=f"Zimmer{n}")
    owner = world.token_client(Role.OWNER)
    page = owner.get(world.url("patients"), {"q": "zimmer", "page_size": 2}).json()
    assert page["count"] == 3 and page["pages"] == 2
    assert [p["last_name"] for p in page["results"]] == ["Zimmer0", "Zimmer1"]
    second = owner.get(world.url("patients"), {"q": "zimmer", "page_size": 2, "page": 2}).json()
    assert [p["last_name"] for p in second["results"]] == ["Zimmer2"]
    # The assistant sees only the patients booked in their agenda, in their center.
    assistant = world.token_client(Role.ASSISTANT).get(world.url("patients")).json()
    assert [p["id"] for p in assistant["results"]] == [world.patient.pk]
    bad = owner.get(world.url("patients"), {"page": 0, "page_size": 1000})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"page", "page_size"}


def test_a_patient_is_created_with_the_pages_own_validation(world: ApiWorld) -> None:
    client = world.token_client(Role.PRACTITIONER)
    refused = client.post(
        world.url("patients"),
        json.dumps({"first_name": "Léa", "last_name": "Roux", "mobile": "01 23 45 67 89"}),
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "mobile"
    assert not Patient.objects.filter(last_name="Roux").exists()
    created = client.post(
        world.url("patients"),
        json.dumps({"first_name": "Léa", "last_name": "Roux", "mobile": "06 11 22 33 44"}),
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["mobile"] == "+33611223344"
    # A record nobody has booked yet can be booked by whoever created it.
    booked = client.post(
        world.url("appointments"),
        json.dumps(
            {
                "appointment_type_id": world.kind.pk,
                "patient_id": created.json()["id"],
                "start": (world.tomorrow + timedelta(hours=4)).isoformat(),
                "center_id": world.c1.pk,
            }
        ),
        content_type="application/json",
    )
    assert booked.status_code == 201, booked.content


def test_one_patient_is_a_404_outside_the_members_reach(world: ApiWorld) -> None:
    colleague_patient = world.colleague_c1.patient
    assert (
        world.token_client(Role.OWNER)
        .get(world.url(f"patients/{colleague_patient.pk}"))
        .status_code
        == 200
    )
    practitioner = world.token_client(Role.PRACTITIONER)
    assert practitioner.get(world.url(f"patients/{colleague_patient.pk}")).status_code == 404
    assert practitioner.get(world.url(f"patients/{world.b_patient.pk}")).status_code == 404


def test_practitioners_and_types_say_what_the_member_may_do(world: ApiWorld) -> None:
    rows = world.token_client(Role.PRACTITIONER).get(world.url("practitioners")).json()
    assert {(row["name"], row["can_change"]) for row in rows} == {
        ("Own Sheet", True),
        ("Colleague", False),
    }
    types = world.token_client(Role.ASSISTANT).get(world.url("types")).json()
    assert [t["id"] for t in types] == [world.kind.pk]
    assert types[0]["practitioner_ids"] == sorted([world.own.pk, world.colleague.pk])


def test_availability_comes_from_the_slot_engine_within_reach(world: ApiWorld) -> None:
    factories.weekly_hours(world.own, world.c1, weekdays=range(7))
    factories.weekly_hours(world.colleague, world.c1, weekdays=range(7))
    day = world.tomorrow.date()
    query = {"type": world.kind.pk, "start": day, "end": day}
    slots = world.token_client(Role.OWNER).get(world.url("availability"), query).json()
    starts = {slot["start"] for slot in slots}
    # The booked 09:00 (own) is not free for `own`; 9:30 is free for both.
    at_nine = [
        s for s in slots if s["start"].startswith(world.own_c1.start.strftime("%Y-%m-%dT%H:%M"))
    ]
    assert at_nine and world.own.pk not in at_nine[0]["practitioner_ids"]
    assert starts
    assistant_slots = (
        world.token_client(Role.ASSISTANT).get(world.url("availability"), query).json()
    )
    assert all(slot["practitioner_ids"] == [world.own.pk] for slot in assistant_slots)
    refused = world.token_client(Role.ASSISTANT).get(
        world.url("availability"), {**query, "practitioner": world.colleague.pk}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "practitioner"
    inverted = world.token_client(Role.OWNER).get(
        world.url("availability"), {**query, "end": day - timedelta(days=1)}
    )
    assert inverted.status_code == 422
