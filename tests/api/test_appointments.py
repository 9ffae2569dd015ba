"""The appointments API: list a range, book, move, cancel; roles, tenancy, CSRF, refusals."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.test import Client

from carnet.practices.models import Role
from carnet.scheduling.models import Appointment, AppointmentStatus
from tests.api.conftest import ApiWorld

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def day_range(world: ApiWorld) -> dict[str, str]:
    return {
        "start": world.tomorrow.isoformat(),
        "end": (world.tomorrow + timedelta(hours=12)).isoformat(),
    }


def listed(world: ApiWorld, role: str) -> set[str]:
    response = world.token_client(role).get(world.url("appointments"), day_range(world))
    assert response.status_code == 200, response.content
    return {row["public_id"] for row in response.json()}


def test_each_role_lists_what_the_policy_lets_it_read(world: ApiWorld) -> None:
    every = {str(a.public_id) for a in (world.own_c1, world.own_c2, world.colleague_c1)}
    assert listed(world, Role.OWNER) == every
    assert listed(world, Role.PRACTITIONER) == every  # colleagues' agendas are readable
    assert listed(world, Role.ASSISTANT) == {str(world.own_c1.public_id)}


def test_the_list_filters_by_practitioner_and_hides_cancellations(world: ApiWorld) -> None:
    client = world.token_client(Role.OWNER)
    query = {**day_range(world), "practitioner": [world.colleague.pk]}
    rows = client.get(world.url("appointments"), query).json()
    assert [row["public_id"] for row in rows] == [str(world.colleague_c1.public_id)]
    assert rows[0]["practitioner"] == {"id": world.colleague.pk, "name": "Colleague"}
    post(client, world.url(f"appointments/{world.colleague_c1.public_id}/cancel"), {})
    assert client.get(world.url("appointments"), query).json() == []
    with_cancelled = client.get(world.url("appointments"), {**query, "include_cancelled": True})
    assert with_cancelled.json()[0]["status"] == "cancelled"


def test_a_range_that_ends_before_it_starts_or_is_naive_is_a_field_error(world: ApiWorld) -> None:
    client = world.token_client(Role.OWNER)
    inverted = client.get(
        world.url("appointments"),
        {"start": world.tomorrow.isoformat(), "end": world.tomorrow.isoformat()},
    )
    assert inverted.status_code == 422
    assert inverted.json()["errors"][0]["field"] == "end"
    naive = client.get(
        world.url("appointments"), {"start": "2030-01-01T10:00", "end": "2030-01-02T10:00"}
    )
    assert naive.status_code == 422
    assert {error["field"] for error in naive.json()["errors"]} == {"start", "end"}


def test_booking_through_the_api_goes_through_the_door(world: ApiWorld) -> None:
    start = world.tomorrow + timedelta(hours=5)
    response = post(
        world.token_client(Role.PRACTITIONER),
        world.url("appointments"),
        {
            "appointment_type_id": world.kind.pk,
            "patient_id": world.patient.pk,
            "start": start.isoformat(),
            "center_id": world.c1.pk,
            "notes": "Bring the X-ray",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # A practitioner with one agenda books in it without naming it.
    assert body["practitioner"]["id"] == world.own.pk
    saved = Appointment.objects.get(public_id=body["public_id"])
    assert saved.start == start and saved.notes == "Bring the X-ray"
    assert saved.created_by == world.members[Role.PRACTITIONER]


def test_booking_a_taken_time_is_a_409_and_saves_nothing(world: ApiWorld) -> None:
    before = Appointment.objects.count()
    response = post(
        world.token_client(Role.OWNER),
        world.url("appointments"),
        {
            "appointment_type_id": world.kind.pk,
            "patient_id": world.patient.pk,
            "practitioner_id": world.own.pk,
            "start": world.own_c1.start.isoformat(),
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert Appointment.objects.count() == before


def test_booking_refuses_ids_out_of_reach_by_field(world: ApiWorld) -> None:
    body = {
        "appointment_type_id": world.kind.pk,
        "patient_id": world.patient.pk,
        "start": (world.tomorrow + timedelta(hours=6)).isoformat(),
    }
    assistant = world.token_client(Role.ASSISTANT)
    # The colleague's agenda is not the assistant's: the same answer as an unknown id.
    response = post(
        assistant, world.url("appointments"), {**body, "practitioner_id": world.colleague.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "practitioner_id"
    response = post(assistant, world.url("appointments"), {**body, "center_id": world.c2.pk})
    assert response.json()["errors"][0]["field"] == "center_id"
    owner = world.token_client(Role.OWNER)
    response = post(owner, world.url("appointments"), {**body, "patient_id": world.b_patient.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "loc": ["body", "patient_id"],
        "field": "patient_id",
        "msg": "This patient does not exist in this practice.",
    }
    response = post(
        owner, world.url("appointments"), {**body, "appointment_type_id": world.b_kind.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "appointment_type_id"


def test_moving_to_a_free_time_moves_it(world: ApiWorld) -> None:
    start = world.tomorrow + timedelta(hours=7)
    response = post(
        world.token_client(Role.ASSISTANT),
        world.url(f"appointments/{world.own_c1.public_id}/move"),
        {"start": start.isoformat(), "end": None, "practitioner_id": None, "allow_overlap": False},
    )
    assert response.status_code == 200, response.content
    world.own_c1.refresh_from_db()
    assert world.own_c1.start == start
    assert world.own_c1.end - world.own_c1.start == timedelta(minutes=30)
    assert response.json()["start"].startswith(start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))


def test_moving_onto_a_taken_time_is_a_409_unless_overbooking_is_allowed(world: ApiWorld) -> None:
    url = world.url(f"appointments/{world.own_c1.public_id}/move")
    taken = {"start": world.own_c2.start.isoformat()}
    practitioner = world.token_client(Role.PRACTITIONER)
    refused = post(practitioner, url, taken)
    assert refused.status_code == 409
    assert refused.json()["code"] == "slot_taken"
    assert refused.json()["detail"] == "This slot was just taken; please pick another."
    assistant = world.token_client(Role.ASSISTANT)
    forbidden = post(assistant, url, {**taken, "allow_overlap": True})
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "overlap_not_allowed"
    world.own_c1.refresh_from_db()
    assert world.own_c1.start != world.own_c2.start
    moved = post(practitioner, url, {**taken, "allow_overlap": True})
    assert moved.status_code == 200
    assert "overbooked" in [w["code"] for w in moved.json()["warnings"]]


def test_an_assistant_cannot_read_or_move_an_agenda_they_are_not_linked_to(world: ApiWorld) -> None:
    assistant = world.token_client(Role.ASSISTANT)
    for appointment in (world.colleague_c1, world.own_c2, world.b_appointment):
        url = world.url(f"appointments/{appointment.public_id}")
        assert assistant.get(url).status_code == 404
        start = (world.tomorrow + timedelta(hours=8)).isoformat()
        assert post(assistant, url + "/move", {"start": start}).status_code == 404
        assert post(assistant, url + "/cancel", {}).status_code == 404
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED


def test_a_practitioner_reads_but_cannot_move_a_colleagues_appointment(world: ApiWorld) -> None:
    practitioner = world.token_client(Role.PRACTITIONER)
    url = world.url(f"appointments/{world.colleague_c1.public_id}")
    assert practitioner.get(url).status_code == 200
    start = (world.tomorrow + timedelta(hours=8)).isoformat()
    assert post(practitioner, url + "/move", {"start": start}).status_code == 404


def test_another_practices_appointment_is_a_404_even_for_an_owner(world: ApiWorld) -> None:
    owner = world.token_client(Role.OWNER)
    url = world.url(f"appointments/{world.b_appointment.public_id}")
    assert owner.get(url).status_code == 404
    assert post(owner, url + "/cancel", {}).status_code == 404
    assert (
        owner.get(world.url(f"appointments/{world.own_c1.public_id}", world.b)).status_code == 404
    )


def test_cancel_frees_the_time_and_twice_is_harmless(world: ApiWorld) -> None:
    owner = world.token_client(Role.OWNER)
    url = world.url(f"appointments/{world.own_c1.public_id}/cancel")
    first = post(owner, url, {"reason": "Patient called"})
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    assert post(owner, url, {}).status_code == 200
    # A cancelled appointment cannot be moved: the door's reason, as a 422.
    moved = post(
        owner,
        world.url(f"appointments/{world.own_c1.public_id}/move"),
        {"start": world.tomorrow.isoformat()},
    )
    assert moved.status_code == 422
    assert moved.json()["code"] == "appointment_cancelled"


def test_session_writes_need_the_csrf_token_and_reads_do_not(world: ApiWorld) -> None:
    browser = world.session(Role.OWNER)
    assert browser.get(world.url("appointments"), day_range(world)).status_code == 200
    url = world.url(f"appointments/{world.own_c1.public_id}/cancel")
    refused = post(browser, url, {})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf"
    world.own_c1.refresh_from_db()
    assert world.own_c1.status == AppointmentStatus.CONFIRMED
    browser.get(f"/app/{world.a.slug}/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    assert post(browser, url, {}, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_invalid_bodies_get_field_messages_never_a_500(world: ApiWorld) -> None:
    owner = world.token_client(Role.OWNER)
    url = world.url(f"appointments/{world.own_c1.public_id}/move")
    response = post(owner, url, {"start": "tomorrow", "practitioner_id": "x"})
    assert response.status_code == 422
    fields = {error["field"]: error["msg"] for error in response.json()["errors"]}
    assert set(fields) == {"start", "practitioner_id"}
    not_json = owner.post(url, "{", content_type="application/json")
    assert 400 <= not_json.status_code < 500
    unknown = owner.post(
        world.url("appointments/not-a-uuid/move"), "{}", content_type="application/json"
    )
    assert 400 <= unknown.status_code < 500
