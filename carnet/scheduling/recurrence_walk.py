"""A bounded walk over a dateutil `rrule`: the occurrences up to a stop, never a search for ever.

dateutil's own iterator (`rrule._iter`) steps period by period (a day, a week, a month or a year)
and only hands control back when an occurrence matches. A rule that matches nothing
(`FREQ=DAILY;BYYEARDAY=366;BYMONTH=1`) is walked day by day up to the year 9999 before
`between()` returns, and UNTIL is only compared with occurrences that were found, so it does not
stop that walk either. It also always starts at DTSTART, so a daily series begun years ago is
walked through every one of those years for each window asked.

`walk` is the same loop, for the frequencies Carnet accepts (DAILY to YEARLY), with three exits
dateutil lacks: it starts at the period holding `begin` when the rule has no COUNT (COUNT needs
the occurrences before it), it ends at the first period starting after `stop` (or after UNTIL),
and it gives up after examining `budget` days. The filtering and period arithmetic are dateutil
2.9's (dual-licensed Apache 2.0 / BSD-3-Clause), read from its private attributes: dateutil is
pinned in uv.lock, and tests/scheduling/test_recurrence_walk.py compares the two walks on random
rules so an upgrade that changes them fails loudly.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import MAXYEAR, date, datetime, timedelta
from typing import Any

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, _iterinfo, rrule

__all__ = ["Walk", "walk"]


@dataclass(slots=True)
class Walk:
    """What a walk found, in order, and whether it stopped early: after `limit` occurrences or
    `budget` examined days (then occurrences after the last one listed may be missing)."""

    found: list[datetime] = field(default_factory=list)
    truncated: bool = False


def _first_period(rule: rrule, begin: datetime | None) -> tuple[int, int, int, int]:
    """(year, month, day, weekday) of the period to start from: DTSTART's, or with no COUNT the
    one holding `begin`, reached in whole INTERVALs so the rule's phase is kept. Periods after
    the first are whole, so starting at one gives exactly the occurrences the full walk gives."""
    r: Any = rule  # dateutil's private attributes are not in its type stubs
    start: datetime = r._dtstart
    first = (start.year, start.month, start.day, start.weekday())
    if begin is None or r._count is not None or begin <= start:
        return first
    interval: int = r._interval
    freq = r._freq
    if freq == DAILY:
        steps = (begin.date() - start.date()).days // interval
        if steps < 1:
            return first
        day = start.date() + timedelta(days=steps * interval)
        return day.year, day.month, day.day, day.weekday()
    if freq == WEEKLY:
        wkst: int = r._wkst
        week = start.date() - timedelta(days=(start.weekday() - wkst) % 7)
        steps = (begin.date() - week).days // 7 // interval
        if steps < 1:
            return first
        day = week + timedelta(weeks=steps * interval)
        return day.year, day.month, day.day, wkst
    if freq == MONTHLY:
        steps = ((begin.year - start.year) * 12 + begin.month - start.month) // interval
        if steps < 1:
            return first
        year, month0 = divmod(start.month - 1 + steps * interval, 12)
        return start.year + year, month0 + 1, 1, 0
    steps = (begin.year - start.year) // interval
    if steps < 1:
        return first
    return start.year + steps * interval, start.month, 1, 0


def walk(rule: rrule, begin: datetime | None, stop: datetime, *, budget: int, limit: int) -> Walk:
    """The occurrences of `rule` (naive wall times) from `begin` to `stop`, both inclusive.

    At most `budget` days are examined and `limit` occurrences listed; `truncated` says so.
    """
    result = Walk()
    for moment in _occurrences(rule, begin, stop, budget, result):
        if moment > stop:
            break
        if begin is not None and moment < begin:
            continue
        result.found.append(moment)
        if len(result.found) >= limit:
            result.truncated = True  # more may follow: the walk does not look further
            break
    return result


def _occurrences(
    rule: rrule, begin: datetime | None, stop: datetime, budget: int, out: Walk
) -> Iterator[datetime]:
    r: Any = rule  # dateutil's private attributes are not in its type stubs
    freq = r._freq
    if freq not in (YEARLY, MONTHLY, WEEKLY, DAILY):
        raise ValueError("Only DAILY, WEEKLY, MONTHLY and YEARLY rules are walked.")
    year, month, day, weekday = _first_period(rule, begin)
    interval = r._interval
    wkst = r._wkst
    until = r._until
    bymonth = r._bymonth
    byweekno = r._byweekno
    byyearday = r._byyearday
    byweekday = r._byweekday
    byeaster = r._byeaster
    bymonthday = r._bymonthday
    bynmonthday = r._bynmonthday
    bysetpos = r._bysetpos
    timeset = r._timeset
    dtstart = r._dtstart
    count = r._count
    last_day = min(stop, until).date() if until else stop.date()

    info: Any = _iterinfo(rule)  # typed loosely in the stubs; the masks are lists of ints
    info.rebuild(year, month)
    getdayset = {
        YEARLY: info.ydayset,
        MONTHLY: info.mdayset,
        WEEKLY: info.wdayset,
        DAILY: info.ddayset,
    }[freq]
    examined = 0
    while True:
        dayset, start, end = getdayset(year, month, day)
        if date.fromordinal(info.yearordinal + start) > last_day:
            return
        examined += end - start
        if examined > budget:
            out.truncated = True
            return

        for i in dayset[start:end]:
            if (
                (bymonth and info.mmask[i] not in bymonth)
                or (byweekno and not info.wnomask[i])
                or (byweekday and info.wdaymask[i] not in byweekday)
                or (info.nwdaymask and not info.nwdaymask[i])
                or (byeaster and not info.eastermask[i])
                or (
                    (bymonthday or bynmonthday)
                    and info.mdaymask[i] not in bymonthday
                    and info.nmdaymask[i] not in bynmonthday
                )
                or (
                    byyearday
                    and (
                        (
                            i < info.yearlen
                            and i + 1 not in byyearday
                            and -info.yearlen + i not in byyearday
                        )
                        or (
                            i >= info.yearlen
                            and i + 1 - info.yearlen not in byyearday
                            and -info.nextyearlen + i - info.yearlen not in byyearday
                        )
                    )
                )
            ):
                dayset[i] = None

        produced: Iterable[datetime]
        if bysetpos and timeset:
            kept = [x for x in dayset[start:end] if x is not None]
            chosen: list[datetime] = []
            for pos in bysetpos:
                daypos, timepos = divmod(pos if pos < 0 else pos - 1, len(timeset))
                try:
                    index = kept[daypos]
                    moment = datetime.combine(
                        date.fromordinal(info.yearordinal + index), timeset[timepos]
                    )
                except IndexError:
                    continue
                if moment not in chosen:
                    chosen.append(moment)
            produced = sorted(chosen)
        else:
            # Lazily: a stored rule may have thousands of times a day, and the caller may need
            # only the first few.
            produced = (
                datetime.combine(date.fromordinal(info.yearordinal + i), moment)
                for i in dayset[start:end]
                if i is not None
                for moment in timeset
            )
        for moment in produced:
            if until and moment > until:
                return
            if moment >= dtstart:
                if count is not None:
                    count -= 1
                    if count < 0:
                        return
                yield moment

        fixday = False
        if freq == YEARLY:
            year += interval
            if year > MAXYEAR:
                return
            info.rebuild(year, month)
        elif freq == MONTHLY:
            month += interval
            if month > 12:
                div, mod = divmod(month, 12)
                month = mod
                year += div
                if month == 0:
                    month = 12
                    year -= 1
                if year > MAXYEAR:
                    return
            info.rebuild(year, month)
        elif freq == WEEKLY:
            if wkst > weekday:
                day += -(weekday + 1 + (6 - wkst)) + interval * 7
            else:
                day += -(weekday - wkst) + interval * 7
            weekday = wkst
            fixday = True
        else:
            day += interval
            fixday = True

        if fixday and day > 28:
            days_in_month = calendar.monthrange(year, month)[1]
            if day > days_in_month:
                while day > days_in_month:
                    day -= days_in_month
                    month += 1
                    if month == 13:
                        month = 1
                        year += 1
                        if year > MAXYEAR:
                            return
                    days_in_month = calendar.monthrange(year, month)[1]
                info.rebuild(year, month)
