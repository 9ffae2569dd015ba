"""The occurrences of personal events in a window, each with the id that names it.

`recurrence.occurrences` gives busy intervals, which is all the slot engine needs. A page that
lets staff move or cancel "this occurrence" also needs to know which occurrence each interval
is: its original start (RFC 5545's RECURRENCE-ID), unchanged when it was moved. The series is
expanded once without its changed occurrences, then each override replaces or removes the
occurrence it names, as the expansion in `recurrence` does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from carnet.scheduling.models import PersonalEvent
from carnet.scheduling.personal_events import is_occurrence
from carnet.scheduling.recurrence import RecurringEvent, occurrences, read_exdates

__all__ = ["Occurrence", "in_window"]

logger = logging.getLogger(__name__)

# A list page shows at most this many; the window asked is what keeps it short.
MAX_LISTED = 500


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a personal event, in UTC.

    `recurrence_id` is the original start of an occurrence of a series (None for a one-off
    event); `moved` says it was moved on its own and no longer follows the series.
    """

    event: PersonalEvent
    start: datetime
    end: datetime
    recurrence_id: datetime | None
    moved: bool = False


def in_window(
    events: Iterable[PersonalEvent], window_start: datetime, window_end: datetime
) -> list[Occurrence]:
    """Every occurrence overlapping [window_start, window_end), sorted by start.

    Give events with their `overrides` prefetched. A stored rule that cannot be expanded is
    logged and left out rather than breaking the page.
    """
    found: list[Occurrence] = []
    for event in events:
        if not event.rrule:
            if event.start < window_end and event.end > window_start:
                found.append(Occurrence(event, event.start, event.end, None))
            continue
        try:
            found.extend(_series(event, window_start, window_end))
        except ValueError:
            logger.warning(
                "personal event %s: its rule %r cannot be expanded", event.pk, event.rrule
            )
    found.sort(key=lambda occurrence: (occurrence.start, occurrence.event.pk))
    return found[:MAX_LISTED]


def _series(event: PersonalEvent, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    zone = event.zone
    exdates, _unread = read_exdates(event.exdates, zone)
    excluded = set(exdates)
    overrides = {override.recurrence_id: override for override in event.overrides.all()}
    plain = RecurringEvent(event.start, event.end, zone, event.rrule, exdates)
    found = [
        Occurrence(event, start, end, start)
        for start, end in occurrences(plain, window_start, window_end)
        if start not in overrides
    ]
    for original, override in overrides.items():
        if override.cancelled or override.start is None or override.end is None:
            continue
        if original in excluded or not (
            override.start < window_end and override.end > window_start
        ):
            continue
        if is_occurrence(event, original):  # an override of a time the rule no longer gives
            found.append(Occurrence(event, override.start, override.end, original, moved=True))
    return found
