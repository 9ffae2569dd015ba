"""`carnet worker`: a job consumer on its own. With REDIS_URL, run one per core per machine.

SIGTERM or SIGINT stops it gracefully: no new job is taken, running jobs finish, or go back on
the queue after JOBS_SHUTDOWN_TIMEOUT seconds or at a second signal.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

HEALTH_CHECK_SECONDS = 10.0


class Command(BaseCommand):
    help = "Consume background jobs (emails, reminders, calendar pushes) from the queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=4, help="Jobs run at once.")
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Do not schedule periodic jobs (leave that to one worker only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from carnet.jobs.consumer import build_consumer, stop_consumer
        from carnet.server import on_stop_signals

        stopping = threading.Event()
        on_stop_signals(stopping.set)
        consumer = build_consumer(workers=options["threads"], periodic=not options["no_periodic"])
        consumer.start()
        try:
            while not stopping.wait(HEALTH_CHECK_SECONDS):
                consumer.check_worker_health()  # a thread that died is replaced
        finally:
            stop_consumer(consumer)
