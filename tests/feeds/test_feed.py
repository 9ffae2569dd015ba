"""From the database to a feed: a very busy practitioner's feed still fits Google's 1 MB."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from carnet.feeds import feed, queries
from carnet.feeds.feed import build_feed, feed_window, find_source
from carnet.patients.models import Patient
from carnet.scheduling.models import Appointment
from tests.feeds.feed_data import (  # noqa: F401  (autouse fixtures)
    Agenda,
    _feed_defaults,
    agenda_fixture,
)

pytestmark = pytest.mark.django_db

BUSY = 12_000  # appointments in the window: about 30 a day for 13 months


def _fill(agenda: Agenda) -> list[Appointment]:
    """12,000 appointments from 29 days ago to 364 days ahead, in start order.

    Bulk writes, for speed: tests are not held to the booking door (nothing here is a booking).
    """
    patients = Patient.objects.bulk_create(
        Patient(practice=agenda.practice, first_name=f"Élise{n}", last_name=f"Nom-{n}")
        for n in range(500)
    )
    zone = agenda.practice.zone
    today = timezone.now().astimezone(zone).date()
    per_day = BUSY // 393 + 1
    appointments = []
    for n in range(BUSY):
        day = today + timedelta(days=-29 + n // per_day)
        start = datetime(day.year, day.month, day.day, 7, tzinfo=zone)
        start += timedelta(minutes=20 * (n % per_day))
        appointments.append(
            Appointment(
                practice=agenda.practice,
                center=agenda.center,
                practitioner=agenda.practitioner,
                patient=patients[n % len(patients)],
                appointment_type=agenda.kind,
                start=start,
                end=start + timedelta(minutes=20),
            )
        )
    return Appointment.objects.bulk_create(appointments, batch_size=1000)


def test_a_feed_of_12000_appointments_keeps_the_near_ones_under_1_mb(
    client: Client, agenda: Agenda
) -> None:
    appointments = _fill(agenda)
    response = client.get(agenda.feed_path())
    assert response.status_code == 200
    body = response.content
    assert len(body) < 1_000_000

    calendar = icalendar.Calendar.from_ical(body)  # still a calendar, read whole
    shown = {str(event["UID"]).removesuffix("@carnet") for event in calendar.walk("VEVENT")}
    assert 1_000 < len(shown) < BUSY
    in_feed = [str(a.public_id) in shown for a in appointments]
    # Kept: one unbroken run of the agenda, from some days back to some weeks ahead...
    first, last = in_feed.index(True), len(in_feed) - 1 - in_feed[::-1].index(True)
    assert all(in_feed[first : last + 1])
    now = timezone.now()
    kept = appointments[first : last + 1]
    assert kept[0].start < now - timedelta(days=3)  # the recent past
    assert kept[-1].start > now + timedelta(days=30)  # and more of the near future
    assert not in_feed[-1] and not any(in_feed[last + 1 :])  # the far end is trimmed
    for event in calendar.walk("VEVENT"):  # one link per event
        assert "URL" not in event
        assert "/appointments/" in str(event["DESCRIPTION"])


def test_rows_too_far_to_fit_are_not_read_and_not_missed(
    agenda: Agenda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feed reads only the events that could fit in the budget; reading them all would
    give the same bytes."""
    _fill(agenda)
    source = find_source(agenda.feed_path().removeprefix("/feeds/").removesuffix(".ics"))
    assert source is not None
    window = feed_window(source)
    read: list[int] = []
    fetch = queries.fetch_appointments

    def counting(*args: object, **kwargs: object) -> list[queries.AppointmentRow]:
        rows = fetch(*args, **kwargs)  # type: ignore[arg-type]
        read.append(len(rows))
        return rows

    monkeypatch.setattr(queries, "fetch_appointments", counting)
    trimmed = build_feed(source, window)
    monkeypatch.setattr(feed, "smallest_appointment_bytes", lambda url: 1)  # no limit
    everything = build_feed(source, window)
    assert read[1] == BUSY and read[0] < BUSY * 2 // 3
    assert trimmed == everything
