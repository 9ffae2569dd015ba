"""The scheduling tests count the outbox's deliveries to their own probe consumers only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _only_probe_consumers() -> Iterator[None]:
    """Patients' emails (carnet.notifications) want every booking; these tests are about the
    outbox's own rules, so that consumer stays out of their counts."""
    from django.conf import settings

    if not settings.configured:  # the pure-core tests also run without Django (-p no:django)
        yield
        return
    from django.test import override_settings

    with override_settings(NOTIFICATIONS_ENABLED=False):
        yield
