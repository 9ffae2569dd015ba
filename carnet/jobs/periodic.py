"""Every periodic job of Carnet, declared in this one place.

Run the scheduler in one consumer only (the embedded one, or `carnet worker` without
`--no-periodic`); jobs are idempotent, so an accidental second scheduler does no harm.
"""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab

from carnet.jobs.queue import huey


@huey.periodic_task(crontab(minute="17", hour="3"), name="carnet.purge_expired_sessions")
def purge_expired_sessions() -> int:
    """Expired login sessions are personal data with no further use: delete them nightly."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@huey.periodic_task(crontab(minute="*"), name="carnet.relay_outbox")
def relay_outbox() -> int:
    """Every minute: hand to a worker every outbox delivery that is due and not done (retries
    whose time has come, jobs lost with a crashed worker or queue). See docs/jobs.md."""
    from carnet.scheduling.outbox import relay

    return relay()


@huey.periodic_task(crontab(minute="*"), name="carnet.notifications_sweep")
def notifications_sweep() -> dict[str, int]:
    """Every minute: create the reminders that are due and send every message whose time has
    come (new, retried, or left by a crashed worker). See docs/notifications.md."""
    from carnet.notifications.reminders import sweep

    return sweep()


@huey.periodic_task(crontab(minute="*"), name="carnet.calendar_poll")
def calendar_poll() -> int:
    """Every minute: pull each connected calendar (push notifications are not guaranteed) and
    renew push channels before they expire. See docs/calendar-sync.md."""
    from carnet.calsync.tasks import poll

    return poll()
