"""Knowing cheaply that a feed may have changed, so an unchanged feed costs no aggregate.

Every save or delete of what a feed shows (appointments, personal events and their changed
occurrences, patients, whose names are titles) stores a new random "generation" in the cache
for the practitioner (or, for a patient, the practice). The view keeps each link's last
fingerprint with the generations it was computed at, and recomputes it from the database only
when one of them moved, or when it is older than STATE_TTL: that bound covers writes that send
no signal (`QuerySet.update()`, raw SQL, another program), which are then seen within minutes.

The new generation is stored once the writer's transaction commits (never after a rollback),
and outside it: a booking must succeed while the cache is down, so a cache failure is logged
and the feed catches up within STATE_TTL. A generation is the time of the change (and a random
part); a fingerprint computed less than SETTLE seconds after a generation is not trusted, and
computed again on the next request, which covers a read that began before the commit.
"""

from __future__ import annotations

import logging
import secrets
import time
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from carnet.patients.models import Patient
from carnet.scheduling.models import Appointment, PersonalEvent, PersonalEventOverride

__all__ = ["SETTLE", "STATE_TTL", "connect", "generation_keys"]

STATE_TTL = 300
SETTLE = 5.0
_GENERATION_TTL = 7 * 24 * 3600

logger = logging.getLogger(__name__)


def generation_keys(practitioner_id: int, practice_id: int) -> tuple[str, str]:
    return f"feeds:gen:practitioner:{practitioner_id}", f"feeds:gen:practice:{practice_id}"


def _store_generation(key: str) -> None:
    try:
        cache.set(key, (time.time(), secrets.token_hex(4)), _GENERATION_TTL)
    except Exception:  # any cache failure: the data is saved, the feed catches up later
        logger.warning(
            "Could not record a feed change (%s); feeds see it within %s s.",
            key,
            STATE_TTL,
            exc_info=True,
        )


def _bump(key: str) -> None:
    """Store a new generation for `key` once the current transaction commits."""
    transaction.on_commit(partial(_store_generation, key), robust=True)


def _practitioner_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    _bump(f"feeds:gen:practitioner:{instance.practitioner_id}")


def _override_changed(sender: Any, instance: PersonalEventOverride, **kwargs: Any) -> None:
    # The base manager: a signal is not a tenant-scoped request, and the event is known by id.
    practitioner_id = (
        PersonalEvent._base_manager.filter(pk=instance.event_id)
        .values_list("practitioner_id", flat=True)
        .first()
    )
    if practitioner_id is not None:
        _bump(f"feeds:gen:practitioner:{practitioner_id}")


def _patient_changed(sender: Any, instance: Patient, **kwargs: Any) -> None:
    _bump(f"feeds:gen:practice:{instance.practice_id}")


def connect() -> None:
    """Called once from the app's ready()."""
    for name, signal in (("save", post_save), ("delete", post_delete)):
        for sender, receiver in (
            (Appointment, _practitioner_changed),
            (PersonalEvent, _practitioner_changed),
            (PersonalEventOverride, _override_changed),
            (Patient, _patient_changed),
        ):
            uid = f"feeds-{sender.__name__}-{name}"
            signal.connect(receiver, sender=sender, dispatch_uid=uid)
