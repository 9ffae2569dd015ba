"""The web server: waitress and the embedded job consumer, started and stopped together.

`carnet serve` and `carnet demo` call `serve`. One process answers HTTP on many threads and,
unless `carnet worker` processes do it, runs background jobs beside it. SIGTERM (a service
manager stopping Carnet) and SIGINT (Ctrl-C) stop both: waitress stops listening and finishes
the requests in progress, then the consumer finishes its running jobs or, after
JOBS_SHUTDOWN_TIMEOUT or at a second signal, puts them back on the queue (see jobs/consumer.py).

Behind a TLS proxy (CARNET_BEHIND_PROXY=1) waitress takes the scheme, host and client address
from the proxy's X-Forwarded-* headers, but only on connections from CARNET_TRUSTED_PROXY;
from anyone else it drops them. Django then sees https and REMOTE_ADDR is the real client.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

__all__ = ["on_stop_signals", "proxy_options", "serve", "served_site_url"]

logger = logging.getLogger(__name__)

_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - names, not a bind


def served_site_url(host: str, port: int) -> str:
    """The address links should carry when Carnet is reached at the host and port it serves."""
    if host in _WILDCARD_HOSTS:
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def adopt_served_address(host: str, port: int) -> None:
    """Unless CARNET_SITE_URL says where Carnet is published, links follow the port served.

    Feed links and the appointment links inside feeds are built from SITE_URL; its default
    (http://localhost:8000) is wrong as soon as `--port` says otherwise.
    """
    if os.environ.get("CARNET_SITE_URL"):
        return
    settings.SITE_URL = served_site_url(host, port)
    if not os.environ.get("CARNET_CSRF_TRUSTED_ORIGINS"):
        settings.CSRF_TRUSTED_ORIGINS = [settings.SITE_URL]


def proxy_options() -> dict[str, Any]:
    """waitress's trusted-proxy options when CARNET_BEHIND_PROXY is set, else none.

    Without a trusted proxy waitress still removes every X-Forwarded-* header, so a client
    can never pose as a proxy.
    """
    if not settings.BEHIND_PROXY:
        return {}
    return {
        "trusted_proxy": settings.TRUSTED_PROXY,
        "trusted_proxy_count": settings.TRUSTED_PROXY_COUNT,
        "trusted_proxy_headers": " ".join(settings.TRUSTED_PROXY_HEADERS),
        # A proxy whose address differs from CARNET_TRUSTED_PROXY shows up in the log.
        "log_untrusted_proxy_headers": True,
    }


class EmbeddedConsumer:
    """The job consumer inside the web process.

    Huey (and the Redis and PostgreSQL clients it imports) loads in a thread of its own, so
    that the server listens at once; `stop` waits for that start before stopping it.
    """

    def __init__(self, workers: int) -> None:
        self._consumer: Any = None
        self._starting = threading.Thread(
            target=self._start, args=(workers,), name="jobs-start", daemon=True
        )
        self._starting.start()

    def _start(self, workers: int) -> None:
        from carnet.jobs.consumer import build_consumer

        consumer = build_consumer(workers=workers)
        consumer.start()
        self._consumer = consumer

    def stop(self) -> None:
        from carnet.jobs.consumer import stop_consumer

        self._starting.join()
        if self._consumer is not None:
            stop_consumer(self._consumer)


def on_stop_signals(first: Callable[[], None]) -> None:
    """Call `first` at the first SIGTERM or SIGINT; any later one raises KeyboardInterrupt.

    The second signal is the operator's "stop now": it ends the wait for running jobs, which
    then go back on the queue. Only the main thread may install handlers, and it runs them.
    """
    received: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) > 1:
            raise KeyboardInterrupt
        logger.info("Received %s: stopping.", signal.Signals(signum).name)
        first()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _stop_serving() -> None:
    # Raised in the main thread, inside waitress's loop, which ends on it and stops its threads.
    raise SystemExit(0)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    threads: int = 8,
    embedded_worker: bool = True,
    job_threads: int = 2,
    stdout: Callable[[str], object] = print,
) -> None:
    """Serve Carnet on host:port until SIGTERM or SIGINT, then stop cleanly."""
    from waitress.server import create_server

    adopt_served_address(host, port)
    from carnet.wsgi import application

    server = create_server(
        application, host=host, port=port, threads=threads, ident="Carnet", **proxy_options()
    )
    jobs = EmbeddedConsumer(job_threads) if embedded_worker else None
    on_stop_signals(_stop_serving)
    stdout(_("Carnet is listening on http://%(host)s:%(port)s/") % {"host": host, "port": port})
    try:
        try:
            server.run()
        finally:
            try:
                server.close()  # no new connections while the jobs finish
            finally:
                if jobs is not None:
                    jobs.stop()
    except KeyboardInterrupt:  # a second signal: stop now, running jobs are back on the queue
        stdout(_("Stopped without waiting."))
