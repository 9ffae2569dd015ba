"""Rules shared by every weekly schedule (a practitioner's general one, an appointment type's own).

Pure functions over plain values so that the admin, the staff forms, the CLI and the models all
refuse the same bad input with the same words.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class LineValues:
    weekday: int
    start: time
    end: time
    center_id: int | None


def line_error(line: LineValues) -> str | None:
    """Why a single line is invalid, or None."""
    if line.end <= line.start:
        return _("The end of a range must be after its start.")
    return None


def overlap_errors(lines: Iterable[LineValues]) -> list[str]:
    """One message per pair of ranges that overlap on the same weekday and center.

    Touching ranges (12:00-14:00 then 14:00-18:00) are fine: that is how breaks are written.
    """
    from carnet.scheduling.models.schedule import Weekday

    errors = []
    by_day: dict[tuple[int, int | None], list[LineValues]] = {}
    for line in lines:
        if line_error(line) is None:
            by_day.setdefault((line.weekday, line.center_id), []).append(line)
    for (weekday, _center), day_lines in sorted(by_day.items(), key=lambda item: item[0][0]):
        day_lines.sort(key=lambda line: line.start)
        for previous, current in itertools.pairwise(day_lines):
            if current.start < previous.end:
                errors.append(
                    _("%(day)s: %(a)s and %(b)s overlap in the same center.")
                    % {
                        "day": Weekday(weekday).label,
                        "a": f"{previous.start:%H:%M}-{previous.end:%H:%M}",
                        "b": f"{current.start:%H:%M}-{current.end:%H:%M}",
                    }
                )
    return errors
