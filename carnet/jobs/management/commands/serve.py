"""`carnet serve`: the web application and the embedded job consumer, on one port."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Carnet over HTTP with the embedded background-job consumer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument("--threads", type=int, default=8, help="HTTP worker threads.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not embed a job consumer (use when `carnet worker` processes run).",
        )
        parser.add_argument("--job-threads", type=int, default=2, help="Embedded job threads.")

    def handle(self, *args: Any, **options: Any) -> None:
        from carnet.server import serve

        serve(
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            embedded_worker=not options["no_worker"],
            job_threads=options["job_threads"],
            stdout=self.stdout.write,
        )
