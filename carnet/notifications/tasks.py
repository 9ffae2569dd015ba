"""Jobs of the notifications: the sweep (every minute, see carnet/jobs/periodic.py) and sending."""

from __future__ import annotations

from django.tasks import task

from carnet.notifications import reminders, sending


@task()
def sweep() -> dict[str, int]:
    """Create the due reminders and hand every due message to `send` jobs; idempotent."""
    return reminders.sweep()


@task()
def send(ids: list[int]) -> dict[str, int]:
    """Send these log rows unless someone else has them or they are done; idempotent."""
    return dict(sending.send(ids))
