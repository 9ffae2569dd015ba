"""VTIMEZONE components: a zone's UTC-offset rules as calendar clients read them.

A recurring personal event is written in its own zone ("every Tuesday at 09:00" must stay at
09:00 across daylight-saving changes), and every zone a feed uses needs a ``VTIMEZONE``:
clients without a zone database of their own (ical.js, some phones) read only that. zoneinfo
does not expose a zone's rules, so they are recovered from its offsets: the changes of a
year are found by sampling and bisection, then written as yearly nth-weekday ``RRULE``s when
they are such rules, else listed one by one for a few years. Pure, and cached per zone and
year: the writer calls :func:`vtimezone_lines` on every render.
"""

from __future__ import annotations

import calendar as gregorian
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from carnet.feeds.content_lines import escape_text, fold

__all__ = ["vtimezone_lines"]

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EPOCH = datetime(1970, 1, 1)
_BASE_YEAR = 1970  # observances start here, as Google's and Mozilla's VTIMEZONEs do
_CHECK_YEARS = 8  # later years a yearly rule must predict before we trust it
_LISTED_YEARS = 6  # years written one by one for zones whose rules are not yearly


def _offset(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _offset_at(zone: ZoneInfo, timestamp: int) -> timedelta:
    offset = datetime.fromtimestamp(timestamp, zone).utcoffset()
    assert offset is not None
    return offset


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[int, timedelta, timedelta]]:
    """(instant, offset before, offset after) of each UTC-offset change in a year.

    zoneinfo does not expose its transitions, so they are found by sampling the offset
    daily and bisecting each change down to the second.
    """
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    found = []
    lo, before = start, _offset_at(zone, start)
    for hi in range(start + 86400, end + 86400, 86400):
        after = _offset_at(zone, hi)
        if after != before:
            low, high = lo, hi  # offset(low) == before, offset(high) == after
            while high - low > 1:
                mid = (low + high) // 2
                if _offset_at(zone, mid) == before:
                    low = mid
                else:
                    high = mid
            if start <= high < end:
                found.append((high, before, after))
        lo, before = hi, after
    return found


def _wall(instant: int, offset: timedelta) -> datetime:
    """Naive local wall time of a UTC instant at an offset."""
    return _EPOCH + timedelta(seconds=instant) + offset


def _nth_candidates(day: datetime) -> list[int]:
    """Ways to name a date's weekday in its month: last first (-1), then the nth."""
    candidates = []
    if day.day + 7 > gregorian.monthrange(day.year, day.month)[1]:
        candidates.append(-1)
    if day.day <= 28:
        candidates.append((day.day - 1) // 7 + 1)
    return candidates


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> int:
    """Day of the month of the nth (or last, -1) given weekday."""
    first_weekday, length = gregorian.monthrange(year, month)
    first = 1 + (weekday - first_weekday) % 7
    if nth > 0:
        return first + 7 * (nth - 1)
    return first + 7 * ((length - first) // 7)


def _yearly_rules(
    zone: ZoneInfo, year: int, changes: list[tuple[int, timedelta, timedelta]]
) -> list[tuple[datetime, int, timedelta, timedelta]] | None:
    """Express this year's and next year's changes as yearly nth-weekday rules, or None.

    Returns, per change, its wall time this year, the nth weekday (-1 for last) and its
    offsets. A rule is kept only if it also predicts the zone's changes in the following
    years, which catches rules like Israel's "Friday before the last Sunday of March".
    """
    this_year = [c for c in changes if _wall(c[0], c[1]).year == year]
    next_year = [c for c in changes if _wall(c[0], c[1]).year == year + 1]
    if len(this_year) != 2 or len(next_year) != 2:
        return None
    rules = []
    for (t1, from1, to1), (t2, from2, to2) in zip(this_year, next_year, strict=True):
        w1, w2 = _wall(t1, from1), _wall(t2, from2)
        same = (from1, to1, w1.month, w1.weekday(), w1.time()) == (
            from2,
            to2,
            w2.month,
            w2.weekday(),
            w2.time(),
        )
        if not same:
            return None
        shared = [n for n in _nth_candidates(w1) if n in _nth_candidates(w2)]
        for nth in shared:
            if all(_predicts(zone, y, w1, nth, from1, to1) for y in _later_years(year)):
                rules.append((w1, nth, from1, to1))
                break
        else:
            return None
    return rules


def _later_years(year: int) -> range:
    return range(year + 2, year + 2 + _CHECK_YEARS)


def _predicts(
    zone: ZoneInfo, year: int, wall: datetime, nth: int, before: timedelta, after: timedelta
) -> bool:
    day = _nth_weekday(year, wall.month, wall.weekday(), nth)
    local = wall.replace(year=year, day=day)
    instant = int((local - before - _EPOCH).total_seconds())
    return _offset_at(zone, instant - 1) == before and _offset_at(zone, instant) == after


def _observance(kind: str, before: timedelta, after: timedelta, name: str, start: str) -> list[str]:
    return [
        f"BEGIN:{kind}",
        f"TZOFFSETFROM:{_offset(before)}",
        f"TZOFFSETTO:{_offset(after)}",
        fold("TZNAME:" + escape_text(name)),
        f"DTSTART:{start}",
    ]


def _stamp(wall: datetime) -> str:
    return wall.strftime("%Y%m%dT%H%M%S")


def _listed_observances(zone: ZoneInfo, year: int) -> list[str]:
    """One observance per change from ``year`` on, for zones without a yearly rule.

    As with the yearly rules, the larger offset is DAYLIGHT. The first observance goes from
    the smaller offset, so that ``TZOFFSETTO`` minus the daylight saving is the same
    standard offset throughout, which dateutil's reader (vobject's) relies on to place the
    repeated hour when clocks go back.
    """
    listed = [c for y in range(year, year + _LISTED_YEARS) for c in _transitions(zone, y)]
    standard = min(min(before, after) for _, before, after in listed)
    first = listed[0][1]
    kind = "DAYLIGHT" if first > standard else "STANDARD"
    name = datetime.fromtimestamp(listed[0][0] - 1, zone).tzname() or zone.key
    lines = _observance(kind, standard, first, name, f"{_BASE_YEAR}0101T000000")
    lines.append(f"END:{kind}")
    for instant, before, after in listed:
        kind = "DAYLIGHT" if after > standard else "STANDARD"
        name = datetime.fromtimestamp(instant, zone).tzname() or zone.key
        lines += _observance(kind, before, after, name, _stamp(_wall(instant, before)))
        lines.append(f"END:{kind}")
    return lines


@lru_cache(maxsize=512)
def vtimezone_lines(zone: ZoneInfo, year: int) -> tuple[str, ...]:
    """The VTIMEZONE of a zone, from the rules in force in ``year`` and ``year + 1``.

    Zones with daylight saving get one STANDARD and one DAYLIGHT observance, each with a
    yearly RRULE such as ``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``, starting in 1970 so that
    every event date is covered (ical.js treats a time before the first observance as UTC).
    Zones without DST get one STANDARD observance. Zones whose changes are not yearly
    weekday rules (Morocco's Ramadan, Israel's Friday rule) get one observance per change,
    from ``year`` for a few years, each with its own DTSTART: never comma-separated RDATE
    lists, which ical.js and Outlook misread.
    """
    changes = _transitions(zone, year) + _transitions(zone, year + 1)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    reference = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    if not changes:
        offset = _offset_at(zone, reference)
        name = datetime.fromtimestamp(reference, zone).tzname() or zone.key
        lines += _observance("STANDARD", offset, offset, name, f"{_BASE_YEAR}0101T000000")
        lines.append("END:STANDARD")
    elif (rules := _yearly_rules(zone, year, changes)) is not None:
        rules.sort(key=lambda rule: rule[3] > rule[2])  # STANDARD first, by convention
        for wall, nth, before, after in rules:
            kind = "DAYLIGHT" if after > before else "STANDARD"
            instant = int((wall - before - _EPOCH).total_seconds())
            name = datetime.fromtimestamp(instant, zone).tzname() or zone.key
            day = _nth_weekday(_BASE_YEAR, wall.month, wall.weekday(), nth)
            start = _stamp(wall.replace(year=_BASE_YEAR, day=day))
            lines += _observance(kind, before, after, name, start)
            byday = f"{nth}{_WEEKDAYS[wall.weekday()]}"
            lines += [f"RRULE:FREQ=YEARLY;BYMONTH={wall.month};BYDAY={byday}", f"END:{kind}"]
    else:
        lines += _listed_observances(zone, year)
    lines.append("END:VTIMEZONE")
    return tuple(lines)
