"""Google's `recurrence` lines (RRULE, EXDATE) as a personal event stores them.

Google sends RFC 5545 lines: one `RRULE:...`, and `EXDATE` lines with a `TZID` parameter, in
UTC (`...Z`) or as dates. The personal event keeps the rule's value and a list of excluded
start times; the bounded validation of `carnet.scheduling.recurrence` judges the rule when the
door saves it. RDATE (extra dates) has no place in a personal event: such a series is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


class UnsupportedRecurrence(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Recurrence:
    rrule: str
    exdates: tuple[datetime, ...]


def read_recurrence(lines: tuple[str, ...], zone: str) -> Recurrence:
    rule = ""
    excluded: list[datetime] = []
    for line in lines:
        name, _, value = line.partition(":")
        head, *parameters = name.split(";")
        head = head.strip().upper()
        if head == "RRULE":
            if rule:
                raise UnsupportedRecurrence("more than one RRULE")
            rule = value.strip()
        elif head == "EXDATE":
            tzid = next((p[5:] for p in parameters if p.upper().startswith("TZID=")), zone)
            for item in value.split(","):
                excluded.append(_instant(item.strip(), tzid))
        elif head:
            raise UnsupportedRecurrence(f"{head} is not supported")
    return Recurrence(rule, tuple(excluded))


def _instant(text: str, zone: str) -> datetime:
    try:
        if text.endswith("Z"):
            return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if "T" in text:
            return datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo(zone))
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        return datetime.combine(day, time.min, ZoneInfo(zone))
    except (ValueError, KeyError) as error:
        raise UnsupportedRecurrence(f"unreadable EXDATE {text!r}") from error
