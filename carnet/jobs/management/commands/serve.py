"""`carnet serve`: the web application and the embedded job consumer, on one port."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


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
        serve(
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            embedded_worker=not options["no_worker"],
            job_threads=options["job_threads"],
            stdout=self.stdout.write,
        )


def serve(
    host: str,
    port: int,
    threads: int,
    embedded_worker: bool,
    job_threads: int,
    stdout: Any = print,
) -> None:
    from waitress.server import create_server

    from carnet.wsgi import application

    server = create_server(application, host=host, port=port, threads=threads, ident="Carnet")
    consumers: list[Any] = []
    if embedded_worker:
        # Started beside the listening server, so the first page does not wait for it.
        threading.Thread(
            target=start_consumer, args=(job_threads, consumers), name="jobs", daemon=True
        ).start()
    # SIGTERM (a service manager stopping us) ends the loop like Ctrl-C, so jobs finish cleanly.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
    stdout(_("Carnet is listening on http://%(host)s:%(port)s/") % {"host": host, "port": port})
    try:
        server.run()
    finally:
        server.close()
        for consumer in consumers:
            consumer.stop(graceful=True)


def start_consumer(job_threads: int, started: list[Any]) -> None:
    from carnet.jobs.consumer import build_consumer

    consumer = build_consumer(workers=job_threads)
    consumer.start()
    started.append(consumer)
