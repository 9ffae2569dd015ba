"""The one backoff rule: a failed try waits longer each time, never past the ceiling, never 0."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carnet.jobs.retry import backoff


@given(
    attempts=st.integers(min_value=1, max_value=60),
    base=st.floats(min_value=1, max_value=600),
    ceiling=st.floats(min_value=600, max_value=86_400),
)
def test_the_wait_doubles_with_jitter_and_stays_under_the_ceiling(
    attempts: int, base: float, ceiling: float
) -> None:
    delay = min(ceiling, base * 2 ** (attempts - 1))
    wait = backoff(attempts, base=base, ceiling=ceiling).total_seconds()
    # Somewhere in the upper half: spread out, but never sooner than half the delay.
    assert delay / 2 <= wait <= delay + 1e-6


def test_tries_that_failed_together_do_not_all_come_back_at_once() -> None:
    waits = {backoff(3, base=60, ceiling=3600).total_seconds() for _ in range(50)}
    assert len(waits) > 40
