"""What reaches Google for an appointment, and how Google's events read back."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carnet.calsync.event_ids import event_id
from carnet.calsync.google.mapping import (
    AppointmentFacts,
    UnreadableEvent,
    appointment_event,
    read_event,
)

FACTS = AppointmentFacts(
    public_id=uuid.UUID("9b2f3c1e-0d4a-4c55-8e1f-1a2b3c4d5e6f"),
    start=datetime(2026, 3, 29, 7, 30, tzinfo=UTC),
    end=datetime(2026, 3, 29, 8, 0, tzinfo=UTC),
    time_zone="Europe/Paris",
    first_name="Jeanne",
    last_name="Martin",
    version=3,
    link="https://carnet.example/app/demo/appointments/9b2f3c1e-0d4a-4c55-8e1f-1a2b3c4d5e6f/",
)


def test_the_event_is_private_busy_and_invites_nobody() -> None:
    body = appointment_event(FACTS, "name", "Appointment")
    assert body["id"] == event_id(FACTS.public_id)
    assert body["visibility"] == "private"
    assert body["transparency"] == "opaque"
    assert "attendees" not in body
    assert body["extendedProperties"]["private"] == {
        "carnetAppointment": str(FACTS.public_id),
        "carnetVersion": "3",
    }


def test_times_are_given_in_the_centers_zone_across_the_spring_change() -> None:
    body = appointment_event(FACTS, "name", "Appointment")
    # 29 March 2026: Paris moved to UTC+2 at 01:00 UTC.
    assert body["start"] == {"dateTime": "2026-03-29T09:30:00+02:00", "timeZone": "Europe/Paris"}
    assert body["end"]["dateTime"] == "2026-03-29T10:00:00+02:00"


@pytest.mark.parametrize(
    ("privacy", "summary"),
    [("name", "Jeanne Martin"), ("initials", "J. M."), ("generic", "Appointment")],
)
def test_the_title_follows_the_practices_privacy_choice(privacy: str, summary: str) -> None:
    body = appointment_event(FACTS, privacy, "Appointment")
    assert body["summary"] == summary
    if privacy != "name":
        assert "Jeanne" not in json.dumps(body)


def test_the_description_is_only_the_link_back() -> None:
    body = appointment_event(FACTS, "name", "Appointment")
    assert body["description"] == FACTS.link
    assert body["source"] == {"title": "Carnet", "url": FACTS.link}


def test_a_cancelled_tombstone_reads_as_cancelled_without_times() -> None:
    event = read_event({"kind": "calendar#event", "id": "abc123", "status": "cancelled"})
    assert event.cancelled
    assert event.start is None


def test_our_event_read_back_names_its_appointment_and_version() -> None:
    body = appointment_event(FACTS, "name", "Appointment")
    body |= {"etag": '"1"', "updated": "2026-03-28T10:00:00.000Z"}
    event = read_event(body)
    assert event.appointment == FACTS.public_id
    assert event.version == 3
    assert event.start == FACTS.start
    assert event.updated == datetime(2026, 3, 28, 10, 0, tzinfo=UTC)


def test_an_all_day_event_and_an_instance_read_as_such() -> None:
    event = read_event(
        {"id": "x1234", "start": {"date": "2026-12-24"}, "end": {"date": "2026-12-26"}}
    )
    assert event.all_day_start is not None
    assert event.start is None
    instance = read_event(
        {
            "id": "abcde_20261123T090000Z",
            "recurringEventId": "abcde",
            "originalStartTime": {"dateTime": "2026-11-23T09:00:00Z"},
            "start": {"dateTime": "2026-11-23T11:00:00+01:00"},
            "end": {"dateTime": "2026-11-23T12:00:00+01:00"},
        }
    )
    assert instance.recurring_event_id == "abcde"
    assert instance.original_start == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert instance.end is not None and instance.end - instance.start == timedelta(hours=1)  # type: ignore[operator]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(
    ["id", "status", "start", "end", "originalStartTime", "extendedProperties", "updated"]
)


TIMES = st.dictionaries(st.sampled_from(["dateTime", "date", "timeZone"]), JSON)
PROPERTIES = st.dictionaries(st.sampled_from(["private", "shared"]), JSON)


@given(st.dictionaries(KEYS | st.just("recurrence"), JSON | TIMES | PROPERTIES))
def test_anything_google_could_send_is_read_or_refused_cleanly(body: dict[str, Any]) -> None:
    with contextlib.suppress(UnreadableEvent):
        read_event(body)
