"""The one door through which appointments are created, moved, cancelled and marked.

Staff pages, the booking site, the API and inbound calendar sync all call `book`, `reschedule`,
`cancel` or `set_status`; nothing else writes `Appointment` rows (tests/scheduling/test_doors.py
fails on any other writer). Each service checks its inputs (`inputs`), takes the practitioner lock
(`locking`), applies the channel's rules (`rules`), then writes the appointment, an outbox event
with its deliveries (`outbox`) and an audit entry in one transaction; the deliveries are enqueued
after the commit. A refusal is a `carnet.scheduling.errors.BookingError` and leaves nothing written.

No double booking, ever: two occupying appointments (any status but cancelled) of one practitioner
never overlap ([start, end) intervals: touching is fine), unless staff flagged one of them
`allow_overlap` on purpose. `locking` says how that holds under concurrency, on PostgreSQL and on
SQLite.

Channels: `STAFF` may place an appointment anywhere (outside opening hours, the horizon or the
notice) except over another appointment, unless it overbooks explicitly; it gets warnings instead
of refusals for personal events, buffers and opening hours. `ONLINE` gets only what the slot
engine offers (`carnet.scheduling.availability`), never overbooks, and is told why when refused.
`EXTERNAL` (inbound calendar sync) follows the staff rules without the warnings' audience, and may
carry times in the past, since it mirrors what already happened in the practitioner's calendar;
it names the calendar `connection` the change came from, which is never sent the change back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from carnet.patients.models import Patient
from carnet.practices.models import AuditEntry, Center, Practice
from carnet.scheduling import outbox
from carnet.scheduling.errors import (
    AppointmentCancelled,
    InThePast,
    InvalidRange,
    MissingCenter,
    NotOffered,
    NotOnlineBookable,
    WrongPractice,
)
from carnet.scheduling.inputs import (
    NOTES_MAX_LENGTH,
    as_id,
    checked_choice,
    checked_range,
    checked_text,
    resolve_id,
    resolve_type,
    user,
)
from carnet.scheduling.locking import (
    lock_practitioner,
    practice_door,
    raise_if_overlap,
    write_transaction,
)
from carnet.scheduling.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    AppointmentType,
    Change,
    OutboxEvent,
    Practitioner,
)
from carnet.scheduling.rules import WARNINGS, BookingWarning, Verdict, check, pick_any

__all__ = [
    "WARNINGS",
    "BookingResult",
    "BookingWarning",
    "Channel",
    "amend",
    "book",
    "cancel",
    "reschedule",
    "set_status",
]

# Who is asking: the same values as the appointment's `source` and the outbox event's `origin`.
Channel = AppointmentSource

TARGET_CALENDAR_MAX_LENGTH = 255
CONNECTION_MAX_LENGTH = 64
REASON_MAX_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class BookingResult:
    """What a service did: the appointment as saved, warnings for staff, the outbox event (None
    when nothing changed, e.g. cancelling twice)."""

    appointment: Appointment
    warnings: tuple[BookingWarning, ...] = ()
    event: OutboxEvent | None = None


# --- the services ---------------------------------------------------------------------------


@practice_door
def book(
    practice: Practice,
    *,
    appointment_type: AppointmentType | int,
    patient: Patient | int,
    start: datetime,
    practitioner: Practitioner | int | None = None,
    center: Center | int | None = None,
    end: datetime | None = None,
    channel: str = Channel.STAFF,
    connection: str | None = None,
    actor: Any = None,
    allow_overlap: bool = False,
    notes: str = "",
    sms_reminder: bool | None = None,
    sync_external: bool | None = None,
    target_calendar: str | None = None,
    now: datetime | None = None,
) -> BookingResult:
    """Book an appointment for `patient` in `practice`; the only way one is created.

    `practitioner=None` means "any practitioner": among the active practitioners offering the type
    who are free for that exact slot (as the slot engine says), the one with the fewest booked
    minutes that local day is chosen, ties to the lowest id. `end` defaults to start plus the
    type's duration; online bookings cannot change it. `center` defaults to the one the slot is
    offered at, or the practice's only center.

    Online: the start must be one of the free slots (schedule, time off, extra hours, notice,
    horizon, grid, buffers, other appointments, personal events), else `OutsideAvailability`
    (with the reason), `OverPersonalEvent` or `SlotTaken`; the type must be bookable online.
    Staff: anywhere but in the past or over another appointment; `allow_overlap=True` overbooks on
    purpose, which is stored on the appointment and audited. Ids and instances of another practice
    raise `WrongPractice`; times that do not exist or are out of range `InvalidRange`; an unknown
    channel, unstorable or too long notes `InvalidValue`. Returns a `BookingResult`; raises a
    `BookingError` with nothing saved.
    """
    now = now or timezone.now()
    channel, connection = _checked_channel(channel, connection)
    online = channel == Channel.ONLINE
    if online:
        allow_overlap = False
    notes = checked_text(notes, "notes", NOTES_MAX_LENGTH)
    if target_calendar is not None:
        target_calendar = checked_text(
            target_calendar, "target_calendar", TARGET_CALENDAR_MAX_LENGTH
        )
    kind = resolve_type(practice, appointment_type)
    if online and not (kind.online_booking and kind.is_active):
        raise NotOnlineBookable()
    duration = timedelta(minutes=kind.duration_minutes)
    start, end = checked_range(start, end, duration)
    if online and end - start != duration:
        raise InvalidRange("duration")
    if start < now and channel != Channel.EXTERNAL:
        raise InThePast()
    patient_id = resolve_id(Patient, practice, patient, "patient")
    center_id = resolve_id(Center, practice, center, "center") if center is not None else None
    practitioner_id = (
        resolve_id(Practitioner, practice, practitioner, "practitioner")
        if practitioner is not None
        else None
    )

    try:
        with write_transaction():
            if practitioner_id is None:
                chosen, verdict = pick_any(
                    practice, kind, start, end, center_id, online=online, now=now
                )
            else:
                chosen = lock_practitioner(practice, practitioner_id, kind)
                if not chosen.offers or (online and not chosen.is_active):
                    raise NotOffered()
                verdict = check(
                    practice,
                    kind,
                    chosen,
                    start,
                    end,
                    center_id,
                    online=online,
                    allow_overlap=allow_overlap,
                    now=now,
                )
            center_id = center_id or verdict.center_id or _only_center(practice)
            appointment = Appointment.objects.create(
                practice=practice,
                center_id=center_id,
                practitioner_id=chosen.pk,
                patient_id=patient_id,
                appointment_type=kind,
                start=start,
                end=end,
                status=AppointmentStatus.CONFIRMED,
                source=channel,
                sms_reminder=kind.sms_reminder if sms_reminder is None else sms_reminder,
                sync_external=chosen.sync_by_default if sync_external is None else sync_external,
                target_calendar=(
                    chosen.default_calendar if target_calendar is None else target_calendar
                ),
                allow_overlap=allow_overlap,
                notes=notes,
                created_by=user(actor),
            )
            event = _record(
                appointment,
                Change.BOOKED,
                actor,
                channel,
                connection,
                {"overlaps": list(verdict.overlapped)} if verdict.overlapped else {},
            )
    except IntegrityError as exc:
        raise_if_overlap(exc)
        raise
    return BookingResult(appointment, verdict.warnings, event)


@practice_door
def reschedule(
    practice: Practice,
    appointment: Appointment | int,
    *,
    start: datetime,
    end: datetime | None = None,
    practitioner: Practitioner | int | None = None,
    center: Center | int | None = None,
    appointment_type: AppointmentType | int | None = None,
    channel: str = Channel.STAFF,
    connection: str | None = None,
    actor: Any = None,
    allow_overlap: bool = False,
    now: datetime | None = None,
) -> BookingResult:
    """Move an appointment to a new time (and optionally practitioner, center or type).

    The same rules as `book` apply to the new time, the appointment itself not counting as busy.
    A new `appointment_type` is checked like a booking's (offered by the practitioner, its
    buffers), since what the time may hold depends on it. `end` defaults to the new start plus
    the current length, or the new type's duration when the type changes (online: the type's
    duration). The
    public id stays, so calendars and links keep pointing at it; `sequence` goes up. Overbooking
    must be asked for again (`allow_overlap`) at the new place. Online, an appointment that has
    already started cannot be moved. A cancelled appointment raises `AppointmentCancelled`.
    """
    now = now or timezone.now()
    channel, connection = _checked_channel(channel, connection)
    online = channel == Channel.ONLINE
    if online:
        allow_overlap = False
    current = _fetch_appointment(practice, appointment, lock=False)
    retyped = appointment_type is not None
    kind = (
        current.appointment_type
        if appointment_type is None
        else resolve_type(practice, appointment_type)
    )
    if online and not (kind.online_booking and kind.is_active):
        raise NotOnlineBookable()
    duration = timedelta(minutes=kind.duration_minutes)
    keep = duration if online or retyped else current.end - current.start
    start, end = checked_range(start, end, keep)
    if online and end - start != duration:
        raise InvalidRange("duration")
    # Staff may correct a past appointment's length or type where it stands (this morning's
    # visit took 45 minutes, not 30); moving anything into the past stays refused.
    correcting = not online and start == current.start
    if start < now and channel != Channel.EXTERNAL and not correcting:
        raise InThePast()
    if online and current.start < now:
        raise InThePast()
    practitioner_id = (
        resolve_id(Practitioner, practice, practitioner, "practitioner")
        if practitioner is not None
        else current.practitioner_id
    )
    center_id = resolve_id(Center, practice, center, "center") if center is not None else None

    try:
        with write_transaction():
            chosen = lock_practitioner(practice, practitioner_id, kind)
            if not chosen.offers or (online and not chosen.is_active):
                raise NotOffered()
            # Locked after the practitioner, always in that order (see `cancel`): no deadlock.
            current = _fetch_appointment(practice, current.pk, lock=True)
            if current.status == AppointmentStatus.CANCELLED:
                raise AppointmentCancelled()
            verdict: Verdict = check(
                practice,
                kind,
                chosen,
                start,
                end,
                center_id,
                online=online,
                allow_overlap=allow_overlap,
                now=now,
                exclude_appointment_id=current.pk,
            )
            before = _times(current)
            if current.appointment_type_id != kind.pk:
                before["appointment_type"] = current.appointment_type_id
            current.start, current.end = start, end
            current.practitioner_id = chosen.pk
            current.center_id = center_id or verdict.center_id or current.center_id
            current.appointment_type = kind
            current.allow_overlap = allow_overlap
            current.sequence += 1
            current.save(
                update_fields=[
                    "start",
                    "end",
                    "practitioner",
                    "center",
                    "appointment_type",
                    "allow_overlap",
                    "sequence",
                    "updated_at",
                ]
            )
            detail: dict[str, Any] = {"before": before}
            if verdict.overlapped:
                detail["overlaps"] = list(verdict.overlapped)
            event = _record(current, Change.RESCHEDULED, actor, channel, connection, detail)
    except IntegrityError as exc:
        raise_if_overlap(exc)
        raise
    return BookingResult(current, verdict.warnings, event)


@practice_door
def cancel(
    practice: Practice,
    appointment: Appointment | int,
    *,
    channel: str = Channel.STAFF,
    connection: str | None = None,
    actor: Any = None,
    reason: str = "",
    now: datetime | None = None,
) -> BookingResult:
    """Cancel an appointment: its time becomes free at once; the row stays, for history.

    Staff may cancel past appointments (a status change); online, a patient can only cancel one
    that has not started. Cancelling a cancelled appointment changes nothing and returns no event,
    so a retried request or a repeated sync message is harmless.
    """
    now = now or timezone.now()
    channel, connection = _checked_channel(channel, connection)
    reason = checked_text(reason, "reason", REASON_MAX_LENGTH)
    with write_transaction():
        current = _fetch_appointment(practice, appointment, lock=True)
        if current.status == AppointmentStatus.CANCELLED:
            return BookingResult(current)
        if channel == Channel.ONLINE and current.start < now:
            raise InThePast()
        before = current.status
        current.status = AppointmentStatus.CANCELLED
        current.sequence += 1
        current.save(update_fields=["status", "sequence", "updated_at"])
        detail: dict[str, Any] = {"before": before}
        if reason:
            detail["reason"] = reason
        event = _record(current, Change.CANCELLED, actor, channel, connection, detail)
    return BookingResult(current, (), event)


@practice_door
def amend(
    practice: Practice,
    appointment: Appointment | int,
    *,
    sms_reminder: bool | None = None,
    sync_external: bool | None = None,
    target_calendar: str | None = None,
    notes: str | None = None,
    channel: str = Channel.STAFF,
    connection: str | None = None,
    actor: Any = None,
) -> BookingResult:
    """Change what an appointment carries besides its time: the SMS reminder, calendar sync and
    its target calendar, the private notes. `None` leaves a value as it is.

    The time does not move, so no overlap can appear and the patient is not told (the outbox
    event is a `Change.CHANGED`, which the patient emails ignore); calendar sync hears of it, since
    whether and where the appointment is synced may have changed. Changing nothing writes nothing
    and returns no event. A cancelled appointment raises `AppointmentCancelled`.
    """
    channel, connection = _checked_channel(channel, connection)
    wanted: dict[str, Any] = {}
    if sms_reminder is not None:
        wanted["sms_reminder"] = bool(sms_reminder)
    if sync_external is not None:
        wanted["sync_external"] = bool(sync_external)
    if target_calendar is not None:
        wanted["target_calendar"] = checked_text(
            target_calendar, "target_calendar", TARGET_CALENDAR_MAX_LENGTH
        )
    if notes is not None:
        wanted["notes"] = checked_text(notes, "notes", NOTES_MAX_LENGTH)
    with write_transaction():
        current = _fetch_appointment(practice, appointment, lock=True)
        if current.status == AppointmentStatus.CANCELLED:
            raise AppointmentCancelled()
        changed = {name: value for name, value in wanted.items() if getattr(current, name) != value}
        if not changed:
            return BookingResult(current)
        # The notes are private: the audit says that they changed, never what they say.
        before = {name: getattr(current, name) for name in changed if name != "notes"}
        for name, value in changed.items():
            setattr(current, name, value)
        current.save(update_fields=[*changed, "updated_at"])
        detail: dict[str, Any] = {"changed": sorted(changed), "before": before}
        event = _record(current, Change.CHANGED, actor, channel, connection, detail)
    return BookingResult(current, (), event)


@practice_door
def set_status(
    practice: Practice,
    appointment: Appointment | int,
    status: str,
    *,
    actor: Any = None,
    channel: str = Channel.STAFF,
    connection: str | None = None,
) -> BookingResult:
    """Mark an appointment confirmed, done or a no-show (staff); the past is fine here.

    Its time does not change, so no overlap can appear. Use `cancel` to cancel; a cancelled
    appointment cannot come back (book it again instead), which raises `AppointmentCancelled`.
    An unknown status raises `InvalidValue`.
    """
    channel, connection = _checked_channel(channel, connection)
    if status == AppointmentStatus.CANCELLED:
        return cancel(practice, appointment, channel=channel, connection=connection, actor=actor)
    status = checked_choice(status, "status", AppointmentStatus.values)
    with write_transaction():
        current = _fetch_appointment(practice, appointment, lock=True)
        if current.status == AppointmentStatus.CANCELLED:
            raise AppointmentCancelled()
        if current.status == status:
            return BookingResult(current)
        before = current.status
        current.status = status
        current.sequence += 1
        current.save(update_fields=["status", "sequence", "updated_at"])
        event = _record(current, Change.STATUS, actor, channel, connection, {"before": before})
    return BookingResult(current, (), event)


# --- helpers --------------------------------------------------------------------------------


def _checked_channel(channel: Any, connection: Any) -> tuple[str, str | None]:
    """The channel, and the calendar connection a change from calendar sync came through."""
    channel = checked_choice(channel, "channel", Channel.values)
    if channel != Channel.EXTERNAL or connection is None:
        return channel, None
    return channel, checked_text(str(connection), "connection", CONNECTION_MAX_LENGTH)


def _fetch_appointment(practice: Practice, value: Appointment | int, *, lock: bool) -> Appointment:
    pk = value.pk if isinstance(value, Appointment) else as_id(value)
    if pk is None:
        raise WrongPractice("appointment")
    queryset = Appointment.objects.select_related("appointment_type")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(practice_id=practice.pk, pk=pk).first()
    if found is None:
        raise WrongPractice("appointment")
    return found


def _only_center(practice: Practice) -> int:
    centers = list(Center.objects.filter(practice_id=practice.pk).values_list("pk", flat=True)[:2])
    if len(centers) != 1:
        raise MissingCenter()
    return centers[0]


def _times(appointment: Appointment) -> dict[str, Any]:
    return {
        "start": appointment.start.isoformat(),
        "end": appointment.end.isoformat(),
        "practitioner": appointment.practitioner_id,
        "center": appointment.center_id,
    }


def _record(
    appointment: Appointment,
    change: str,
    actor: Any,
    channel: str,
    connection: str | None,
    detail: dict[str, Any],
) -> OutboxEvent:
    """Write the outbox event and its deliveries (and, for staff and calendar sync, the audit
    entry); the deliveries are enqueued after the commit, dropped if it rolls back."""
    event = outbox.record(appointment, change, origin=channel, connection=connection, detail=detail)
    if channel == Channel.ONLINE:
        # A patient's own booking: the outbox event is its record. The audit log is for what
        # members of staff and synced calendars do to the practice's data.
        return event
    AuditEntry.objects.create(
        practice_id=appointment.practice_id,
        actor=user(actor),
        action=f"appointment.{change}",
        subject=str(appointment.public_id),
        detail={
            **_times(appointment),
            "channel": channel,
            "status": appointment.status,
            "allow_overlap": appointment.allow_overlap,
            **({"connection": connection} if connection else {}),
            **detail,
        },
    )
    return event
