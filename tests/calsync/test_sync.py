"""Two-way sync with the Google Calendar emulator, through Google's own client library.

Each test does what a user would do (book, move, cancel in Carnet; create, move, delete in
Google) and checks what the other side shows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from carnet.calsync import sync
from carnet.calsync.connections import provider_for
from carnet.calsync.consumer import handle
from carnet.calsync.event_ids import event_id
from carnet.calsync.google.errors import TryLater
from carnet.calsync.models import CalendarConnection, ConflictKind, ConnectionState, SyncConflict
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.emulators.google_calendar.faults import Fault
from carnet.scheduling import booking
from carnet.scheduling.errors import BookingError
from carnet.scheduling.models import Appointment, AppointmentStatus, PersonalEvent
from tests.calsync.conftest import ACCOUNT, Clinic, connect, user_service

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def next_monday(at: time, weeks: int = 1) -> datetime:
    today = date.today()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(weeks=weeks - 1)
    return datetime.combine(monday, at, PARIS)


def book(clinic: Clinic, start: datetime, patient: Any = None) -> Appointment:
    result = booking.book(
        clinic.practice,
        appointment_type=clinic.kind,
        patient=patient or clinic.patient,
        practitioner=clinic.doctor,
        center=clinic.center,
        start=start,
    )
    deliver(result)
    return result.appointment


def deliver(result: Any) -> None:
    """What the worker does after the commit: the calendar consumer gets the outbox event."""
    if result.event is not None:
        handle(result.event)


def started(google: GoogleCalendarEmulator, clinic: Clinic, **choices: Any) -> CalendarConnection:
    connection = connect(google, clinic, **choices)
    sync.start(connection)
    connection.refresh_from_db()
    assert connection.state == ConnectionState.ACTIVE, connection.last_error
    return connection


def google_events(google: GoogleCalendarEmulator, connection: CalendarConnection) -> list[dict]:
    service = user_service(google)
    answer = service.events().list(calendarId=connection.calendar_id, singleEvents=False).execute()
    return [event for event in answer.get("items", []) if event.get("status") != "cancelled"]


# --- Carnet to Google --------------------------------------------------------------------------


def test_a_new_connection_gets_its_own_calendar_and_every_future_appointment(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    booked = [book(clinic, next_monday(time(9)) + timedelta(minutes=30 * i)) for i in range(3)]
    connection = started(google, clinic)
    assert connection.calendar_name == f"Carnet - {clinic.doctor.display_name}"
    assert (connection.backfill_done, connection.backfill_total) == (3, 3)
    events = google_events(google, connection)
    assert sorted(e["id"] for e in events) == sorted(event_id(a.public_id) for a in booked)
    first = next(e for e in events if e["id"] == event_id(booked[0].public_id))
    assert first["summary"] == "Jeanne Martin"
    assert first["visibility"] == "private"
    assert "attendees" not in first


def test_book_move_cancel_in_carnet_show_in_google(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    appointment = book(clinic, next_monday(time(10)))
    [event] = google_events(google, connection)
    assert event["start"]["dateTime"].startswith(next_monday(time(10)).strftime("%Y-%m-%dT10:00"))

    deliver(booking.reschedule(clinic.practice, appointment, start=next_monday(time(15))))
    [event] = google_events(google, connection)
    assert "T15:00" in event["start"]["dateTime"]

    deliver(booking.cancel(clinic.practice, appointment))
    assert google_events(google, connection) == []


def test_initials_only_when_the_practice_chose_them(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic, privacy="initials")
    book(clinic, next_monday(time(11)))
    [event] = google_events(google, connection)
    assert event["summary"] == "J. M."
    assert "Jeanne" not in str(event)


def test_a_retried_push_and_a_reconnection_never_duplicate(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    appointment = book(clinic, next_monday(time(9)))
    # The worker crashed after Google wrote the event, before the mark: it runs again.
    handle(appointment.events.order_by("pk").last())
    assert len(google_events(google, connection)) == 1

    CalendarConnection.objects.filter(pk=connection.pk).update(state=ConnectionState.REVOKED)
    again = started(google, clinic)
    assert again.calendar_id == connection.calendar_id
    assert len(google_events(google, again)) == 1


# --- Google to Carnet --------------------------------------------------------------------------


def test_an_event_created_in_google_becomes_busy_time_that_blocks_booking(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    start = next_monday(time(14))
    user_service(google).events().insert(
        calendarId=connection.calendar_id,
        body={
            "summary": "Dentist",
            "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Paris"},
            "end": {
                "dateTime": (start + timedelta(hours=1)).isoformat(),
                "timeZone": "Europe/Paris",
            },
        },
    ).execute()
    sync.run_pull(connection.pk)
    busy = PersonalEvent.objects.get(practitioner=clinic.doctor)
    assert (busy.title, busy.start, busy.end) == ("Dentist", start, start + timedelta(hours=1))
    with pytest.raises(BookingError):
        booking.book(
            clinic.practice,
            appointment_type=clinic.kind,
            patient=clinic.patient,
            practitioner=clinic.doctor,
            start=start + timedelta(minutes=30),
            channel="online",
        )
    # Pulling again changes nothing (the same change never applies twice).
    sync.run_pull(connection.pk)
    assert PersonalEvent.objects.filter(practitioner=clinic.doctor).count() == 1


def test_a_recurring_event_keeps_its_rule_and_its_moved_and_cancelled_occurrences(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    service = user_service(google)
    start = next_monday(time(12, 0))
    series = (
        service.events()
        .insert(
            calendarId=connection.calendar_id,
            body={
                "summary": "Staff meeting",
                "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Paris"},
                "end": {
                    "dateTime": (start + timedelta(hours=1)).isoformat(),
                    "timeZone": "Europe/Paris",
                },
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
            },
        )
        .execute()
    )
    instances = (
        service.events()
        .instances(calendarId=connection.calendar_id, eventId=series["id"])
        .execute()["items"]
    )
    moved, cancelled = instances[1], instances[2]
    new_start = datetime.fromisoformat(moved["start"]["dateTime"]) + timedelta(hours=5)
    service.events().patch(
        calendarId=connection.calendar_id,
        eventId=moved["id"],
        body={
            "start": {"dateTime": new_start.isoformat(), "timeZone": "Europe/Paris"},
            "end": {
                "dateTime": (new_start + timedelta(hours=1)).isoformat(),
                "timeZone": "Europe/Paris",
            },
        },
    ).execute()
    service.events().delete(calendarId=connection.calendar_id, eventId=cancelled["id"]).execute()

    sync.run_pull(connection.pk)
    event = PersonalEvent.objects.get(practitioner=clinic.doctor)
    assert event.rrule == "FREQ=WEEKLY;COUNT=4"
    overrides = {o.recurrence_id: o for o in event.overrides.all()}
    assert len(overrides) == 2
    assert any(o.cancelled for o in overrides.values())
    assert any(o.start == new_start for o in overrides.values())


def test_a_move_in_google_moves_the_appointment(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    appointment = book(clinic, next_monday(time(9)))
    new_start = next_monday(time(16))
    user_service(google).events().patch(
        calendarId=connection.calendar_id,
        eventId=event_id(appointment.public_id),
        body={
            "start": {"dateTime": new_start.isoformat()},
            "end": {"dateTime": (new_start + timedelta(minutes=30)).isoformat()},
        },
    ).execute()
    sync.run_pull(connection.pk)
    appointment.refresh_from_db()
    assert appointment.start == new_start
    # The move came from Google: it is not pushed back (no echo), the patient is told as usual.
    last = appointment.events.order_by("-pk").first()
    assert last.connection == connection.key


def test_a_move_in_google_onto_a_taken_time_is_refused_and_google_set_back(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    first = book(clinic, next_monday(time(9)))
    book(clinic, next_monday(time(10)), patient=clinic.other_patient)
    user_service(google).events().patch(
        calendarId=connection.calendar_id,
        eventId=event_id(first.public_id),
        body={
            "start": {"dateTime": next_monday(time(10)).isoformat()},
            "end": {"dateTime": next_monday(time(10, 30)).isoformat()},
        },
    ).execute()
    sync.run_pull(connection.pk)
    first.refresh_from_db()
    assert first.start == next_monday(time(9))
    event = (
        user_service(google)
        .events()
        .get(calendarId=connection.calendar_id, eventId=event_id(first.public_id))
        .execute()
    )
    assert datetime.fromisoformat(event["start"]["dateTime"]) == next_monday(time(9))
    assert SyncConflict.objects.get(connection=connection).kind == ConflictKind.TIME_TAKEN


def test_deleting_in_google_cancels_the_appointment_and_tells_staff(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    appointment = book(clinic, next_monday(time(11)))
    user_service(google).events().delete(
        calendarId=connection.calendar_id, eventId=event_id(appointment.public_id)
    ).execute()
    sync.run_pull(connection.pk)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert SyncConflict.objects.get(connection=connection).kind == ConflictKind.DELETED_IN_GOOGLE


def test_one_way_connections_overwrite_edits_made_in_google(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic, direction="one_way")
    appointment = book(clinic, next_monday(time(9)))
    user_service(google).events().delete(
        calendarId=connection.calendar_id, eventId=event_id(appointment.public_id)
    ).execute()
    sync.run_pull(connection.pk)
    appointment.refresh_from_db()
    assert appointment.status != AppointmentStatus.CANCELLED
    assert len(google_events(google, connection)) == 1


def test_an_expired_sync_token_is_a_full_sync_without_duplicates(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    book(clinic, next_monday(time(9)))
    start = next_monday(time(15))
    user_service(google).events().insert(
        calendarId=connection.calendar_id,
        body={
            "summary": "Training",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=2)).isoformat()},
        },
    ).execute()
    sync.run_pull(connection.pk)
    google.store.expire_sync_tokens()
    result = sync.run_pull(connection.pk)
    assert result is not None and result.full
    assert PersonalEvent.objects.filter(practitioner=clinic.doctor).count() == 1
    assert Appointment.objects.filter(practitioner=clinic.doctor).count() == 1


# --- errors ------------------------------------------------------------------------------------


def test_a_revoked_grant_marks_the_connection_broken_and_deletes_nothing(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    appointment = book(clinic, next_monday(time(9)))
    google.oauth.revoke_user(ACCOUNT)
    google.oauth.expire_access_tokens()
    deliver(booking.reschedule(clinic.practice, appointment, start=next_monday(time(10))))
    connection.refresh_from_db()
    assert connection.state == ConnectionState.BROKEN
    assert "revoked" in connection.last_error
    appointment.refresh_from_db()
    assert appointment.status != AppointmentStatus.CANCELLED


def test_an_expired_access_token_is_refreshed_and_saved(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    connection = started(google, clinic)
    before = connection.access_token
    google.oauth.expire_access_tokens()
    book(clinic, next_monday(time(9)))
    connection.refresh_from_db()
    assert connection.access_token != before
    assert connection.state == ConnectionState.ACTIVE
    assert len(google_events(google, connection)) == 1


def test_rate_limits_during_the_backfill_are_waited_out(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    for i in range(4):
        book(clinic, next_monday(time(9)) + timedelta(minutes=30 * i))
    connection = connect(google, clinic)
    google.faults.add(
        Fault(status=403, reason="rateLimitExceeded", count=3, path=r"/events$", method="POST")
    )
    naps: list[float] = []
    sync.start(connection, sleep=naps.append)  # calendar, channel, backfill of 4
    connection.refresh_from_db()
    assert (connection.backfill_done, connection.backfill_total) == (4, 4)
    assert len(google_events(google, connection)) == 4
    waits = [nap for nap in naps if nap > 1.0 / sync.BACKFILL_PER_SECOND]
    assert len(waits) <= 3  # one back-off per refusal, no tight loop
    assert "rateLimitExceeded" in connection.last_error


def test_a_backfill_goes_on_where_it_stopped(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    for i in range(5):
        book(clinic, next_monday(time(9)) + timedelta(minutes=30 * i))
    connection = started(google, clinic)
    before = len(google.app.log)
    assert sync.backfill(connection, provider_for(connection)) == 5
    assert len(google.app.log) == before  # nothing sent again: all there at their version


def test_a_series_split_in_google_becomes_two_series_in_carnet(
    google: GoogleCalendarEmulator, clinic: Clinic
) -> None:
    """ "This and following events" in Google: the series ends early, a new one takes over."""
    connection = started(google, clinic)
    service = user_service(google)
    start = next_monday(time(12, 0))
    series = (
        service.events()
        .insert(
            calendarId=connection.calendar_id,
            body={
                "summary": "Team lunch",
                "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Paris"},
                "end": {
                    "dateTime": (start + timedelta(hours=1)).isoformat(),
                    "timeZone": "Europe/Paris",
                },
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=6"],
            },
        )
        .execute()
    )
    sync.run_pull(connection.pk)
    third = start + timedelta(weeks=2)
    until = (third - timedelta(days=1)).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    service.events().patch(
        calendarId=connection.calendar_id,
        eventId=series["id"],
        body={"recurrence": [f"RRULE:FREQ=WEEKLY;UNTIL={until}"]},
    ).execute()
    later = third + timedelta(hours=1)
    service.events().insert(
        calendarId=connection.calendar_id,
        body={
            "summary": "Team lunch",
            "start": {"dateTime": later.isoformat(), "timeZone": "Europe/Paris"},
            "end": {
                "dateTime": (later + timedelta(hours=1)).isoformat(),
                "timeZone": "Europe/Paris",
            },
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
        },
    ).execute()
    sync.run_pull(connection.pk)
    events = PersonalEvent.objects.filter(practitioner=clinic.doctor).order_by("start")
    assert [e.start for e in events] == [start, later]
    assert f"UNTIL={until}" in events[0].rrule
    assert events[1].rrule == "FREQ=WEEKLY;COUNT=4"


FAULTS = [
    Fault(status=500, reason="backendError", count=1),
    Fault(status=503, reason="backendError", count=1),
    Fault(status=429, reason="rateLimitExceeded", count=1),
    Fault(status=403, reason="rateLimitExceeded", count=1),
    Fault(status=403, reason="userRateLimitExceeded", count=1),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f"{f.status}-{f.reason}")
def test_a_passing_fault_loses_nothing_duplicates_nothing_cancels_nothing(
    google: GoogleCalendarEmulator, clinic: Clinic, fault: Fault
) -> None:
    connection = started(google, clinic)
    google.faults.add(Fault(**{**fault.as_json(), "path": r"/events$", "method": "POST"}))
    result = booking.book(
        clinic.practice,
        appointment_type=clinic.kind,
        patient=clinic.patient,
        practitioner=clinic.doctor,
        start=next_monday(time(9)),
    )
    with pytest.raises(TryLater):  # the outbox backs off and tries again
        deliver(result)
    deliver(result)
    deliver(result)  # a retry after success changes nothing
    [event] = google_events(google, connection)
    assert event["id"] == event_id(result.appointment.public_id)

    google.faults.add(Fault(**{**fault.as_json(), "path": r"/events$", "method": "GET"}))
    user_service(google).events().delete(
        calendarId=connection.calendar_id, eventId=event["id"]
    ).execute()
    with pytest.raises(TryLater):
        sync.run_pull(connection.pk)
    appointment = Appointment.objects.get(pk=result.appointment.pk)
    assert appointment.status == AppointmentStatus.CONFIRMED  # not cancelled by an error
    sync.run_pull(connection.pk)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED  # the deletion, once read
