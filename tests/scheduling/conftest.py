"""Shared by the scheduling tests: a bookable clinic, and deliveries counted for their own probe
consumers only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import factories


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


@pytest.fixture
def clinic() -> dict[str, object]:
    """A practice with one practitioner open weekdays 09-12 and 14-18, a type bookable online,
    one patient. Modules that need another clinic define their own fixture of this name."""
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(practice, [doctor], online_booking=True)
    return {
        "practice": practice,
        "doctor": doctor,
        "kind": kind,
        "patient": factories.patient(practice),
    }
