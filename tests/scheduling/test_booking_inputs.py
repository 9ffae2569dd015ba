"""Bad input at the booking door: a clear, translatable refusal and nothing saved, never a
ValueError, an OverflowError or a database error (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from carnet.practices.models import AuditEntry
from carnet.scheduling.booking import Channel, book, cancel, reschedule, set_status
from carnet.scheduling.errors import BookingError, InvalidRange, InvalidValue, WrongPractice
from carnet.scheduling.inputs import NOTES_MAX_LENGTH
from carnet.scheduling.models import Appointment, OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)
TUESDAY = date(2030, 1, 8)


@pytest.fixture
def clinic() -> dict[str, Any]:
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice, booking_horizon_days=730)
    factories.weekly_hours(doctor, center, weekdays=range(7))
    kind = factories.appointment_type(practice, [doctor], online_booking=True)
    return {
        "practice": practice,
        "appointment_type": kind,
        "practitioner": doctor,
        "patient": factories.patient(practice),
    }


def attempt(clinic: dict[str, Any], **values: Any) -> Any:
    arguments = {**clinic, "start": datetime.combine(TUESDAY, time(9), tzinfo=PARIS), "now": NOW}
    arguments.update(values)
    practice = arguments.pop("practice")
    return book(practice, **arguments)


def refused(error: type[BookingError], action: Any, *args: Any, **kwargs: Any) -> BookingError:
    counts = (Appointment.objects.count(), OutboxEvent.objects.count(), AuditEntry.objects.count())
    times = list(Appointment.objects.values_list("start", "end", "status", "notes"))
    with pytest.raises(error) as caught:
        action(*args, **kwargs)
    assert (
        Appointment.objects.count(),
        OutboxEvent.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert list(Appointment.objects.values_list("start", "end", "status", "notes")) == times
    assert str(caught.value) and "%(" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize("channel", [Channel.ONLINE, Channel.STAFF])
@pytest.mark.parametrize(
    "start",
    [
        datetime(2030, 3, 31, 2, 30, tzinfo=PARIS),  # Paris springs forward at 02:00
        datetime(2030, 3, 10, 2, 15, tzinfo=NEW_YORK),  # so does New York, three weeks earlier
    ],
)
def test_a_start_inside_a_clock_change_gap_is_refused(
    clinic: dict[str, Any], channel: str, start: datetime
) -> None:
    error = refused(InvalidRange, attempt, clinic, start=start, channel=channel)
    assert error.kind == "nonexistent"
    assert str(error) == (
        "This time does not exist on that day: the clocks change then. Pick another time."
    )


def test_an_ambiguous_time_at_the_autumn_change_is_a_real_time(clinic: dict[str, Any]) -> None:
    """02:30 happens twice on 27 October 2030 in Paris: both exist, fold says which."""
    first = datetime(2030, 10, 27, 2, 30, tzinfo=PARIS)
    second = first.replace(fold=1)
    staff = {"channel": Channel.STAFF, "end": None}
    # (An ambiguous time never equals an instant of another zone, by PEP 495: compare in UTC.)
    assert attempt(clinic, start=first, **staff).appointment.start == first.astimezone(UTC)
    later = attempt(clinic, start=second, **staff).appointment.start
    assert later == second.astimezone(UTC) == first.astimezone(UTC) + timedelta(hours=1)


@pytest.mark.parametrize(
    "start",
    [
        datetime(9999, 12, 31, 23, 45, tzinfo=PARIS),  # the end would overflow
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=ZoneInfo("Pacific/Kiritimati")),
        datetime(1, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Tokyo")),  # UTC would be year 0
        datetime(9500, 6, 1, 9, 0, tzinfo=PARIS),
    ],
)
@pytest.mark.parametrize("channel", [Channel.ONLINE, Channel.STAFF, Channel.EXTERNAL])
def test_a_start_out_of_any_agenda_is_refused(
    clinic: dict[str, Any], start: datetime, channel: str
) -> None:
    error = refused(InvalidRange, attempt, clinic, start=start, channel=channel)
    assert error.kind == "out_of_bounds"


def test_moving_to_the_end_of_time_is_refused(clinic: dict[str, Any]) -> None:
    appointment = attempt(clinic).appointment
    refused(
        InvalidRange,
        reschedule,
        clinic["practice"],
        appointment,
        start=datetime(9999, 12, 31, 23, 45, tzinfo=PARIS),
        now=NOW,
    )


def test_an_unknown_channel_or_status_is_refused(clinic: dict[str, Any]) -> None:
    error = refused(InvalidValue, attempt, clinic, channel="carrier-pigeon")
    assert (error.field, str(error)) == ("channel", "Unknown way of booking.")
    refused(InvalidValue, attempt, clinic, channel=None)
    appointment = attempt(clinic).appointment
    practice = clinic["practice"]
    refused(InvalidValue, cancel, practice, appointment, channel="fax", now=NOW)
    refused(InvalidValue, reschedule, practice, appointment, start=appointment.start, channel="")
    error = refused(InvalidValue, set_status, practice, appointment, "lost")
    assert str(error) == "Unknown appointment status."


def test_text_postgresql_cannot_store_is_refused(clinic: dict[str, Any]) -> None:
    error = refused(InvalidValue, attempt, clinic, notes="allergic to\x00penicillin")
    assert (error.field, str(error)) == (
        "notes",
        "This text contains a character that cannot be stored.",
    )
    refused(InvalidValue, attempt, clinic, target_calendar="primary\x00")
    appointment = attempt(clinic).appointment
    refused(InvalidValue, cancel, clinic["practice"], appointment, reason="moved\x00away", now=NOW)


def test_a_megabyte_of_notes_is_refused_and_a_long_note_is_fine(clinic: dict[str, Any]) -> None:
    error = refused(InvalidValue, attempt, clinic, notes="x" * 1_000_000)
    assert str(error) == f"This text is too long: at most {NOTES_MAX_LENGTH} characters."
    note = "é" * NOTES_MAX_LENGTH
    assert attempt(clinic, notes=note).appointment.notes == note
    refused(InvalidValue, attempt, clinic, target_calendar="c" * 256)
    refused(
        InvalidValue,
        attempt,
        clinic,
        channel=Channel.EXTERNAL,
        connection="c" * 65,
    )


@pytest.mark.parametrize("value", [10**30, -1, 0, "1e3", "", None, 3.7j, True])
def test_an_id_that_cannot_exist_is_unknown(clinic: dict[str, Any], value: Any) -> None:
    refused(WrongPractice, attempt, clinic, patient=value)
    refused(WrongPractice, attempt, clinic, practitioner=value if value is not None else "x")
    refused(WrongPractice, cancel, clinic["practice"], value, now=NOW)


def test_a_naive_or_non_datetime_start_is_refused(clinic: dict[str, Any]) -> None:
    assert refused(InvalidRange, attempt, clinic, start=datetime(2030, 1, 8, 9)).kind == "naive"
    assert refused(InvalidRange, attempt, clinic, start="2030-01-08T09:00").kind == "naive"
    end = datetime.combine(TUESDAY, time(9), tzinfo=PARIS) + timedelta(days=400)
    assert refused(InvalidRange, attempt, clinic, end=end, channel="staff").kind == "too_long"
