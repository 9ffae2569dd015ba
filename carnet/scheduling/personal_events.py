"""The one door for personal events: a practitioner's busy time that is not a patient visit.

Staff pages, the API and inbound calendar sync create, change and delete personal events here, and
nothing else writes `PersonalEvent` or `PersonalEventOverride` rows (tests/scheduling/test_doors.py
fails on any other writer). A recurring event is changed either as a whole series (`change`,
`delete`) or one occurrence at a time (`move_occurrence`, `cancel_occurrence`: an override row,
as RFC 5545's RECURRENCE-ID).

Each service takes the same practitioner lock as the booking door (`locking`), so an online
booking and a personal event written at the same moment run one after the other: either the
booking sees the committed event and is refused (`OverPersonalEvent`), or the event is written
after the booking and the result carries the warning `over_appointment` for whoever placed it.
In the same transaction it writes an outbox event (`outbox.record`) with the change's origin
(staff, or which external calendar connection), whose deliveries run after the commit.

Inputs are checked like the booking door's (`inputs`): aware and existing times, end after start,
at most a year long, bounded texts without NUL, a known time zone, a recurrence rule the engine
accepts (`recurrence.validate_rrule`), then the model's own `full_clean`. A refusal is a
`BookingError`, with nothing written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from carnet.practices.models import AuditEntry, Practice
from carnet.scheduling import outbox
from carnet.scheduling.agenda import LONGEST_RANGE
from carnet.scheduling.errors import InvalidValue, WrongPractice
from carnet.scheduling.inputs import (
    as_id,
    checked_choice,
    checked_instant,
    checked_range,
    checked_text,
    checked_time_zone,
    resolve_id,
    user,
)
from carnet.scheduling.locking import lock_practitioner, practice_door, write_transaction
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Change,
    Origin,
    OutboxEvent,
    PersonalEvent,
    PersonalEventOverride,
    Practitioner,
)
from carnet.scheduling.recurrence import (
    MAX_EXDATES,
    RecurringEvent,
    occurrences,
    validate_rrule,
)
from carnet.scheduling.rules import BookingWarning, overlaps

__all__ = [
    "PersonalEventResult",
    "cancel_occurrence",
    "change",
    "create",
    "delete",
    "is_occurrence",
    "move_occurrence",
]

TITLE_MAX_LENGTH = 200  # PersonalEvent.title
RRULE_MAX_LENGTH = 500  # PersonalEvent.rrule
CONNECTION_MAX_LENGTH = 64  # OutboxEvent.connection

WARNINGS = {
    "over_appointment": _("This personal event overlaps an appointment of the practitioner."),
}


@dataclass(frozen=True, slots=True)
class PersonalEventResult:
    """What a service did: the event as saved (after `delete`, as it was), warnings for staff,
    and the outbox event."""

    event: PersonalEvent
    warnings: tuple[BookingWarning, ...] = ()
    outbox_event: OutboxEvent | None = None


class _Unchanged:
    pass


UNCHANGED: Any = _Unchanged()


@practice_door
def create(
    practice: Practice,
    *,
    practitioner: Practitioner | int,
    title: str,
    start: datetime,
    end: datetime,
    time_zone: str | None = None,
    rrule: str = "",
    exdates: Sequence[datetime] = (),
    origin: str = Origin.STAFF,
    connection: str | None = None,
    actor: Any = None,
) -> PersonalEventResult:
    """Create a personal event (recurring when `rrule` is given) for a practitioner.

    `time_zone` is the wall clock the recurrence follows (default: the practice's), so a weekly
    09:00 meeting stays at 09:00 across daylight-saving changes. Overlapping appointments are
    allowed (staff decide) and reported as the warning `over_appointment`.
    """
    origin, connection = _checked_origin(origin, connection)
    practitioner_id = resolve_id(Practitioner, practice, practitioner, "practitioner")
    event = PersonalEvent(
        practice=practice,
        practitioner_id=practitioner_id,
        source=Origin.EXTERNAL if origin == Origin.EXTERNAL else Origin.STAFF,
    )
    _apply(
        event,
        title=title,
        start=start,
        end=end,
        time_zone=time_zone or practice.time_zone,
        rrule=rrule,
        exdates=exdates,
    )
    with write_transaction():
        lock_practitioner(practice, practitioner_id)
        _validate(event)
        event.save()
        warnings = _warnings(event)
        recorded = _record(event, Change.CREATED, origin, connection, actor, {})
    return PersonalEventResult(event, warnings, recorded)


@practice_door
def change(
    practice: Practice,
    event: PersonalEvent | int,
    *,
    title: str = UNCHANGED,
    start: datetime = UNCHANGED,
    end: datetime = UNCHANGED,
    time_zone: str = UNCHANGED,
    rrule: str = UNCHANGED,
    exdates: Sequence[datetime] = UNCHANGED,
    origin: str = Origin.STAFF,
    connection: str | None = None,
    actor: Any = None,
) -> PersonalEventResult:
    """Change an event, or a recurring event's whole series; omitted fields stay as they are.

    Occurrences already moved or cancelled on their own keep their overrides (an override whose
    original time the new rule no longer produces is simply ignored).
    """
    origin, connection = _checked_origin(origin, connection)
    pk = _event_id(event)
    practitioner_id = _practitioner_of(practice, pk)
    with write_transaction():
        lock_practitioner(practice, practitioner_id)
        current = _fetch(practice, pk)
        before = _times(current)
        _apply(
            current,
            title=current.title if title is UNCHANGED else title,
            start=current.start if start is UNCHANGED else start,
            end=current.end if end is UNCHANGED else end,
            time_zone=current.time_zone if time_zone is UNCHANGED else time_zone,
            rrule=current.rrule if rrule is UNCHANGED else rrule,
            exdates=None if exdates is UNCHANGED else exdates,
        )
        _validate(current)
        current.sequence += 1
        current.save()
        warnings = _warnings(current)
        recorded = _record(current, Change.CHANGED, origin, connection, actor, {"before": before})
    return PersonalEventResult(current, warnings, recorded)


@practice_door
def delete(
    practice: Practice,
    event: PersonalEvent | int,
    *,
    origin: str = Origin.STAFF,
    connection: str | None = None,
    actor: Any = None,
) -> PersonalEventResult:
    """Delete an event, or a recurring event's whole series with its changed occurrences.

    The outbox event outlives it (it names the event by its public id), so calendars still hear
    of the deletion.
    """
    origin, connection = _checked_origin(origin, connection)
    pk = _event_id(event)
    practitioner_id = _practitioner_of(practice, pk)
    with write_transaction():
        lock_practitioner(practice, practitioner_id)
        current = _fetch(practice, pk)
        current.sequence += 1
        recorded = _record(
            current, Change.DELETED, origin, connection, actor, {"before": _times(current)}
        )
        current.delete()
    return PersonalEventResult(current, (), recorded)


@practice_door
def move_occurrence(
    practice: Practice,
    event: PersonalEvent | int,
    recurrence_id: datetime,
    *,
    start: datetime,
    end: datetime,
    origin: str = Origin.STAFF,
    connection: str | None = None,
    actor: Any = None,
) -> PersonalEventResult:
    """Move one occurrence of a recurring event ("this occurrence only").

    `recurrence_id` is the occurrence's original start; moving it again replaces the earlier move.
    """
    return _override(
        practice,
        event,
        recurrence_id,
        (start, end),
        origin=origin,
        connection=connection,
        actor=actor,
    )


@practice_door
def cancel_occurrence(
    practice: Practice,
    event: PersonalEvent | int,
    recurrence_id: datetime,
    *,
    origin: str = Origin.STAFF,
    connection: str | None = None,
    actor: Any = None,
) -> PersonalEventResult:
    """Cancel one occurrence of a recurring event; the rest of the series stays."""
    return _override(
        practice, event, recurrence_id, None, origin=origin, connection=connection, actor=actor
    )


# --- helpers --------------------------------------------------------------------------------


def _override(
    practice: Practice,
    event: PersonalEvent | int,
    recurrence_id: datetime,
    times: tuple[datetime, datetime] | None,
    *,
    origin: str,
    connection: str | None,
    actor: Any,
) -> PersonalEventResult:
    origin, connection = _checked_origin(origin, connection)
    original = checked_instant(recurrence_id)
    moved = checked_range(times[0], times[1], timedelta(0)) if times is not None else None
    pk = _event_id(event)
    practitioner_id = _practitioner_of(practice, pk)
    with write_transaction():
        lock_practitioner(practice, practitioner_id)
        current = _fetch(practice, pk)
        if not current.rrule:
            raise InvalidValue("rrule", "not_recurring")
        if not is_occurrence(current, original):
            raise WrongPractice("occurrence")
        override = PersonalEventOverride.objects.filter(
            event=current, recurrence_id=original
        ).first() or PersonalEventOverride(event=current, recurrence_id=original)
        override.cancelled = moved is None
        override.start, override.end = moved if moved is not None else (None, None)
        _validate(override)
        override.save()
        current.sequence += 1
        current.save(update_fields=["sequence", "updated_at"])
        warnings = _warnings_for(current, [moved]) if moved is not None else ()
        detail: dict[str, Any] = {"recurrence_id": original.isoformat()}
        if moved is not None:
            detail.update(start=moved[0].isoformat(), end=moved[1].isoformat())
        kind = Change.OCCURRENCE_MOVED if moved is not None else Change.OCCURRENCE_CANCELLED
        recorded = _record(current, kind, origin, connection, actor, detail)
    return PersonalEventResult(current, warnings, recorded)


def _checked_origin(origin: Any, connection: Any) -> tuple[str, str | None]:
    # Patients do not write personal events: staff, or a synced calendar.
    origin = checked_choice(origin, "channel", [Origin.STAFF, Origin.EXTERNAL])
    if origin != Origin.EXTERNAL or connection is None:
        return origin, None
    return origin, checked_text(str(connection), "connection", CONNECTION_MAX_LENGTH)


def _apply(
    event: PersonalEvent,
    *,
    title: Any,
    start: Any,
    end: Any,
    time_zone: Any,
    rrule: Any,
    exdates: Sequence[Any] | None,
) -> None:
    """Check every input, then set it on the (unsaved) instance."""
    event.title = checked_text(title, "title", TITLE_MAX_LENGTH, required=True)
    event.start, event.end = checked_range(start, end, timedelta(0))
    event.time_zone = checked_time_zone(time_zone)
    event.rrule = checked_text(rrule, "rrule", RRULE_MAX_LENGTH).strip()
    if event.rrule:
        # Judged from the event's own start, in the zone its recurrence follows.
        detail = validate_rrule(event.rrule, event.start, ZoneInfo(event.time_zone))
        if detail:
            raise InvalidValue("rrule", "rrule", detail=detail)
    if exdates is not None:
        if isinstance(exdates, (str, bytes)) or len(exdates) > MAX_EXDATES:
            raise InvalidValue("exdates", "too_long", limit=MAX_EXDATES)
        event.exdates = [checked_instant(moment).isoformat() for moment in exdates]


def _validate(instance: PersonalEvent | PersonalEventOverride) -> None:
    """The model's own checks (cross-practice references, stored EXDATEs...), as a refusal."""
    try:
        instance.full_clean(validate_unique=False)
    except ValidationError as error:
        raise InvalidValue.from_validation(error) from error


def _event_id(event: PersonalEvent | int) -> int:
    pk = event.pk if isinstance(event, PersonalEvent) else as_id(event)
    if pk is None:
        raise WrongPractice("personal_event")
    return int(pk)


def _practitioner_of(practice: Practice, pk: int) -> int:
    found = (
        PersonalEvent.objects.filter(practice_id=practice.pk, pk=pk)
        .values_list("practitioner_id", flat=True)
        .first()
    )
    if found is None:
        raise WrongPractice("personal_event")
    return int(found)


def _fetch(practice: Practice, pk: int) -> PersonalEvent:
    """The event, read again under the practitioner's lock (it may have changed meanwhile)."""
    found = PersonalEvent.objects.filter(practice_id=practice.pk, pk=pk).first()
    if found is None:
        raise WrongPractice("personal_event")
    return found


def _as_recurring(event: PersonalEvent) -> RecurringEvent:
    return RecurringEvent(
        start=event.start, end=event.end, zone=ZoneInfo(event.time_zone), rrule=event.rrule or None
    )


def is_occurrence(event: PersonalEvent, original: datetime) -> bool:
    """Does the series (without its exceptions) have an occurrence starting at `original`?

    Read-only, for pages that name an occurrence before asking to move or cancel it."""
    length = event.end - event.start
    try:
        found = occurrences(
            _as_recurring(event), original, original + length + timedelta(seconds=1)
        )
    except ValueError:
        return False
    return any(start == original for start, _end in found)


def _warnings(event: PersonalEvent) -> tuple[BookingWarning, ...]:
    """Warn when the event (its occurrences over the next year, for a series) lies over
    appointments of the practitioner."""
    if event.rrule:
        try:
            spans = occurrences(_as_recurring(event), event.start, event.start + LONGEST_RANGE)
        except ValueError:
            spans = [(event.start, event.end)]
    else:
        spans = [(event.start, event.end)]
    return _warnings_for(event, spans)


def _warnings_for(
    event: PersonalEvent, spans: Sequence[tuple[datetime, datetime] | None]
) -> tuple[BookingWarning, ...]:
    intervals = [span for span in spans if span is not None]
    if not intervals:
        return ()
    first = min(start for start, _end in intervals)
    last = max(end for _start, end in intervals)
    busy = (
        Appointment.objects.filter(
            practitioner_id=event.practitioner_id, start__lt=last, end__gt=first
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .values_list("start", "end")
        .order_by()
    )
    if any(overlaps(interval, *span) for interval in busy for span in intervals):
        return (BookingWarning("over_appointment", WARNINGS["over_appointment"]),)
    return ()


def _times(event: PersonalEvent) -> dict[str, Any]:
    return {
        "title": event.title,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "rrule": event.rrule,
    }


def _record(
    event: PersonalEvent,
    kind: str,
    origin: str,
    connection: str | None,
    actor: Any,
    detail: dict[str, Any],
) -> OutboxEvent:
    """The outbox event (deliveries enqueued after the commit) and the audit entry."""
    recorded = outbox.record(event, kind, origin=origin, connection=connection, detail=detail)
    AuditEntry.objects.create(
        practice_id=event.practice_id,
        actor=user(actor),
        action=f"personal_event.{kind}",
        subject=str(event.public_id),
        detail={
            "practitioner": event.practitioner_id,
            "origin": origin,
            **({"connection": connection} if connection else {}),
            **detail,
        },
    )
    return recorded
