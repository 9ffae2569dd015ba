"""Event ids derived from Carnet's UUIDs: valid for Google, one per object, reversible."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from carnet.calsync.event_ids import GOOGLE_EVENT_ID, event_id, public_id_of


@given(st.uuids())
def test_every_uuid_gives_an_id_google_accepts_and_reads_back(public_id: uuid.UUID) -> None:
    remote_id = event_id(public_id)
    assert GOOGLE_EVENT_ID.match(remote_id)
    assert public_id_of(remote_id) == public_id


@given(st.uuids(), st.uuids())
def test_two_objects_never_share_an_id(first: uuid.UUID, second: uuid.UUID) -> None:
    assert (event_id(first) == event_id(second)) == (first == second)


@given(st.text(max_size=40))
def test_ids_made_in_google_are_not_taken_for_ours(remote_id: str) -> None:
    found = public_id_of(remote_id)
    assert found is None or event_id(found) == remote_id


def test_a_google_instance_id_is_not_ours() -> None:
    mine = event_id(uuid.uuid4())
    assert public_id_of(f"{mine}_20261122T090000Z") is None
    assert public_id_of("abc") is None
