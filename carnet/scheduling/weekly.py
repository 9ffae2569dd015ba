"""Rules shared by every weekly schedule (a practitioner's general one, an appointment type's own).

Pure functions over plain values so that the admin, the staff forms, the CLI and the models all
refuse the same bad input with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def overlapping_pairs(lines: Sequence[LineValues]) -> list[tuple[int, int]]:
    """Positions in `lines` of ranges that overlap another on the same weekday and center.

    Each pair is (earlier range, later range), in weekday order, and every range that overlaps
    another is in at least one pair (so a form can put a message beside each row at fault): a
    range is compared with the one reaching furthest before it, so 09:00-18:00 is reported
    against both 10:00-11:00 and 12:00-13:00. Touching ranges (12:00-14:00 then 14:00-18:00) are
    fine: that is how breaks are written. Invalid ranges (end not after start) are left to
    `line_error`.
    """
    by_day: dict[tuple[int, int | None], list[int]] = {}
    for index, line in enumerate(lines):
        if line_error(line) is None:
            by_day.setdefault((line.weekday, line.center_id), []).append(index)
    pairs = []
    for (_weekday, _center), indexes in sorted(by_day.items(), key=lambda item: item[0][0]):
        indexes.sort(key=lambda index: (lines[index].start, lines[index].end))
        furthest = indexes[0]
        for current in indexes[1:]:
            if lines[current].start < lines[furthest].end:
                pairs.append((furthest, current))
            if lines[current].end > lines[furthest].end:
                furthest = current
    return pairs


def overlap_message(first: LineValues, second: LineValues) -> str:
    """'Monday: 09:00-12:00 and 11:00-13:00 overlap in the same center.'"""
    from carnet.scheduling.models.schedule import Weekday

    return _("%(day)s: %(a)s and %(b)s overlap in the same center.") % {
        "day": Weekday(first.weekday).label,
        "a": f"{first.start:%H:%M}-{first.end:%H:%M}",
        "b": f"{second.start:%H:%M}-{second.end:%H:%M}",
    }


def overlap_errors(lines: Iterable[LineValues]) -> list[str]:
    """One message per pair of ranges that overlap on the same weekday and center."""
    listed = list(lines)
    return [overlap_message(listed[a], listed[b]) for a, b in overlapping_pairs(listed)]
