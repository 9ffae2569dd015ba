"""Writing the outbox, delivering it, and relaying what is left behind.

- `record` is called by the doors inside their transaction: one `OutboxEvent`, one `Delivery` per
  interested consumer (`consumers.interested`), and for each a `deliver` job enqueued on commit
  (never if the transaction rolls back).
- `run_delivery` is what that job does: claim the delivery with a conditional UPDATE (so two
  workers, or a job enqueued twice, never run it at the same time), call the consumer, then mark
  it done. A failure is recorded (`last_error`) and retried after an exponential backoff with
  jitter; after `OUTBOX_MAX_ATTEMPTS` attempts the delivery is marked failed and left alone.
- `relay` (every minute, `carnet.jobs.periodic`) enqueues every delivery that is due and not
  claimed: retries whose time has come, jobs lost with a crashed worker or queue, deliveries whose
  worker had a broken database. A claim expires after `OUTBOX_LEASE_SECONDS`, so a worker killed
  mid-delivery does not hold it forever.

Delivery is at least once: a consumer whose side effect succeeded but whose worker died before
the "done" mark runs again, so consumers make their side effects idempotent (a unique key on what
they send, Google's client-chosen event ids).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from carnet.jobs import retry
from carnet.jobs.dispatch import enqueue_after_commit
from carnet.scheduling import consumers, tasks
from carnet.scheduling.models import (
    Appointment,
    Delivery,
    DeliveryStatus,
    Origin,
    OutboxEvent,
    PersonalEvent,
    Subject,
)

logger = logging.getLogger(__name__)

__all__ = ["backoff", "record", "relay", "run_delivery"]


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def max_attempts() -> int:
    return int(_setting("OUTBOX_MAX_ATTEMPTS", 10))


def record(
    subject: Appointment | PersonalEvent,
    kind: str,
    *,
    origin: str,
    connection: str | None = None,
    detail: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Write the event and its deliveries; enqueue each delivery for after the commit.

    Call inside the transaction of the change itself: the event exists if and only if the change
    committed.
    """
    appointment = subject if isinstance(subject, Appointment) else None
    personal_event = subject if isinstance(subject, PersonalEvent) and subject.pk else None
    event = OutboxEvent.objects.create(
        practice_id=subject.practice_id,
        practitioner_id=subject.practitioner_id,
        subject=Subject.APPOINTMENT if appointment is not None else Subject.PERSONAL_EVENT,
        subject_id=subject.public_id,
        appointment=appointment,
        personal_event=personal_event,
        kind=kind,
        sequence=subject.sequence,
        detail=detail or {},
        origin=origin,
        connection=connection if origin == Origin.EXTERNAL else None,
    )
    wanted = consumers.interested(event)
    if wanted:
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(event=event, consumer=consumer.name, next_attempt_at=event.created_at)
                for consumer in wanted
            ]
        )
        for delivery in deliveries:
            enqueue_after_commit(tasks.deliver, delivery.pk)
    return event


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed delivery (`carnet.jobs.retry.backoff`), doubling
    from `OUTBOX_RETRY_BASE_SECONDS` up to `OUTBOX_RETRY_MAX_SECONDS`."""
    return retry.backoff(
        attempts,
        base=_setting("OUTBOX_RETRY_BASE_SECONDS", 30),
        ceiling=_setting("OUTBOX_RETRY_MAX_SECONDS", 6 * 3600),
    )


def _claimable(now: datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def run_delivery(delivery_id: int, *, now: datetime | None = None) -> str:
    """Deliver one (event, consumer) unless it is done, not due, or running elsewhere.

    Returns "delivered", "retry", "failed" or "skipped" (someone else has it, or nothing to do).
    """
    now = now or timezone.now()
    lease = now + timedelta(seconds=_setting("OUTBOX_LEASE_SECONDS", 300))
    # The claim: one UPDATE, so that of two workers racing for it only one sees a row changed.
    claimed = (
        Delivery.objects.filter(_claimable(now), pk=delivery_id)
        .order_by()
        .update(claimed_until=lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("event").get(pk=delivery_id)
    consumer = consumers.by_name(delivery.consumer)
    try:
        if consumer is None:
            raise LookupError(f"No outbox consumer named {delivery.consumer!r} in this process.")
        consumer.handle(delivery.event)
    except Exception as exc:
        return _failed(delivery, exc, now)
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.DONE, done_at=timezone.now(), claimed_until=None, last_error=""
    )
    return "delivered"


def _failed(delivery: Delivery, exc: Exception, now: datetime) -> str:
    error = f"{type(exc).__name__}: {exc}".replace("\x00", "")[:2000]
    if delivery.attempts >= max_attempts():
        logger.error(
            "Outbox delivery %s (%s) failed for good after %s attempts: %s",
            delivery.pk,
            delivery.consumer,
            delivery.attempts,
            error,
        )
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, claimed_until=None, last_error=error
        )
        return "failed"
    retry_at = now + backoff(delivery.attempts)
    logger.warning(
        "Outbox delivery %s (%s) failed, attempt %s, retry at %s: %s",
        delivery.pk,
        delivery.consumer,
        delivery.attempts,
        retry_at.isoformat(),
        error,
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=retry_at, claimed_until=None, last_error=error
    )
    # Come back on time; should this job be lost, the relay finds the delivery due anyway.
    try:
        tasks.deliver.using(run_after=retry_at).enqueue(delivery.pk)
    except Exception:
        logger.exception("Could not schedule the retry of outbox delivery %s", delivery.pk)
    return "retry"


def relay(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Enqueue every delivery that is due, pending and unclaimed; returns how many.

    A delivery already waiting in the queue may be enqueued again: the claim makes the second job
    a no-op.
    """
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(_claimable(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        tasks.deliver.enqueue(pk)
    return len(due)
