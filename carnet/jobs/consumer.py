"""Starting and stopping the job consumer, in `carnet serve` or on its own (`carnet worker`).

Huey's consumer installs signal handlers when it starts, which Python allows only in the main
thread: the consumer embedded in the web server starts in a thread of its own, and the web
server owns the process's signals anyway. So Carnet's consumer never installs any; the process
that runs it (`carnet.server`, the `worker` command) catches SIGTERM and SIGINT
(`carnet.server.on_stop_signals`) and calls
`stop_consumer`, which stops taking jobs, waits for the running ones to finish, and after
JOBS_SHUTDOWN_TIMEOUT seconds (or at a second signal) puts those still running back on the
queue, so that none is lost. Every job is idempotent: one that was cut short runs again whole.
"""

from __future__ import annotations

import logging

from django.conf import settings
from huey.api import Task as HueyTask
from huey.consumer import Consumer
from huey.signals import SIGNAL_INTERRUPTED

from carnet.jobs.queue import huey

__all__ = ["CarnetConsumer", "build_consumer", "stop_consumer"]

logger = logging.getLogger(__name__)


class CarnetConsumer(Consumer):
    """Huey's thread consumer, minus the signal handlers: the process's owner handles signals."""

    def _set_signal_handlers(self) -> None:
        pass


@huey.signal(SIGNAL_INTERRUPTED)
def _requeue_interrupted(
    signal_name: str, task: HueyTask, exc: BaseException | None = None
) -> None:
    """A job still running when its consumer stopped goes back on the queue, to run again."""
    logger.warning("Job %s was still running at shutdown: it goes back on the queue.", task.id)
    huey.enqueue(task)


def build_consumer(workers: int = 2, periodic: bool = True) -> CarnetConsumer:
    # Importing registers the job runner and the periodic jobs with this process's Huey.
    import carnet.jobs.backend
    import carnet.jobs.periodic  # noqa: F401

    return CarnetConsumer(
        huey,
        workers=workers,
        worker_type="thread",
        periodic=periodic,
        initial_delay=0.05,
        max_delay=1.0,
        backoff=1.5,
        check_worker_health=True,
    )


def stop_consumer(consumer: Consumer, timeout: float | None = None) -> None:
    """Stop taking jobs, let the running ones finish, requeue those that overrun `timeout`.

    A KeyboardInterrupt while waiting (a second Ctrl-C or signal, see `on_stop_signals`) ends
    the wait at once; the jobs still running are requeued all the same.
    """
    consumer.shutdown_timeout = settings.JOBS_SHUTDOWN_TIMEOUT if timeout is None else timeout
    try:
        consumer.stop(graceful=True)
    finally:
        consumer.huey.notify_interrupted_tasks()
