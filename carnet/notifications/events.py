"""The outbox consumer `notifications`: agenda changes become emails to the patient.

| change | origin | message |
|---|---|---|
| booked | online | confirmation |
| booked | staff, external calendar | confirmation, unless the practice turned them off |
| rescheduled | any | change (new date and time) |
| cancelled | any | cancellation |

Appointments that already began get nothing (a calendar mirroring the past, staff tidying up).
The log row is written first, keyed by the outbox event (`occasion`), so a retried delivery
finds it and sends nothing new, while a second move the same day is a second event, hence a
second email. The row is then sent at once; if sending fails, the row keeps its own retries
(`sending`, and the sweep), so the delivery is done once the row exists.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from carnet.notifications import sending
from carnet.notifications.models import Channel, Kind, Notification
from carnet.scheduling.consumers import Consumer
from carnet.scheduling.models import Appointment, Change, Origin, OutboxEvent, Subject

__all__ = ["CONSUMER", "handle", "kind_for"]

KINDS = {Change.BOOKED: Kind.CONFIRMATION, Change.RESCHEDULED: Kind.CHANGE}


def wants(event: OutboxEvent) -> bool:
    # NOTIFICATIONS_ENABLED=False (CARNET_NOTIFICATIONS=0): a staging copy of real data must not
    # write to real patients; tests of the outbox's own rules turn it off too.
    if not settings.NOTIFICATIONS_ENABLED:
        return False
    return event.subject == Subject.APPOINTMENT and event.kind in (
        Change.BOOKED,
        Change.RESCHEDULED,
        Change.CANCELLED,
    )


def kind_for(event: OutboxEvent, appointment: Appointment) -> str | None:
    """Which email this change calls for, or None."""
    if event.kind == Change.CANCELLED:
        return Kind.CANCELLATION
    kind = KINDS.get(event.kind)  # type: ignore[call-overload]
    staff_made = event.origin != Origin.ONLINE
    if (
        kind == Kind.CONFIRMATION
        and staff_made
        and not appointment.practice.send_staff_confirmations
    ):
        return None
    return kind


def handle(event: OutboxEvent) -> None:
    if event.appointment_id is None:
        return
    appointment = (
        Appointment.objects.with_scopes_disabled()
        .select_related("practice")
        .filter(pk=event.appointment_id)
        .first()
    )
    if appointment is None:
        return
    kind = kind_for(event, appointment)
    now = timezone.now()
    if kind is None or appointment.start <= now:
        return
    row, _created = Notification.objects.with_scopes_disabled().get_or_create(
        appointment=appointment,
        kind=kind,
        for_date=event.created_at.astimezone(appointment.practice.zone).date(),
        occasion=event.pk,
        defaults={
            "practice_id": appointment.practice_id,
            "channel": Channel.EMAIL,
            "next_attempt_at": now,
        },
    )
    sending.send([row.pk], now=now)


CONSUMER = Consumer("notifications", handle, wants=wants)
