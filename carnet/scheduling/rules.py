"""The booking rules per channel, applied under the practitioner lock (see `locking`).

Online: the start must be one of the free slots the engine computes (`availability.free_slots`),
and the refusal names the first rule that fails. Staff and calendar sync: anywhere but over another
appointment (unless overbooking on purpose), with warnings for personal events, buffers and opening
hours. "Any practitioner": the least busy of those free for the slot. `booking` calls these; they
read, never write.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.practices.models import Practice
from carnet.scheduling.agenda import PractitionerAgenda, load_agendas, slot_rules
from carnet.scheduling.availability import SlotRules, booking_window, free_slots, pick_practitioner
from carnet.scheduling.errors import NotOffered, OutsideAvailability, OverPersonalEvent, SlotTaken
from carnet.scheduling.locking import LockedPractitioner, lock_practitioners
from carnet.scheduling.models import Appointment, AppointmentStatus, AppointmentType


@dataclass(frozen=True, slots=True)
class BookingWarning:
    """Something staff should know about an appointment they were allowed to place."""

    code: str
    message: str | Promise


WARNINGS = {
    "over_personal_event": _("This appointment overlaps a personal event of the practitioner."),
    "outside_schedule": _("This appointment is outside the practitioner's opening hours."),
    "buffer": _("This appointment leaves less than the preparation or clean-up time required."),
    "overbooked": _("This appointment overlaps another one (overbooking)."),
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules allowed: the center of the matching slot (if any), warnings for staff, and
    the ids of the appointments a deliberate overbooking lies over."""

    center_id: int | None = None
    warnings: tuple[BookingWarning, ...] = ()
    overlapped: tuple[int, ...] = ()


def check(
    practice: Practice,
    kind: AppointmentType,
    practitioner: LockedPractitioner,
    start: datetime,
    end: datetime,
    center_id: int | None,
    *,
    online: bool,
    allow_overlap: bool,
    now: datetime,
    exclude_appointment_id: int | None = None,
) -> Verdict:
    """Apply the channel's rules to one practitioner and time, under the lock."""
    agenda = load_agendas(
        kind, [practitioner.pk], (start, end), exclude_appointment_id=exclude_appointment_id
    )[practitioner.pk]
    rules = slot_rules(kind, practice)
    if online:
        return Verdict(
            online_slot(practice, rules, practitioner, agenda, start, center_id, True, now)
        )

    overlapped = tuple(
        pk
        for pk, busy_start, busy_end in agenda.appointments
        if overlaps((busy_start, busy_end), start, end)
    )
    if overlapped and not allow_overlap:
        raise SlotTaken()
    warnings: list[BookingWarning] = []
    if overlapped:
        warnings.append(BookingWarning("overbooked", WARNINGS["overbooked"]))
    if any(overlaps(interval, start, end) for interval in agenda.personal):
        warnings.append(BookingWarning("over_personal_event", WARNINGS["over_personal_event"]))
    padded = (start - rules.buffer_before, end + rules.buffer_after)
    if not overlapped and any(overlaps(interval, *padded) for interval in agenda.padded):
        warnings.append(BookingWarning("buffer", WARNINGS["buffer"]))
    # Opening hours, whatever the grid: is [start, end) inside one stretch of open time?
    exact = SlotRules(duration=end - start, grid=timedelta(microseconds=1))
    open_at = free_slots(
        agenda.schedule, exact, (start, end), (), agenda.time_off, agenda.extra, center_id
    )
    if not open_at:
        warnings.append(BookingWarning("outside_schedule", WARNINGS["outside_schedule"]))
    return Verdict(open_at[0].center_id if open_at else None, tuple(warnings), overlapped)


def pick_any(
    practice: Practice,
    kind: AppointmentType,
    start: datetime,
    end: datetime,
    center_id: int | None,
    *,
    online: bool,
    now: datetime,
) -> tuple[LockedPractitioner, Verdict]:
    """Lock every candidate, keep those free for this exact slot, choose the least busy."""
    candidates = [
        row
        for row in lock_practitioners(
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
    free: dict[int, tuple[LockedPractitioner, int | None]] = {}
    refusals: list[Exception] = []
    for candidate in candidates:
        try:
            found = online_slot(
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
    chosen_id = pick_practitioner(list(free), booked_minutes(practice, list(free), start))
    chosen, slot_center = free[chosen_id]
    return chosen, Verdict(slot_center)


def booked_minutes(
    practice: Practice, practitioner_ids: list[int], moment: datetime
) -> dict[int, int]:
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


def online_slot(
    practice: Practice,
    rules: SlotRules,
    practitioner: LockedPractitioner,
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


def overlaps(interval: tuple[datetime, datetime], start: datetime, end: datetime) -> bool:
    """Half-open intervals: touching is not overlapping."""
    return interval[0] < end and start < interval[1]
