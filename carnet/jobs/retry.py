"""How long a failed side effect waits before its next try: one rule for every retried job."""

from __future__ import annotations

import random
from datetime import timedelta

__all__ = ["backoff"]


def backoff(attempts: int, *, base: float, ceiling: float) -> timedelta:
    """The wait after the `attempts`-th failed attempt: `base` seconds doubled per attempt,
    capped at `ceiling`, with "equal jitter" (a random point in the upper half), so that the
    many deliveries or messages that failed together (a mail server down for a minute) do not
    all come back at the same instant."""
    delay = min(ceiling, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))
