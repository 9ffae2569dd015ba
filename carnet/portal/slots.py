"""The free slots of one week, as the booking site shows them: day by day, in the practice's zone.

A thin layer over `carnet.scheduling.agenda.available_slots` (which applies every online rule:
schedule, notice, horizon, grid, buffers, appointments, personal events), so that the page, the
JSON endpoint and "move my appointment" (carnet/portal/mine) list exactly the times the booking
door will accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from carnet.practices.models import Center, Practice
from carnet.scheduling.agenda import available_slots
from carnet.scheduling.models import AppointmentType, Practitioner

__all__ = ["DaySlots", "SlotChoice", "week_slots", "week_start_of"]

DAYS_IN_WEEK = 7


@dataclass(frozen=True, slots=True)
class SlotChoice:
    """One bookable time: `start` is aware, in the practice's zone; `label` is its wall time."""

    start: datetime
    end: datetime
    label: str
    center_id: int
    practitioner_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DaySlots:
    """One local day of the week and its free slots, in order (possibly none)."""

    date: date
    slots: list[SlotChoice]


def week_start_of(day: date) -> date:
    """The Monday of `day`'s week (weeks run Monday to Sunday, as in France and Spain)."""
    return day - timedelta(days=day.weekday())


def week_slots(
    practice: Practice,
    appointment_type: AppointmentType,
    practitioner: Practitioner | None,
    center: Center | None,
    week_start: date,
    now: datetime,
) -> list[DaySlots]:
    """The seven days from `week_start` with their online slots, in the practice's time zone.

    `practitioner=None` is "any practitioner" (each slot lists who is free then); `center=None`
    is every center. Raises what `available_slots` raises (`WrongPractice`, `NotOffered`,
    `NotOnlineBookable`, `InvalidRange`), so a crafted query gets the door's own sentence.
    """
    zone = practice.zone
    end_date = week_start + timedelta(days=DAYS_IN_WEEK - 1)
    found = available_slots(
        practice, appointment_type, practitioner, center, week_start, end_date, now
    )
    days: dict[date, list[SlotChoice]] = {
        week_start + timedelta(days=offset): [] for offset in range(DAYS_IN_WEEK)
    }
    for slot, practitioner_ids in found:
        local = slot.start.astimezone(zone)
        day = days.get(local.date())
        if day is None:  # cannot happen with a window of local days; never show another week
            continue
        day.append(
            SlotChoice(
                start=local,
                end=slot.end.astimezone(zone),
                label=local.strftime("%H:%M"),
                center_id=slot.center_id,
                practitioner_ids=tuple(practitioner_ids),
            )
        )
    return [DaySlots(date=day, slots=slots) for day, slots in days.items()]
