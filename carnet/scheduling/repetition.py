"""Repetition in plain words ("every week on Monday and Thursday, 10 times") and its RRULE.

Staff never type RFC 5545 text: the personal-event form offers a few plain choices, turned into
an RRULE here, and an existing rule is read back into those choices to fill the form again. A
rule that does not fit them (one synced from Google, say) is `None` here and kept as it is.

Pure functions over plain values; whether a rule is usable (bounded, at most daily...) is still
decided by `carnet.scheduling.recurrence.validate_rrule`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

__all__ = [
    "DAYS",
    "ENDS",
    "FREQUENCIES",
    "MAX_COUNT",
    "Repetition",
    "describe",
    "read_rrule",
]

# Offered frequencies: key -> (FREQ, INTERVAL).
FREQUENCIES: dict[str, tuple[str, int]] = {
    "daily": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "biweekly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
}
ENDS = ("never", "until", "count")
# RFC 5545 day codes in Python's weekday() order (Monday = 0).
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
# More than enough for busy time (a weekly meeting for twenty years is 1,040).
MAX_COUNT = 1000

_UNTIL_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True, slots=True)
class Repetition:
    """One of the plain choices: how often, on which weekdays (weekly ones), and until when.

    `days` are indexes into `DAYS` (Monday = 0), only for weekly frequencies; `until` is the last
    local day (inclusive) when `ends` is "until"; `count` the number of occurrences for "count".
    """

    frequency: str
    days: tuple[int, ...] = ()
    ends: str = "never"
    until: date | None = None
    count: int | None = None

    def rrule(self) -> str:
        """The RRULE value ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=10")."""
        freq, interval = FREQUENCIES[self.frequency]
        parts = [f"FREQ={freq}"]
        if interval != 1:
            parts.append(f"INTERVAL={interval}")
        if freq == "WEEKLY" and self.days:
            parts.append("BYDAY=" + ",".join(DAYS[day] for day in sorted(set(self.days))))
        if self.ends == "until" and self.until is not None:
            # A bare date: through the end of that local day (recurrence._parse_until).
            parts.append(f"UNTIL={self.until:%Y%m%d}")
        elif self.ends == "count" and self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)


def read_rrule(text: str) -> Repetition | None:
    """The plain choice a stored rule is, or None when it is something else (kept as is)."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    parts: dict[str, str] = {}
    for part in value.upper().split(";"):
        if not part:
            continue
        name, sep, arg = part.partition("=")
        if not sep or name in parts:
            return None
        parts[name] = arg
    if not parts.keys() <= {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT"}:
        return None
    if "UNTIL" in parts and "COUNT" in parts:
        return None
    interval_text = parts.get("INTERVAL", "1")
    if not interval_text.isdigit():
        return None
    found = [
        key
        for key, (freq, interval) in FREQUENCIES.items()
        if parts.get("FREQ") == freq and int(interval_text) == interval
    ]
    if not found:
        return None
    frequency = found[0]
    days: tuple[int, ...] = ()
    if "BYDAY" in parts:
        if FREQUENCIES[frequency][0] != "WEEKLY":
            return None
        codes = parts["BYDAY"].split(",")
        if any(code not in DAYS for code in codes) or len(set(codes)) != len(codes):
            return None
        days = tuple(sorted(DAYS.index(code) for code in codes))
    if "UNTIL" in parts:
        match = _UNTIL_DATE.match(parts["UNTIL"])
        if match is None:
            return None
        try:
            until = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
        return Repetition(frequency, days, "until", until=until)
    if "COUNT" in parts:
        count_text = parts["COUNT"]
        if not count_text.isdigit() or not 1 <= int(count_text) <= MAX_COUNT:
            return None
        return Repetition(frequency, days, "count", count=int(count_text))
    return Repetition(frequency, days)


def describe(text: str) -> str:
    """The rule in plain words for lists ("Every week on Monday, Thursday, 10 times")."""
    if not text:
        return _("Does not repeat")
    repetition = read_rrule(text)
    if repetition is None:
        return _("Repeats (rule set in another calendar)")
    how = {
        "daily": _("Every day"),
        "weekly": _("Every week"),
        "biweekly": _("Every 2 weeks"),
        "monthly": _("Every month"),
    }[repetition.frequency]
    if repetition.days:
        days = ", ".join(str(DAY_NAMES[day]) for day in repetition.days)
        how = _("%(how)s on %(days)s") % {"how": how, "days": days}
    if repetition.ends == "until" and repetition.until is not None:
        return _("%(how)s, until %(day)s") % {
            "how": how,
            "day": date_format(repetition.until, "DATE_FORMAT"),
        }
    if repetition.ends == "count" and repetition.count is not None:
        times = ngettext("%(count)d time", "%(count)d times", repetition.count) % {
            "count": repetition.count
        }
        return _("%(how)s, %(times)s") % {"how": how, "times": times}
    return how
