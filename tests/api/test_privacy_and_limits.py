"""What the API keeps to itself, and what it refuses cleanly: notes, retired things, far dates."""

from __future__ import annotations

from carnet.accounts.models import User
from carnet.practices.models import Role
from tests.api.conftest import ApiWorld


def test_a_colleague_reads_the_appointment_but_not_its_private_notes(world: ApiWorld) -> None:
    world.colleague_c1.notes = "Follow-up of a sensitive condition"
    world.colleague_c1.save(update_fields=["notes"])
    path = world.url(f"appointments/{world.colleague_c1.public_id}")
    seen = world.token_client(Role.PRACTITIONER).get(path)
    assert seen.status_code == 200
    assert seen.json()["notes"] == ""
    assert world.token_client(Role.ADMIN).get(path).json()["notes"].startswith("Follow-up")


def test_a_deactivated_accounts_token_stops_working(world: ApiWorld) -> None:
    client = world.token_client(Role.PRACTITIONER)
    assert client.get(world.url("practitioners")).status_code == 200
    User.objects.filter(pk=world.members[Role.PRACTITIONER].pk).update(is_active=False)
    assert client.get(world.url("practitioners")).status_code == 401


def test_dates_out_of_range_are_a_422_not_a_500(world: ApiWorld) -> None:
    client = world.token_client(Role.OWNER)
    far = {"start": "0001-01-01T00:00:00+14:00", "end": "0001-01-02T00:00:00+14:00"}
    for path in ("agenda", "appointments"):
        answer = client.get(world.url(path), far)
        assert answer.status_code == 422, (path, answer.content)
    huge = client.get(
        world.url("appointments"),
        {
            "start": "2026-01-01T00:00:00+01:00",
            "end": "2026-01-02T00:00:00+01:00",
            "practitioner": "99999999999999999999999",
        },
    )
    assert huge.status_code == 422


def test_a_retired_type_cannot_be_booked_through_the_api(world: ApiWorld) -> None:
    world.kind.is_active = False
    world.kind.save(update_fields=["is_active"])
    answer = world.token_client(Role.OWNER).post(
        world.url("appointments"),
        {
            "appointment_type_id": world.kind.pk,
            "patient_id": world.patient.pk,
            "practitioner_id": world.own.pk,
            "center_id": world.c1.pk,
            "start": (world.tomorrow.replace(hour=15)).isoformat(),
        },
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "appointment_type_id"


def test_an_assistant_asks_for_slots_in_their_centers_only(world: ApiWorld) -> None:
    client = world.token_client(Role.ASSISTANT)
    query = {
        "type": world.kind.pk,
        "practitioner": world.own.pk,
        "start": world.tomorrow.date().isoformat(),
        "end": world.tomorrow.date().isoformat(),
    }
    assert client.get(world.url("availability"), query | {"center": world.c1.pk}).status_code == 200
    refused = client.get(world.url("availability"), query | {"center": world.c2.pk})
    assert refused.status_code == 422
