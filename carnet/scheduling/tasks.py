"""Work that follows an agenda change, run by the job queue after the change commits."""

from __future__ import annotations

from django.tasks import task

from carnet.scheduling import outbox


@task()
def deliver(delivery_id: int) -> str:
    """Run one outbox delivery (one consumer, one event); idempotent. See `outbox.run_delivery`."""
    return outbox.run_delivery(delivery_id)
