"""The one door through which appointments are created, moved, cancelled and marked.

Staff pages, the booking site, the API and inbound calendar sync all call `book`, `reschedule`,
`cancel` or `set_status`; nothing else writes `Appointment` rows. Each service validates, writes the
appointment, an outbox row (`AppointmentEvent`, read by notifications and calendar sync) and an
audit entry in one transaction, and enqueues `appointment_changed` to run after the commit. A
refusal is a `carnet.scheduling.errors.BookingError` and leaves nothing written.

No double booking, ever: two occupying appointments (any status but cancelled) of one practitioner
never overlap ([start, end) intervals: touching is fine), unless staff flagged one of them
`allow_overlap` on purpose. How that holds under concurrency:

- PostgreSQL: the practitioner's row is locked (SELECT ... FOR NO KEY UPDATE) before the check, so
  bookings of one practitioner queue up and the check sees every earlier commit; the exclusion
  constraint `appointment_no_overlap` (migration 0002) is the guarantee behind it, for any writer
  that would bypass this module, and its violation is reported as `SlotTaken` too.
- SQLite: settings open every transaction with BEGIN IMMEDIATE, which takes the database's write
  lock before the first read, so check-then-insert cannot interleave with another writer. When a
  service runs inside a caller's `atomic()` block, that outer block already took the lock at its
  BEGIN, which is just as good; code that turned autocommit off by hand would not be, and must not
  call these services.

Channels: `STAFF` may place an appointment anywhere (outside opening hours, the horizon or the
notice) except over another appointment, unless it overbooks explicitly; it gets warnings instead
of refusals for personal events, buffers and opening hours. `ONLINE` gets only what the slot
engine offers (`carnet.scheduling.availability`), never overbooks, and is told why when refused.
`EXTERNAL` (inbound calendar sync) follows the staff rules without the warnings' audience, and may
carry times in the past, since it mirrors what already happened in the practitioner's calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.jobs.dispatch import enqueue_after_commit
from carnet.patients.models import Patient
from carnet.practices.models import AuditEntry, Center, Practice
from carnet.scheduling.agenda import LONGEST_RANGE, PractitionerAgenda, load_agendas, slot_rules
from carnet.scheduling.availability import SlotRules, booking_window, free_slots, pick_practitioner
from carnet.scheduling.errors import (
    AppointmentCancelled,
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
    AppointmentChange,
    AppointmentEvent,
    AppointmentSource,
    AppointmentStatus,
    AppointmentType,
    Practitioner,
)
from carnet.scheduling.tasks import appointment_changed

__all__ = [
    "BookingResult",
    "BookingWarning",
    "Channel",
    "book",
    "cancel",
    "reschedule",
    "set_status",
]

# Who is asking: the same values as the appointment's `source`.
Channel = AppointmentSource

NO_OVERLAP_CONSTRAINT = "appointment_no_overlap"
_EXCLUSION_VIOLATION = "23P01"


@dataclass(frozen=True, slots=True)
class BookingWarning:
    """Something staff should know about an appointment they were allowed to place."""

    code: str
    message: str | Promise


@dataclass(frozen=True, slots=True)
class BookingResult:
    """What a service did: the appointment as saved, warnings for staff, the outbox row (None when
    nothing changed, e.g. cancelling twice)."""

    appointment: Appointment
    warnings: tuple[BookingWarning, ...] = ()
    event: AppointmentEvent | None = None


WARNINGS = {
    "over_personal_event": _("This appointment overlaps a personal event of the practitioner."),
    "outside_schedule": _("This appointment is outside the practitioner's opening hours."),
    "buffer": _("This appointment leaves less than the preparation or clean-up time required."),
    "overbooked": _("This appointment overlaps another one (overbooking)."),
}


# --- the services ---------------------------------------------------------------------------


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
    raise `WrongPractice`. Returns a `BookingResult`; raises a `BookingError` with nothing saved.
    """
    now = now or timezone.now()
    online = channel == Channel.ONLINE
    if online:
        allow_overlap = False
    kind = _resolve_type(practice, appointment_type)
    if online and not (kind.online_booking and kind.is_active):
        raise NotOnlineBookable()
    start, end = _checked_range(start, end, kind, online=online)
    if start < now and channel != Channel.EXTERNAL:
        raise InThePast()
    patient_id = _resolve_id(Patient, practice, patient, "patient")
    center_id = _resolve_id(Center, practice, center, "center") if center is not None else None
    practitioner_id = (
        _resolve_id(Practitioner, practice, practitioner, "practitioner")
        if practitioner is not None
        else None
    )

    try:
        with _write_transaction():
            if practitioner_id is None:
                chosen, slot_center, warnings, overlapped = _pick_any(
                    practice, kind, start, end, center_id, online=online, now=now
                )
            else:
                chosen = _lock_practitioner(practice, practitioner_id, kind, online=online)
                slot_center, warnings, overlapped = _check(
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
            center_id = center_id or slot_center or _only_center(practice)
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
                created_by=_user(actor),
            )
            event = _record(
                appointment,
                AppointmentChange.BOOKED,
                actor,
                channel,
                {"overlaps": overlapped} if overlapped else {},
            )
    except IntegrityError as exc:
        _raise_if_overlap(exc)
        raise
    return BookingResult(appointment, warnings, event)


def reschedule(
    practice: Practice,
    appointment: Appointment | int,
    *,
    start: datetime,
    end: datetime | None = None,
    practitioner: Practitioner | int | None = None,
    center: Center | int | None = None,
    channel: str = Channel.STAFF,
    actor: Any = None,
    allow_overlap: bool = False,
    now: datetime | None = None,
) -> BookingResult:
    """Move an appointment to a new time (and optionally practitioner or center).

    The same rules as `book` apply to the new time, the appointment itself not counting as busy.
    `end` defaults to the new start plus the current length (online: the type's duration). The
    public id stays, so calendars and links keep pointing at it; `sequence` goes up. Overbooking
    must be asked for again (`allow_overlap`) at the new place. Online, an appointment that has
    already started cannot be moved. A cancelled appointment raises `AppointmentCancelled`.
    """
    now = now or timezone.now()
    online = channel == Channel.ONLINE
    if online:
        allow_overlap = False
    current = _fetch_appointment(practice, appointment, lock=False)
    kind = current.appointment_type
    if online and not (kind.online_booking and kind.is_active):
        raise NotOnlineBookable()
    if end is None and not online:
        end = start + (current.end - current.start) if _aware(start) else None
    start, end = _checked_range(start, end, kind, online=online)
    if start < now and channel != Channel.EXTERNAL:
        raise InThePast()
    if online and current.start < now:
        raise InThePast()
    practitioner_id = (
        _resolve_id(Practitioner, practice, practitioner, "practitioner")
        if practitioner is not None
        else current.practitioner_id
    )
    center_id = _resolve_id(Center, practice, center, "center") if center is not None else None

    try:
        with _write_transaction():
            chosen = _lock_practitioner(practice, practitioner_id, kind, online=online)
            # Locked after the practitioner, always in that order (see `cancel`): no deadlock.
            current = _fetch_appointment(practice, current.pk, lock=True)
            if current.status == AppointmentStatus.CANCELLED:
                raise AppointmentCancelled()
            slot_center, warnings, overlapped = _check(
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
            current.start, current.end = start, end
            current.practitioner_id = chosen.pk
            current.center_id = center_id or slot_center or current.center_id
            current.allow_overlap = allow_overlap
            current.sequence += 1
            current.save(
                update_fields=[
                    "start",
                    "end",
                    "practitioner",
                    "center",
                    "allow_overlap",
                    "sequence",
                    "updated_at",
                ]
            )
            detail: dict[str, Any] = {"before": before}
            if overlapped:
                detail["overlaps"] = overlapped
            event = _record(current, AppointmentChange.RESCHEDULED, actor, channel, detail)
    except IntegrityError as exc:
        _raise_if_overlap(exc)
        raise
    return BookingResult(current, warnings, event)


def cancel(
    practice: Practice,
    appointment: Appointment | int,
    *,
    channel: str = Channel.STAFF,
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
    with _write_transaction():
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
        event = _record(current, AppointmentChange.CANCELLED, actor, channel, detail)
    return BookingResult(current, (), event)


def set_status(
    practice: Practice,
    appointment: Appointment | int,
    status: str,
    *,
    actor: Any = None,
    channel: str = Channel.STAFF,
) -> BookingResult:
    """Mark an appointment confirmed, done or a no-show (staff); the past is fine here.

    Its time does not change, so no overlap can appear. Use `cancel` to cancel; a cancelled
    appointment cannot come back (book it again instead), which raises `AppointmentCancelled`.
    """
    if status == AppointmentStatus.CANCELLED:
        return cancel(practice, appointment, channel=channel, actor=actor)
    if status not in AppointmentStatus.values:
        raise ValueError(f"unknown status {status!r}")
    with _write_transaction():
        current = _fetch_appointment(practice, appointment, lock=True)
        if current.status == AppointmentStatus.CANCELLED:
            raise AppointmentCancelled()
        if current.status == status:
            return BookingResult(current)
        before = current.status
        current.status = status
        current.sequence += 1
        current.save(update_fields=["status", "sequence", "updated_at"])
        event = _record(current, AppointmentChange.STATUS, actor, channel, {"before": before})
    return BookingResult(current, (), event)


# --- transaction and locking ----------------------------------------------------------------


@contextmanager
def _write_transaction() -> Iterator[None]:
    """A transaction that already holds the right to write when the first check reads."""
    connection = transaction.get_connection()
    if connection.vendor == "sqlite":
        mode = connection.settings_dict.get("OPTIONS", {}).get("transaction_mode")
        if mode != "IMMEDIATE":
            raise ImproperlyConfigured(
                "Bookings on SQLite need OPTIONS['transaction_mode'] = 'IMMEDIATE' so that the "
                "overlap check and the insert cannot interleave with another writer."
            )
    with transaction.atomic():
        yield


def _raise_if_overlap(exc: IntegrityError) -> None:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if getattr(cause, "sqlstate", None) == _EXCLUSION_VIOLATION or (
        diag is not None and getattr(diag, "constraint_name", None) == NO_OVERLAP_CONSTRAINT
    ):
        raise SlotTaken() from exc


@dataclass(frozen=True, slots=True)
class _Locked:
    """The practitioner columns a booking needs, read under the lock."""

    pk: int
    min_notice_minutes: int
    booking_horizon_days: int
    is_active: bool
    sync_by_default: bool
    default_calendar: str
    offers: bool


_LOCK_SQL = (
    "SELECT p.id, p.min_notice_minutes, p.booking_horizon_days, p.is_active, "
    "p.sync_by_default, p.default_calendar, "
    "EXISTS (SELECT 1 FROM {offered} o WHERE o.practitioner_id = p.id "
    "AND o.appointmenttype_id = %s) "
    "FROM {practitioner} p WHERE p.practice_id = %s AND {which}{lock}"
)


def _locked(practice: Practice, kind: AppointmentType, which: str, *params: Any) -> list[_Locked]:
    """Read and lock practitioner rows; bookings of one practitioner then run one at a time.

    FOR NO KEY UPDATE conflicts with itself but not with the key-share locks that foreign-key
    checks take, so rows of other tables that refer to the practitioner are not held up. Rows are
    locked in id order, so two "any practitioner" bookings cannot deadlock. SQLite has no row
    locks and needs none: its write lock is already held. Plain SQL: this runs for every booking.
    """
    connection = transaction.get_connection()
    lock = " ORDER BY p.id FOR NO KEY UPDATE OF p" if connection.vendor == "postgresql" else ""
    sql = _LOCK_SQL.replace("{which}", which).format(
        offered=AppointmentType.practitioners.through._meta.db_table,
        practitioner=Practitioner._meta.db_table,
        lock=lock,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind.pk, practice.pk, *params])
        rows = cursor.fetchall()
    return sorted(
        (
            _Locked(pk, notice, horizon, bool(active), bool(sync), calendar, bool(offers))
            for pk, notice, horizon, active, sync, calendar, offers in rows
        ),
        key=lambda row: row.pk,
    )


def _lock_practitioner(
    practice: Practice, practitioner_id: int, kind: AppointmentType, *, online: bool
) -> _Locked:
    """The practitioner, locked; refuses one that does not offer the type (or inactive, online)."""
    found = _locked(practice, kind, "p.id = %s", practitioner_id)
    if not found:
        raise WrongPractice("practitioner")
    if not found[0].offers or (online and not found[0].is_active):
        raise NotOffered()
    return found[0]


def _pick_any(
    practice: Practice,
    kind: AppointmentType,
    start: datetime,
    end: datetime,
    center_id: int | None,
    *,
    online: bool,
    now: datetime,
) -> tuple[_Locked, int | None, tuple[BookingWarning, ...], list[int]]:
    """Lock every candidate, keep those free for this exact slot, choose the least busy."""
    candidates = [
        row
        for row in _locked(
            practice,
            kind,
            "p.is_active AND EXISTS (SELECT 1 FROM {offered} o2 "
            "WHERE o2.practitioner_id = p.id AND o2.appointmenttype_id = %s)",
            kind.pk,
        )
        if row.offers
    ]
    if not candidates:
        raise NotOffered()
    rules = slot_rules(kind, practice)
    agendas = load_agendas(kind, [p.pk for p in candidates], (start, end))
    free: dict[int, tuple[_Locked, int | None]] = {}
    refusals: list[Exception] = []
    for candidate in candidates:
        try:
            found = _online_slot(
                practice, rules, candidate, agendas[candidate.pk], start, center_id, online, now
            )
        except (OutsideAvailability, OverPersonalEvent, SlotTaken) as refusal:
            refusals.append(refusal)
            continue
        free[candidate.pk] = (candidate, found)
    if not free:
        # The most useful reason: someone could have had it, else why nobody could.
        for wanted in (SlotTaken, OverPersonalEvent, OutsideAvailability):
            for reason in refusals:
                if isinstance(reason, wanted):
                    raise reason
    chosen_id = pick_practitioner(list(free), _booked_minutes(practice, list(free), start))
    chosen, slot_center = free[chosen_id]
    return chosen, slot_center, (), []


def _booked_minutes(practice: Practice, practitioner_ids: list[int], moment: datetime) -> dict:
    """Minutes of occupying appointments per practitioner on `moment`'s local day."""
    zone = practice.zone
    day = moment.astimezone(zone).date()
    day_start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    minutes: dict[int, int] = defaultdict(int)
    for pid, start, end in (
        Appointment.objects.filter(
            practitioner_id__in=practitioner_ids, start__lt=day_end, end__gt=day_start
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .values_list("practitioner_id", "start", "end")
        .order_by()
    ):
        minutes[pid] += int((min(end, day_end) - max(start, day_start)).total_seconds() // 60)
    return minutes


# --- the rules ------------------------------------------------------------------------------


def _check(
    practice: Practice,
    kind: AppointmentType,
    practitioner: _Locked,
    start: datetime,
    end: datetime,
    center_id: int | None,
    *,
    online: bool,
    allow_overlap: bool,
    now: datetime,
    exclude_appointment_id: int | None = None,
) -> tuple[int | None, tuple[BookingWarning, ...], list[int]]:
    """Apply the channel's rules to one practitioner and time, under the write lock.

    Returns the center of the matching slot (if any), warnings for staff, and the ids of the
    appointments an explicit overbooking lies over.
    """
    agenda = load_agendas(
        kind, [practitioner.pk], (start, end), exclude_appointment_id=exclude_appointment_id
    )[practitioner.pk]
    rules = slot_rules(kind, practice)
    if online:
        slot_center = _online_slot(
            practice, rules, practitioner, agenda, start, center_id, True, now
        )
        return slot_center, (), []

    overlapped = [
        pk
        for pk, busy_start, busy_end in agenda.appointments
        if _overlaps((busy_start, busy_end), start, end)
    ]
    if overlapped and not allow_overlap:
        raise SlotTaken()
    warnings: list[BookingWarning] = []
    if overlapped:
        warnings.append(BookingWarning("overbooked", WARNINGS["overbooked"]))
    if any(_overlaps(interval, start, end) for interval in agenda.personal):
        warnings.append(BookingWarning("over_personal_event", WARNINGS["over_personal_event"]))
    padded = (start - rules.buffer_before, end + rules.buffer_after)
    if not overlapped and any(_overlaps(interval, *padded) for interval in agenda.padded):
        warnings.append(BookingWarning("buffer", WARNINGS["buffer"]))
    # Opening hours, whatever the grid: is [start, end) inside one stretch of open time?
    exact = SlotRules(duration=end - start, grid=timedelta(microseconds=1))
    open_at = free_slots(
        agenda.schedule, exact, (start, end), (), agenda.time_off, agenda.extra, center_id
    )
    slot_center = open_at[0].center_id if open_at else None
    if not open_at:
        warnings.append(BookingWarning("outside_schedule", WARNINGS["outside_schedule"]))
    return slot_center, tuple(warnings), overlapped


def _online_slot(
    practice: Practice,
    rules: SlotRules,
    practitioner: _Locked,
    agenda: PractitionerAgenda,
    start: datetime,
    center_id: int | None,
    online: bool,
    now: datetime,
) -> int | None:
    """The center at which `start` is a free slot for this practitioner, or why it is not one.

    Asks the engine three times over a window of just this slot (so each call is tiny): without
    busy time (opening hours and grid), with personal events, then with appointments, so the
    refusal names the first rule that fails. Notice and horizon only apply online.
    """
    end = start + rules.duration
    if online:
        earliest, latest = booking_window(
            now,
            timedelta(minutes=practitioner.min_notice_minutes),
            practitioner.booking_horizon_days,
            practice.zone,
        )
        if start < earliest:
            raise OutsideAvailability("notice")
        if end > latest:
            raise OutsideAvailability("horizon")
    window = (start, end)

    def fits(busy: list[tuple[datetime, datetime]]) -> int | None:
        for slot in free_slots(
            agenda.schedule, rules, window, busy, agenda.time_off, agenda.extra, center_id
        ):
            if slot.start == start:
                return slot.center_id
        return None

    slot_center = fits([])
    if slot_center is None:
        raise OutsideAvailability("schedule")
    if agenda.personal and fits(agenda.personal) is None:
        raise OverPersonalEvent()
    if agenda.padded and fits(agenda.padded) is None:
        raise SlotTaken()
    return slot_center


def _overlaps(interval: tuple[datetime, datetime], start: datetime, end: datetime) -> bool:
    return interval[0] < end and start < interval[1]


# --- inputs ---------------------------------------------------------------------------------


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _checked_range(
    start: datetime, end: datetime | None, kind: AppointmentType, *, online: bool
) -> tuple[datetime, datetime]:
    duration = timedelta(minutes=kind.duration_minutes)
    if not _aware(start) or (end is not None and not _aware(end)):
        raise InvalidRange("naive")
    if end is None:
        end = start + duration
    if end <= start:
        raise InvalidRange("inverted")
    if end - start > LONGEST_RANGE:
        raise InvalidRange("too_long")
    if online and end - start != duration:
        raise InvalidRange("duration")
    return start.astimezone(UTC), end.astimezone(UTC)


def _resolve_type(practice: Practice, value: AppointmentType | int) -> AppointmentType:
    if isinstance(value, AppointmentType):
        if value.practice_id != practice.pk:
            raise WrongPractice("appointment_type")
        return value
    pk = _as_int(value)
    found = (
        AppointmentType.objects.filter(practice_id=practice.pk, pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise WrongPractice("appointment_type")
    return found


def _resolve_id(model: Any, practice: Practice, value: Any, field: str) -> int:
    """The id of a row of `practice`, given the row itself or its id."""
    if isinstance(value, model):
        if value.practice_id != practice.pk:
            raise WrongPractice(field)
        return int(value.pk)
    pk = _as_int(value)
    if pk is None or not model.objects.filter(practice_id=practice.pk, pk=pk).exists():
        raise WrongPractice(field)
    return pk


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fetch_appointment(practice: Practice, value: Appointment | int, *, lock: bool) -> Appointment:
    pk = value.pk if isinstance(value, Appointment) else _as_int(value)
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


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- what happens next ----------------------------------------------------------------------


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
    detail: dict[str, Any],
) -> AppointmentEvent:
    """Write the outbox row (and, for staff and calendar sync, the audit entry) with the change,
    and enqueue the follow-up task for after the commit (dropped if the transaction rolls back)."""
    event = AppointmentEvent.objects.create(
        appointment=appointment, kind=change, sequence=appointment.sequence, detail=detail
    )
    enqueue_after_commit(appointment_changed, event.pk)
    if channel == Channel.ONLINE:
        # A patient's own booking: the outbox row is its record. The audit log is for what
        # members of staff and synced calendars do to the practice's data.
        return event
    AuditEntry.objects.create(
        practice_id=appointment.practice_id,
        actor=_user(actor),
        action=f"appointment.{change}",
        subject=str(appointment.public_id),
        detail={
            **_times(appointment),
            "channel": channel,
            "status": appointment.status,
            "allow_overlap": appointment.allow_overlap,
            **detail,
        },
    )
    return event
