"""The reminder sweep: every minute, find the reminders that are due and send them.

Due means: the practice's local time has passed its reminder time today, and a confirmed
appointment starts on the next local day (in the practice's zone) with no reminder row for that
day yet. Nothing is decided at booking time, so an appointment moved after its reminder gets one
for its new day and a cancelled one gets none. Rows are inserted in bulk, ignoring those another
sweep inserted first (the unique key), then every due row (new ones, retries whose time came,
rows of a crashed sender whose lease ran out) is handed to `send` jobs in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_scopes import scopes_disabled

from carnet.notifications import log
from carnet.notifications.models import Channel, Kind, Notification
from carnet.practices.models import Practice
from carnet.scheduling.models import Appointment, AppointmentStatus

__all__ = ["DueDay", "create_due", "due_days", "sweep"]


@dataclass(frozen=True, slots=True)
class DueDay:
    practice_id: int
    day: date
    start: datetime  # the day's first instant, aware
    end: datetime  # the next day's first instant: 23, 24 or 25 hours later


def due_days(now: datetime) -> Iterator[DueDay]:
    """For each practice whose reminder time has passed today (local), tomorrow's bounds."""
    for practice_id, zone_name, reminder_time in Practice.objects.values_list(
        "pk", "time_zone", "reminder_time"
    ):
        zone = Practice(time_zone=zone_name).zone
        local = now.astimezone(zone)
        if local.time() < (reminder_time or time(18)):
            continue
        day = local.date() + timedelta(days=1)
        start = datetime.combine(day, time.min, zone)
        end = datetime.combine(day + timedelta(days=1), time.min, zone)
        yield DueDay(practice_id, day, start, end)


def create_due(now: datetime) -> int:
    """Insert the missing reminder rows; returns how many rows were asked for."""
    created = 0
    batch = int(getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 100)) * 10
    for due in due_days(now):
        reminded = Notification.objects.filter(
            appointment=OuterRef("pk"), kind=Kind.REMINDER_EMAIL, for_date=due.day, occasion=0
        )
        wanted = (
            Appointment.objects.filter(
                practice_id=due.practice_id,
                status=AppointmentStatus.CONFIRMED,
                start__gte=due.start,
                start__lt=due.end,
            )
            .filter(~Exists(reminded))
            .values_list("pk", "appointment_type__sms_reminder")
        )
        rows: list[Notification] = []
        for appointment_id, type_sends_sms in wanted.iterator(chunk_size=2000):
            common = {
                "practice_id": due.practice_id,
                "appointment_id": appointment_id,
                "for_date": due.day,
                "next_attempt_at": now,
            }
            rows.append(Notification(kind=Kind.REMINDER_EMAIL, channel=Channel.EMAIL, **common))
            if type_sends_sms:
                rows.append(Notification(kind=Kind.REMINDER_SMS, channel=Channel.SMS, **common))
            if len(rows) >= batch:
                Notification.objects.bulk_create(rows, ignore_conflicts=True)
                created += len(rows)
                rows = []
        if rows:
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            created += len(rows)
    return created


def due_ids(now: datetime, limit: int = 50_000) -> list[int]:
    return list(
        Notification.objects.filter(log.claimable(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Create what is due, then enqueue `send` jobs for every due row, in batches."""
    from carnet.notifications.tasks import send

    now = now or timezone.now()
    size = int(getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 100))
    with scopes_disabled():  # every practice's reminders: a job, unscoped on purpose
        created = create_due(now)
        ids = due_ids(now)
    for start in range(0, len(ids), size):
        send.enqueue(ids[start : start + size])
    return {"created": created, "enqueued": len(ids)}
