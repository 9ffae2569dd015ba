"""The personal-event door: create, change, delete, one occurrence or the whole series; the
outbox; bad input refused with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from carnet.patients.models import Patient
from carnet.practices.models import AuditEntry, Practice
from carnet.scheduling import personal_events
from carnet.scheduling.booking import Channel, book
from carnet.scheduling.errors import (
    BookingError,
    InvalidRange,
    InvalidValue,
    OverPersonalEvent,
    WrongPractice,
)
from carnet.scheduling.models import (
    AppointmentType,
    OutboxEvent,
    PersonalEvent,
    PersonalEventOverride,
    Practitioner,
)
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)  # a Monday
TUESDAY = date(2030, 1, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


@dataclass
class Clinic:
    practice: Practice
    doctor: Practitioner
    kind: AppointmentType
    patient: Patient
    staff: object

    def event(self, **values: object) -> personal_events.PersonalEventResult:
        arguments: dict[str, object] = {
            "practitioner": self.doctor,
            "title": "Staff meeting",
            "start": at(TUESDAY, 10),
            "end": at(TUESDAY, 11),
            "actor": self.staff,
        }
        arguments.update(values)
        return personal_events.create(self.practice, **arguments)  # type: ignore[arg-type]

    def online(self, start: datetime) -> object:
        return book(
            self.practice,
            appointment_type=self.kind,
            patient=self.patient,
            practitioner=self.doctor,
            start=start,
            channel=Channel.ONLINE,
            now=NOW,
        )


@pytest.fixture
def clinic() -> Clinic:
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(practice, [doctor], online_booking=True)
    return Clinic(practice, doctor, kind, factories.patient(practice), factories.member(practice))


def refused(
    error: type[BookingError], action: Callable[..., object], *args, **kwargs
) -> BookingError:  # type: ignore[no-untyped-def]
    """Run a service expecting `error`, and check that nothing at all was written."""
    counts = (
        PersonalEvent.objects.count(),
        PersonalEventOverride.objects.count(),
        OutboxEvent.objects.count(),
        AuditEntry.objects.count(),
    )
    changed = list(PersonalEvent.objects.values_list("title", "start", "end", "rrule", "sequence"))
    with pytest.raises(error) as caught:
        action(*args, **kwargs)
    assert (
        PersonalEvent.objects.count(),
        PersonalEventOverride.objects.count(),
        OutboxEvent.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert (
        list(PersonalEvent.objects.values_list("title", "start", "end", "rrule", "sequence"))
        == changed
    )
    return caught.value


def test_a_personal_event_is_created_with_its_outbox_event_and_blocks_online_booking(
    clinic: Clinic,
) -> None:
    result = clinic.event()
    event = PersonalEvent.objects.get()
    assert result.event == event
    assert (event.start, event.end, event.time_zone) == (
        at(TUESDAY, 10),
        at(TUESDAY, 11),
        "Europe/Paris",
    )
    assert result.warnings == ()
    recorded = OutboxEvent.objects.get()
    assert result.outbox_event == recorded
    assert (recorded.subject, recorded.subject_id, recorded.kind, recorded.origin) == (
        "personal_event",
        event.public_id,
        "created",
        "staff",
    )
    assert AuditEntry.objects.filter(action="personal_event.created", actor=clinic.staff).exists()
    with pytest.raises(OverPersonalEvent):
        clinic.online(at(TUESDAY, 10, 30))


def test_an_event_over_an_appointment_is_allowed_with_a_warning(clinic: Clinic) -> None:
    clinic.online(at(TUESDAY, 10, 30))
    result = clinic.event()
    assert [w.code for w in result.warnings] == ["over_appointment"]
    assert str(result.warnings[0].message) == (
        "This personal event overlaps an appointment of the practitioner."
    )
    # A series is checked over its occurrences: every Tuesday at 10 lies over it the first week.
    weekly = clinic.event(
        start=at(TUESDAY - timedelta(days=7), 10),
        end=at(TUESDAY - timedelta(days=7), 11),
        rrule="FREQ=WEEKLY",
    )
    assert [w.code for w in weekly.warnings] == ["over_appointment"]
    elsewhere = clinic.event(start=at(TUESDAY, 14), end=at(TUESDAY, 15))
    assert elsewhere.warnings == ()


def test_one_occurrence_is_moved_or_cancelled_and_the_series_stays(clinic: Clinic) -> None:
    series = clinic.event(rrule="FREQ=WEEKLY;BYDAY=TU").event
    next_week = TUESDAY + timedelta(days=7)

    moved = personal_events.move_occurrence(
        clinic.practice, series, at(TUESDAY, 10), start=at(TUESDAY, 16), end=at(TUESDAY, 17)
    )
    assert moved.outbox_event is not None
    assert moved.outbox_event.kind == "occurrence_moved"
    assert moved.outbox_event.detail["recurrence_id"] == at(TUESDAY, 10).astimezone(UTC).isoformat()
    override = PersonalEventOverride.objects.get()
    assert (override.recurrence_id, override.start, override.end, override.cancelled) == (
        at(TUESDAY, 10),
        at(TUESDAY, 16),
        at(TUESDAY, 17),
        False,
    )
    # 10:00 is free that Tuesday, 16:00 is not; the next Tuesday keeps its 10:00.
    clinic.online(at(TUESDAY, 10))
    with pytest.raises(OverPersonalEvent):
        clinic.online(at(TUESDAY, 16))
    with pytest.raises(OverPersonalEvent):
        clinic.online(at(next_week, 10))

    # Cancelling the same occurrence replaces its move: one override per occurrence.
    personal_events.cancel_occurrence(clinic.practice, series, at(TUESDAY, 10))
    override = PersonalEventOverride.objects.get()
    assert (override.cancelled, override.start, override.end) == (True, None, None)
    clinic.online(at(TUESDAY, 16))
    series.refresh_from_db()
    assert series.sequence == 2
    assert [e.kind for e in OutboxEvent.objects.filter(subject="personal_event")] == [
        "created",
        "occurrence_moved",
        "occurrence_cancelled",
    ]

    # An instant the series never produces, or a one-off event, has no occurrence to change.
    refused(
        WrongPractice, personal_events.cancel_occurrence, clinic.practice, series, at(TUESDAY, 11)
    )
    single = clinic.event(start=at(TUESDAY, 8), end=at(TUESDAY, 9)).event
    refused(
        InvalidValue, personal_events.cancel_occurrence, clinic.practice, single, at(TUESDAY, 8)
    )


def test_the_whole_series_is_changed_or_deleted(clinic: Clinic) -> None:
    series = clinic.event(rrule="FREQ=WEEKLY;BYDAY=TU").event
    personal_events.cancel_occurrence(clinic.practice, series, at(TUESDAY, 10))
    changed = personal_events.change(
        clinic.practice, series.pk, title="Team meeting", start=at(TUESDAY, 14), end=at(TUESDAY, 15)
    )
    series.refresh_from_db()
    assert (series.title, series.start, series.rrule) == (
        "Team meeting",
        at(TUESDAY, 14),
        "FREQ=WEEKLY;BYDAY=TU",
    )
    assert changed.outbox_event is not None
    assert changed.outbox_event.detail["before"]["title"] == "Staff meeting"

    deleted = personal_events.delete(clinic.practice, series, origin="external", connection="42")
    assert not PersonalEvent.objects.exists()
    assert not PersonalEventOverride.objects.exists()
    # The event of the deletion outlives the row: calendars still hear of it, by its public id.
    gone = OutboxEvent.objects.get(kind="deleted")
    assert deleted.outbox_event == gone
    assert (gone.personal_event, gone.subject_id, gone.origin, gone.connection) == (
        None,
        series.public_id,
        "external",
        "42",
    )
    clinic.online(at(TUESDAY, 14))
    refused(WrongPractice, personal_events.delete, clinic.practice, series)


def test_another_practices_events_and_practitioners_are_out_of_reach(clinic: Clinic) -> None:
    mine = clinic.event().event
    other = factories.practice()
    stranger = factories.practitioner(other)
    refused(WrongPractice, personal_events.delete, other, mine)
    refused(WrongPractice, personal_events.change, other, mine.pk, title="Mine now")
    refused(
        WrongPractice,
        personal_events.create,
        clinic.practice,
        practitioner=stranger,
        title="x",
        start=at(TUESDAY, 8),
        end=at(TUESDAY, 9),
    )
    refused(WrongPractice, personal_events.delete, clinic.practice, "not a number")


SPRING_FORWARD = date(2030, 3, 31)  # in Paris, 02:00 becomes 03:00


@pytest.mark.parametrize(
    ("values", "error", "code"),
    [
        ({"end": at(TUESDAY, 9)}, InvalidRange, "invalid_range"),
        ({"start": datetime(2030, 1, 8, 10)}, InvalidRange, "invalid_range"),
        (
            {"start": at(SPRING_FORWARD, 2, 30), "end": at(SPRING_FORWARD, 4)},
            InvalidRange,
            "invalid_range",
        ),
        (
            {
                "start": datetime(9999, 12, 31, 22, tzinfo=PARIS),
                "end": datetime(9999, 12, 31, 23, tzinfo=PARIS),
            },
            InvalidRange,
            "invalid_range",
        ),
        ({"end": at(TUESDAY, 10) + timedelta(days=400)}, InvalidRange, "invalid_range"),
        ({"title": "Lunch\x00"}, InvalidValue, "invalid_value"),
        ({"title": "x" * 201}, InvalidValue, "invalid_value"),
        ({"title": "   "}, InvalidValue, "invalid_value"),
        ({"rrule": "FREQ=SECONDLY"}, InvalidValue, "invalid_value"),
        ({"rrule": "FREQ=WEEKLY;" + "BYDAY=TU;" * 100}, InvalidValue, "invalid_value"),
        ({"rrule": "FREQ=WEEKLY\x00"}, InvalidValue, "invalid_value"),
        ({"time_zone": "Mars/Olympus"}, InvalidValue, "invalid_value"),
        ({"origin": "online"}, InvalidValue, "invalid_value"),
        ({"origin": "carrier-pigeon"}, InvalidValue, "invalid_value"),
        ({"exdates": [datetime(2030, 1, 15, 10)]}, InvalidRange, "invalid_range"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    clinic: Clinic, values: dict[str, object], error: type[BookingError], code: str
) -> None:
    refusal = refused(error, clinic.event, **values)
    assert refusal.code == code
    assert str(refusal)  # a sentence for the person who typed it
    assert "Traceback" not in str(refusal)


def test_bad_input_to_a_change_leaves_the_event_as_it_was(clinic: Clinic) -> None:
    event = clinic.event(rrule="FREQ=WEEKLY").event
    refused(InvalidRange, personal_events.change, clinic.practice, event, end=at(TUESDAY, 9))
    refused(InvalidValue, personal_events.change, clinic.practice, event, title="\x00")
    refused(
        InvalidRange,
        personal_events.move_occurrence,
        clinic.practice,
        event,
        at(TUESDAY, 10),
        start=at(SPRING_FORWARD, 2, 15),
        end=at(SPRING_FORWARD, 4),
    )
    refused(
        InvalidRange,
        personal_events.move_occurrence,
        clinic.practice,
        event,
        at(TUESDAY, 10),
        start=at(TUESDAY, 12),
        end=at(TUESDAY, 11),
    )
