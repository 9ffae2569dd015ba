"""The booking services: every rule as a user meets it (the error shown, nothing saved)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from carnet.patients.models import Patient
from carnet.practices.models import AuditEntry, Center, Practice
from carnet.scheduling import booking
from carnet.scheduling.agenda import available_slots
from carnet.scheduling.booking import Channel, book, cancel, reschedule, set_status
from carnet.scheduling.consumers import Consumer, register, unregister
from carnet.scheduling.errors import (
    AppointmentCancelled,
    BookingError,
    InThePast,
    InvalidRange,
    MissingCenter,
    NotOffered,
    NotOnlineBookable,
    OutsideAvailability,
    OverPersonalEvent,
    SlotTaken,
    WrongPractice,
)
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Delivery,
    OutboxEvent,
    PersonalEvent,
    PersonalEventOverride,
    Practitioner,
    ScheduleException,
    ScheduleExceptionKind,
    TypeScheduleLine,
)
from carnet.scheduling.tasks import deliver
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# Monday 7 January 2030, 08:00 in Paris. The practitioner works Mon-Fri 09-12 and 14-18.
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)
TUESDAY = date(2030, 1, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


@dataclass
class Clinic:
    practice: Practice
    center: Center
    doctor: Practitioner
    kind: AppointmentType
    patient: Patient
    staff: object

    def online(self, start: datetime, **extra: object) -> booking.BookingResult:
        values: dict[str, object] = {
            "appointment_type": self.kind,
            "patient": self.patient,
            "practitioner": self.doctor,
            "start": start,
            "channel": Channel.ONLINE,
            "now": NOW,
        }
        values.update(extra)
        return book(self.practice, **values)  # type: ignore[arg-type]

    def by_staff(self, start: datetime, **extra: object) -> booking.BookingResult:
        values: dict[str, object] = {
            "appointment_type": self.kind,
            "patient": self.patient,
            "practitioner": self.doctor,
            "start": start,
            "channel": Channel.STAFF,
            "actor": self.staff,
            "now": NOW,
        }
        values.update(extra)
        return book(self.practice, **values)  # type: ignore[arg-type]


def make_clinic(**type_options: object) -> Clinic:
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, center)
    options: dict[str, object] = {"online_booking": True}
    options.update(type_options)
    kind = factories.appointment_type(practice, [doctor], **options)
    return Clinic(
        practice, center, doctor, kind, factories.patient(practice), factories.member(practice)
    )


@pytest.fixture
def clinic() -> Clinic:
    return make_clinic()


def refused(error: type[BookingError], action, *args, **kwargs) -> BookingError:  # type: ignore[no-untyped-def]
    """Run a service expecting `error`, and check that nothing at all was written."""
    counts = (Appointment.objects.count(), OutboxEvent.objects.count())
    audits = AuditEntry.objects.count()
    with pytest.raises(error) as caught:
        action(*args, **kwargs)
    assert (Appointment.objects.count(), OutboxEvent.objects.count()) == counts
    assert AuditEntry.objects.count() == audits
    return caught.value


# --- booking online -------------------------------------------------------------------------


@pytest.fixture
def a_consumer() -> object:
    consumer = Consumer("test-booking", handle=lambda event: None)
    register(consumer)
    yield consumer
    unregister(consumer.name)


def test_online_booking_of_a_free_slot_saves_the_appointment_and_its_follow_up(
    clinic: Clinic, a_consumer: Consumer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        result = clinic.online(at(TUESDAY, 9))
    appointment = Appointment.objects.get()
    assert result.appointment == appointment
    assert result.warnings == ()
    assert (appointment.start, appointment.end) == (at(TUESDAY, 9), at(TUESDAY, 9, 30))
    assert appointment.center == clinic.center
    assert appointment.source == Channel.ONLINE
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.allow_overlap is False
    event = OutboxEvent.objects.get()
    assert (event.appointment, event.kind, event.origin, event.connection) == (
        appointment,
        "booked",
        "online",
        None,
    )
    assert (event.subject, event.subject_id) == ("appointment", appointment.public_id)
    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.consumer, delivery.status) == (
        event,
        a_consumer.name,
        "pending",
    )
    # A patient's own booking is recorded by its outbox event; staff actions are audited.
    assert not AuditEntry.objects.exists()
    clinic.by_staff(at(TUESDAY, 10))
    assert AuditEntry.objects.filter(action="appointment.booked", actor=clinic.staff).count() == 1
    # The delivery is enqueued only once the booking committed.
    enqueued = [c for c in callbacks if getattr(c.func, "__self__", None) == deliver]
    assert [c.args for c in enqueued] == [(delivery.pk,)]


def test_a_taken_slot_is_refused_with_a_clear_message(clinic: Clinic) -> None:
    clinic.online(at(TUESDAY, 9))
    error = refused(SlotTaken, clinic.online, at(TUESDAY, 9))
    assert str(error) == "This slot was just taken; please pick another."
    assert error.code == "slot_taken"
    refused(SlotTaken, clinic.online, at(TUESDAY, 9, 15))
    refused(SlotTaken, clinic.by_staff, at(TUESDAY, 8, 45))


def test_touching_appointments_are_fine(clinic: Clinic) -> None:
    clinic.online(at(TUESDAY, 9))
    clinic.online(at(TUESDAY, 9, 30))
    clinic.by_staff(at(TUESDAY, 8, 30))
    assert Appointment.objects.count() == 3


def test_buffers_keep_time_around_appointments_online(clinic: Clinic) -> None:
    clinic.kind.buffer_after_minutes = 15
    clinic.kind.save()
    clinic.online(at(TUESDAY, 9))
    refused(SlotTaken, clinic.online, at(TUESDAY, 9, 30))
    clinic.online(at(TUESDAY, 9, 45))
    # Staff may squeeze one in, and are told.
    result = clinic.by_staff(at(TUESDAY, 10, 15))
    assert [w.code for w in result.warnings] == ["buffer"]


def test_outside_opening_hours_is_refused_online_with_the_reason(clinic: Clinic) -> None:
    error = refused(OutsideAvailability, clinic.online, at(TUESDAY, 12, 30))
    assert error.reason == "schedule"
    assert str(error) == "This time is not among the practitioner's available times."
    # The slot must fit whole: 11:45 + 30 minutes runs past noon.
    refused(OutsideAvailability, clinic.online, at(TUESDAY, 11, 45))
    # Off the 15-minute grid.
    assert refused(OutsideAvailability, clinic.online, at(TUESDAY, 9, 5)).reason == "schedule"
    # Saturday.
    refused(OutsideAvailability, clinic.online, at(date(2030, 1, 12), 10))


def test_staff_may_book_outside_opening_hours_with_a_warning(clinic: Clinic) -> None:
    result = clinic.by_staff(at(TUESDAY, 12, 30))
    assert [w.code for w in result.warnings] == ["outside_schedule"]
    assert str(result.warnings[0].message) == (
        "This appointment is outside the practitioner's opening hours."
    )
    # Off the grid but inside opening hours: no warning at all.
    assert clinic.by_staff(at(TUESDAY, 9, 5)).warnings == ()


def test_minimum_notice_and_horizon_are_enforced_online(clinic: Clinic) -> None:
    # Notice is 120 minutes: at 08:00, 09:00 is too soon but 10:00 is fine.
    error = refused(OutsideAvailability, clinic.online, at(NOW.date(), 9))
    assert error.reason == "notice"
    clinic.online(at(NOW.date(), 10))
    # Horizon is 60 days counted from today in the practice's zone.
    error = refused(OutsideAvailability, clinic.online, at(NOW.date() + timedelta(days=61), 9))
    assert error.reason == "horizon"
    clinic.online(at(NOW.date() + timedelta(days=60), 9))
    # Staff are not bound by either.
    clinic.by_staff(at(NOW.date(), 9))
    clinic.by_staff(at(NOW.date() + timedelta(days=200), 9))


def test_time_off_closes_the_agenda_online_and_extra_hours_open_it(clinic: Clinic) -> None:
    ScheduleException.objects.create(
        practitioner=clinic.doctor,
        kind=ScheduleExceptionKind.TIME_OFF,
        start=at(TUESDAY, 0),
        end=at(TUESDAY + timedelta(days=1), 0),
    )
    ScheduleException.objects.create(
        practitioner=clinic.doctor,
        kind=ScheduleExceptionKind.EXTRA,
        start=at(date(2030, 1, 12), 10),
        end=at(date(2030, 1, 12), 12),
        center=clinic.center,
    )
    refused(OutsideAvailability, clinic.online, at(TUESDAY, 9))
    clinic.online(at(date(2030, 1, 12), 10))


def test_type_with_its_own_schedule_replaces_the_general_one(clinic: Clinic) -> None:
    clinic.kind.has_own_schedule = True
    clinic.kind.save()
    TypeScheduleLine.objects.create(
        appointment_type=clinic.kind, weekday=1, start=time(19), end=time(20), center=clinic.center
    )
    refused(OutsideAvailability, clinic.online, at(TUESDAY, 9))
    clinic.online(at(TUESDAY, 19))


def test_personal_event_refuses_online_and_warns_staff(clinic: Clinic) -> None:
    PersonalEvent.objects.create(
        practice=clinic.practice,
        practitioner=clinic.doctor,
        title="Staff meeting",
        start=at(TUESDAY, 10),
        end=at(TUESDAY, 11),
    )
    error = refused(OverPersonalEvent, clinic.online, at(TUESDAY, 10, 30))
    assert str(error) == "The practitioner is not available at this time."
    result = clinic.by_staff(at(TUESDAY, 10, 30))
    assert [w.code for w in result.warnings] == ["over_personal_event"]
    assert Appointment.objects.count() == 1


def test_recurring_personal_events_are_expanded_with_their_exceptions(clinic: Clinic) -> None:
    # Every Tuesday 10:00-11:00 from 1 January, except that on the 8th it was cancelled, and on
    # the 15th it moved to 14:00.
    event = PersonalEvent.objects.create(
        practice=clinic.practice,
        practitioner=clinic.doctor,
        title="School run",
        start=at(date(2030, 1, 1), 10),
        end=at(date(2030, 1, 1), 11),
        time_zone="Europe/Paris",
        rrule="FREQ=WEEKLY;BYDAY=TU",
    )
    PersonalEventOverride.objects.create(event=event, recurrence_id=at(TUESDAY, 10), cancelled=True)
    fifteenth = TUESDAY + timedelta(days=7)
    PersonalEventOverride.objects.create(
        event=event,
        recurrence_id=at(fifteenth, 10),
        start=at(fifteenth, 14),
        end=at(fifteenth, 15),
    )
    clinic.online(at(TUESDAY, 10))
    clinic.online(at(fifteenth, 10))
    refused(OverPersonalEvent, clinic.online, at(fifteenth, 14))
    refused(OverPersonalEvent, clinic.online, at(fifteenth + timedelta(days=7), 10))


# --- overbooking ----------------------------------------------------------------------------


def test_staff_can_overbook_explicitly_and_it_is_recorded(clinic: Clinic) -> None:
    first = clinic.online(at(TUESDAY, 9)).appointment
    refused(SlotTaken, clinic.by_staff, at(TUESDAY, 9))
    result = clinic.by_staff(at(TUESDAY, 9), allow_overlap=True)
    assert result.appointment.allow_overlap is True
    assert [w.code for w in result.warnings] == ["overbooked"]
    audit = AuditEntry.objects.get(subject=str(result.appointment.public_id))
    assert audit.actor == clinic.staff
    assert audit.detail["allow_overlap"] is True
    assert audit.detail["overlaps"] == [first.pk]
    # The overbooked time stays taken for everyone else.
    refused(SlotTaken, clinic.online, at(TUESDAY, 9))
    refused(SlotTaken, clinic.by_staff, at(TUESDAY, 9, 15))


def test_online_bookings_can_never_overbook(clinic: Clinic) -> None:
    clinic.online(at(TUESDAY, 9))
    refused(SlotTaken, clinic.online, at(TUESDAY, 9), allow_overlap=True)


# --- bad input ------------------------------------------------------------------------------


def test_times_in_the_past_are_refused(clinic: Clinic) -> None:
    yesterday = NOW.date() - timedelta(days=1)
    error = refused(InThePast, clinic.online, at(yesterday, 10))
    assert str(error) == "This time has already passed."
    refused(InThePast, clinic.by_staff, at(yesterday, 10))
    # Inbound calendar sync mirrors what already happened.
    book(
        clinic.practice,
        appointment_type=clinic.kind,
        patient=clinic.patient,
        practitioner=clinic.doctor,
        start=at(yesterday, 10),
        channel=Channel.EXTERNAL,
        now=NOW,
    )


def test_inverted_and_overlong_ranges_are_refused(clinic: Clinic) -> None:
    error = refused(InvalidRange, clinic.by_staff, at(TUESDAY, 10), end=at(TUESDAY, 9))
    assert str(error) == "The end must be after the start."
    refused(InvalidRange, clinic.by_staff, at(TUESDAY, 10), end=at(TUESDAY, 10))
    error = refused(
        InvalidRange, clinic.by_staff, at(TUESDAY, 10), end=at(TUESDAY, 10) + timedelta(days=367)
    )
    assert error.kind == "too_long"
    assert refused(InvalidRange, clinic.by_staff, datetime(2030, 1, 8, 10)).kind == "naive"
    assert (
        refused(InvalidRange, clinic.online, at(TUESDAY, 10), end=at(TUESDAY, 11)).kind
        == "duration"
    )


def test_another_practices_objects_are_refused(clinic: Clinic) -> None:
    other = make_clinic()
    cases = {
        "appointment_type": {"appointment_type": other.kind},
        "practitioner": {"practitioner": other.doctor},
        "center": {"center": other.center},
        "patient": {"patient": other.patient},
    }
    for field, swap in cases.items():
        error = refused(WrongPractice, clinic.by_staff, at(TUESDAY, 10), **swap)
        assert error.field == field
        # The same answer for its id, and for an id that exists nowhere.
        key = next(iter(swap))
        error = refused(WrongPractice, clinic.by_staff, at(TUESDAY, 10), **{key: swap[key].pk})
        assert error.field == field
        refused(WrongPractice, clinic.by_staff, at(TUESDAY, 10), **{key: 999_999})
    assert str(refused(WrongPractice, clinic.online, at(TUESDAY, 10), practitioner="x")) == (
        "This practitioner does not exist in this practice."
    )
    theirs = other.by_staff(at(TUESDAY, 10)).appointment
    refused(WrongPractice, cancel, clinic.practice, theirs)
    refused(WrongPractice, reschedule, clinic.practice, theirs.pk, start=at(TUESDAY, 11), now=NOW)
    assert Appointment.objects.get(pk=theirs.pk).status == AppointmentStatus.CONFIRMED


def test_type_must_be_offered_and_online_bookable(clinic: Clinic) -> None:
    other_doctor = factories.practitioner(clinic.practice)
    factories.weekly_hours(other_doctor, clinic.center)
    error = refused(NotOffered, clinic.by_staff, at(TUESDAY, 10), practitioner=other_doctor)
    assert str(error) == "This practitioner does not offer this type of appointment."
    clinic.kind.online_booking = False
    clinic.kind.save()
    error = refused(NotOnlineBookable, clinic.online, at(TUESDAY, 10))
    assert str(error) == "This type of appointment cannot be booked online."
    clinic.by_staff(at(TUESDAY, 10))


def test_a_center_is_required_when_the_practice_has_several(clinic: Clinic) -> None:
    factories.center(clinic.practice)
    refused(MissingCenter, clinic.by_staff, at(TUESDAY, 19))
    # Inside opening hours the slot's center is used.
    assert clinic.by_staff(at(TUESDAY, 9)).appointment.center == clinic.center


# --- any practitioner -----------------------------------------------------------------------


def test_any_practitioner_picks_the_least_booked_that_day(clinic: Clinic) -> None:
    second = factories.practitioner(clinic.practice)
    factories.weekly_hours(second, clinic.center)
    clinic.kind.practitioners.add(second)

    def anyone(start: datetime) -> Practitioner:
        return clinic.online(start, practitioner=None).appointment.practitioner

    # Tie: lowest id first, then the other one, who now has fewer minutes, and so on.
    assert anyone(at(TUESDAY, 9)) == clinic.doctor
    assert anyone(at(TUESDAY, 9)) == second
    assert anyone(at(TUESDAY, 10)) == clinic.doctor
    # Only the second is free at 10:00 now.
    assert anyone(at(TUESDAY, 10)) == second
    refused(SlotTaken, anyone, at(TUESDAY, 10))
    refused(OutsideAvailability, anyone, at(TUESDAY, 13))
    # Another day's bookings do not count.
    assert anyone(at(TUESDAY + timedelta(days=1), 9)) == clinic.doctor


# --- reschedule, cancel, status --------------------------------------------------------------


def test_reschedule_moves_keeps_the_public_id_and_frees_the_old_slot(clinic: Clinic) -> None:
    appointment = clinic.online(at(TUESDAY, 9)).appointment
    public_id = appointment.public_id
    result = reschedule(
        clinic.practice, appointment, start=at(TUESDAY, 10), channel=Channel.ONLINE, now=NOW
    )
    moved = Appointment.objects.get(pk=appointment.pk)
    assert (moved.start, moved.end, moved.sequence) == (at(TUESDAY, 10), at(TUESDAY, 10, 30), 1)
    assert moved.public_id == public_id
    assert result.event is not None and result.event.kind == "rescheduled"
    assert result.event.detail["before"]["start"] == at(TUESDAY, 9).astimezone(UTC).isoformat()
    # The old time is free again, and moving onto itself (partly) is no conflict.
    clinic.online(at(TUESDAY, 9))
    reschedule(clinic.practice, appointment.pk, start=at(TUESDAY, 10, 15), now=NOW)


def test_reschedule_onto_a_taken_slot_changes_nothing(clinic: Clinic) -> None:
    first = clinic.online(at(TUESDAY, 9)).appointment
    clinic.online(at(TUESDAY, 10))
    refused(SlotTaken, reschedule, clinic.practice, first, start=at(TUESDAY, 10), now=NOW)
    refused(
        OutsideAvailability,
        reschedule,
        clinic.practice,
        first,
        start=at(TUESDAY, 13),
        channel=Channel.ONLINE,
        now=NOW,
    )
    first.refresh_from_db()
    assert (first.start, first.sequence) == (at(TUESDAY, 9), 0)


def test_cancel_frees_the_slot_and_is_idempotent(clinic: Clinic) -> None:
    appointment = clinic.online(at(TUESDAY, 9)).appointment
    result = cancel(clinic.practice, appointment, channel=Channel.ONLINE, now=NOW)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.sequence) == (AppointmentStatus.CANCELLED, 1)
    assert result.event is not None and result.event.kind == "cancelled"
    again = cancel(clinic.practice, appointment, now=NOW)
    assert again.event is None
    assert OutboxEvent.objects.filter(kind="cancelled").count() == 1
    clinic.online(at(TUESDAY, 9))
    refused(
        AppointmentCancelled,
        reschedule,
        clinic.practice,
        appointment,
        start=at(TUESDAY, 11),
        now=NOW,
    )


def test_the_past_can_change_status_but_not_time(clinic: Clinic) -> None:
    past = book(
        clinic.practice,
        appointment_type=clinic.kind,
        patient=clinic.patient,
        practitioner=clinic.doctor,
        start=at(NOW.date() - timedelta(days=1), 9),
        channel=Channel.EXTERNAL,
        now=NOW,
    ).appointment
    refused(InThePast, cancel, clinic.practice, past, channel=Channel.ONLINE, now=NOW)
    refused(InThePast, reschedule, clinic.practice, past, start=at(NOW.date(), 7), now=NOW)
    # Its length can be corrected where it stands (the visit took 45 minutes), not online.
    longer = reschedule(
        clinic.practice, past, start=past.start, end=past.start + timedelta(minutes=45), now=NOW
    ).appointment
    assert longer.end - longer.start == timedelta(minutes=45)
    refused(
        InThePast,
        reschedule,
        clinic.practice,
        past,
        start=past.start,
        channel=Channel.ONLINE,
        now=NOW,
    )
    set_status(clinic.practice, past, AppointmentStatus.NO_SHOW, actor=clinic.staff)
    past.refresh_from_db()
    assert (past.status, past.sequence) == (AppointmentStatus.NO_SHOW, 2)
    cancel(clinic.practice, past, actor=clinic.staff, now=NOW)
    refused(AppointmentCancelled, set_status, clinic.practice, past, AppointmentStatus.DONE)


# --- available slots ------------------------------------------------------------------------


def test_available_slots_show_who_is_free(clinic: Clinic) -> None:
    second = factories.practitioner(clinic.practice)
    factories.weekly_hours(second, clinic.center, ranges=((time(9), time(10)),))
    clinic.kind.practitioners.add(second)
    clinic.online(at(TUESDAY, 9))

    slots = available_slots(
        clinic.practice, clinic.kind, None, None, TUESDAY, TUESDAY, NOW.astimezone(UTC)
    )
    by_start = {slot.start: who for slot, who in slots}
    assert by_start[at(TUESDAY, 9)] == (second.pk,)
    assert by_start[at(TUESDAY, 9, 30)] == (clinic.doctor.pk, second.pk)
    assert by_start[at(TUESDAY, 11, 30)] == (clinic.doctor.pk,)
    assert at(TUESDAY, 11, 45) not in by_start
    # 09:00-11:30 and 14:00-17:30 every 15 minutes; the second practitioner covers 09:00-09:30.
    assert len(slots) == 11 + 15

    mine = available_slots(clinic.practice, clinic.kind, clinic.doctor, None, TUESDAY, TUESDAY, NOW)
    assert all(who == (clinic.doctor.pk,) for _, who in mine)
    # Every offered slot can really be booked online.
    slot = mine[0][0]
    assert clinic.online(slot.start).appointment.start == slot.start


def test_available_slots_respect_notice_and_bad_ranges(clinic: Clinic) -> None:
    today = available_slots(
        clinic.practice, clinic.kind, clinic.doctor, None, NOW.date(), NOW.date(), NOW
    )
    assert today[0][0].start == at(NOW.date(), 10)
    with pytest.raises(InvalidRange):
        available_slots(clinic.practice, clinic.kind, None, None, TUESDAY, NOW.date(), NOW)
    with pytest.raises(InvalidRange):
        available_slots(
            clinic.practice, clinic.kind, None, None, TUESDAY, TUESDAY + timedelta(days=400), NOW
        )
    other = make_clinic()
    with pytest.raises(WrongPractice):
        available_slots(clinic.practice, clinic.kind, other.doctor, None, TUESDAY, TUESDAY, NOW)
