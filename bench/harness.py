"""What several benchmarks share: a real `carnet serve` to measure against, plain HTTP requests,
a logged-in session for test accounts, and the SQL count of overlapping appointments.

Imported by the scripts beside it (`python bench/NAME.py` puts this folder on the path).
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, http.client.HTTPResponse]:
    """One HTTP request on a new connection; the status, the decoded body and the response."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode(), response
    finally:
        connection.close()


@contextmanager
def carnet_serve(env: dict[str, str], port: int | None = None) -> Iterator[int]:
    """A `carnet serve` subprocess with `env` on `port` (default: a free one), once /healthz
    answers 200."""
    port = port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "carnet.cli", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = time.perf_counter()
        while True:
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - started > 60:
                raise RuntimeError("carnet serve did not answer within 60 s")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def mint_session(user: Any) -> str:
    """A logged-in session for `user`, as Django's login would store it (test accounts only)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    assert session.session_key is not None
    return str(session.session_key)


def count_overlaps(practice_id: int) -> int:
    """Pairs of occupying appointments of one practitioner that overlap, where neither was placed
    over the other on purpose (`allow_overlap`): what "no double booking" forbids."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*)
            FROM scheduling_appointment a
            JOIN scheduling_appointment b
              ON a.practitioner_id = b.practitioner_id AND a.id < b.id
             AND a.start < b."end" AND b.start < a."end"
            WHERE a.practice_id = %s
              AND a.status <> 'cancelled' AND b.status <> 'cancelled'
              AND NOT a.allow_overlap AND NOT b.allow_overlap
            """,
            [practice_id],
        )
        row = cursor.fetchone()
    return int(row[0])
