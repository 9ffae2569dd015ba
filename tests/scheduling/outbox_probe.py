"""Outbox consumers for the tests: each delivery leaves a line in a file any process can read.

Loaded by worker subprocesses through `OUTBOX_CONSUMERS` (see outbox_worker_settings.py). They are
steered through files in the folder named by OUTBOX_PROBE_DIR: while `hang` exists a delivery
waits (so a test can kill the worker in the middle of it), while `fail` exists it raises.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from carnet.scheduling.consumers import Consumer

if TYPE_CHECKING:
    from carnet.scheduling.models import OutboxEvent


def append(path: Path, line: str) -> None:
    """One write with O_APPEND: lines from several processes never interleave."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descriptor, f"{line}\n".encode())
    finally:
        os.close(descriptor)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _handler(name: str) -> Callable[[OutboxEvent], None]:
    def handle(event: OutboxEvent) -> None:
        folder = Path(os.environ["OUTBOX_PROBE_DIR"])
        append(folder / "started", f"{name}:{event.pk}:{os.getpid()}")
        deadline = time.monotonic() + 60
        while (folder / "hang").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        if (folder / "fail").exists():
            raise ConnectionError("the provider is down")
        time.sleep(float(os.environ.get("OUTBOX_PROBE_SLEEP", "0")))
        append(folder / "delivered", f"{name}:{event.pk}:{os.getpid()}")

    return handle


probe_everything = Consumer("probe-everything", _handler("probe-everything"))
# A calendar connection's consumer: a change that came from "cal-1" is never pushed back to it.
probe_calendar = Consumer("probe-calendar", _handler("probe-calendar"), connection="cal-1")

CONSUMERS = [
    "tests.scheduling.outbox_probe.probe_everything",
    "tests.scheduling.outbox_probe.probe_calendar",
]
