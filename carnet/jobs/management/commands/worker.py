"""`carnet worker`: a job consumer on its own. With REDIS_URL, run one per core per machine."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


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
        from carnet.jobs.consumer import build_consumer

        consumer = build_consumer(workers=options["threads"], periodic=not options["no_periodic"])
        consumer.run()
