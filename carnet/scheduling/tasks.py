"""Work that follows an appointment change, run by the job queue after the change commits."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from carnet.scheduling.models import AppointmentEvent


@task()
def appointment_changed(event_id: int) -> bool:
    """Handle one outbox row written by `carnet.scheduling.booking`; idempotent.

    Notifications and calendar sync will hook in here; for now the row is marked processed.
    Only the first run claims it (a conditional UPDATE), so a retried or duplicated job, or two
    workers, change nothing more. Returns whether this run claimed the row.
    """
    claimed = AppointmentEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )
    return bool(claimed)
