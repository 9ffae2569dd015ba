"""From the database to a feed: which rows, in which window, with which titles.

The view asks three things, cheapest first:

1. `find_source(token)`: one query; who the link belongs to and how they want it shown.
2. `feed_state(source, window)`: one aggregate query; a fingerprint of everything the feed
   shows, from which the ETag comes. An unchanged feed is answered 304 after these two
   queries, without loading or rendering a single event.
3. `build_feed(source, window)`: four queries (appointments before and after today, only as
   many as could fit in the feed's 1 MB; personal events; their changed occurrences), each
   selecting only the columns the feed writes, then the pure writer in `carnet.feeds.ical`,
   which keeps the events nearest to today that fit in the byte budget. Titles go through
   `carnet.feeds.privacy`; nothing else about a patient is ever selected.

The window rolls by whole days in the practice's zone: appointments starting from 30 days ago
up to the booking horizon or at least 365 days ahead. Cancelled appointments are left out.
Personal events overlapping the window are in; a recurring one is written whole (its RRULE),
when any occurrence falls in the window.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carnet.feeds import queries
from carnet.feeds.ical import (
    FeedAppointment,
    FeedCalendar,
    FeedOccurrenceOverride,
    FeedPersonalEvent,
    render_feed,
    smallest_appointment_bytes,
)
from carnet.feeds.links import hash_token
from carnet.feeds.privacy import appointment_title, personal_event_title
from carnet.scheduling.models import PersonalEvent, PersonalEventOverride
from carnet.scheduling.recurrence import Override, RecurringEvent, occurrences, read_exdates

__all__ = [
    "FeedSource",
    "FeedState",
    "Window",
    "build_feed",
    "feed_state",
    "feed_window",
    "find_source",
]

logger = logging.getLogger(__name__)

# Bump when the bytes written for the same data change (new property, new label), so that
# cached bodies and clients' ETags are replaced.
FEED_FORMAT = 2  # 2: one link per event, byte budget
# Google Calendar refuses a subscription over 1 MB: the body stays under this many bytes.
MAX_BYTES = 1_000_000
DAYS_BACK = 30
MIN_DAYS_AHEAD = 365
_LANGUAGES = {code for code, _name in settings.LANGUAGES}
_UNTIL_RE = re.compile(r"(?i)(^|;)UNTIL=([^;]*)")


@dataclass(frozen=True, slots=True)
class FeedSource:
    """What one enabled link shows, and for whom: read in one query from the token."""

    link_id: int
    link_updated_at: datetime
    title_choice: str
    personal_choice: str
    practitioner_id: int
    practitioner_name: str
    horizon_days: int
    practice_slug: str
    practice_zone: str
    refresh_minutes: int
    language: str
    practice_id: int


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class FeedState:
    """The fingerprint of a feed's content, and the newest change it knows of."""

    fingerprint: str
    etag: str
    changed_at: datetime


def find_source(token: str) -> FeedSource | None:
    """The source of an enabled link of an active practitioner, or None (unknown, off)."""
    if not token or len(token) > 128:
        return None
    row = queries.fetch_source(hash_token(token))
    if row is None:
        return None
    own, practice_language = row.user_language, row.practice_language
    language = (
        own
        if own in _LANGUAGES
        else practice_language
        if practice_language in _LANGUAGES
        else settings.LANGUAGE_CODE
    )
    return FeedSource(
        link_id=row.link_id,
        link_updated_at=row.link_updated_at,
        title_choice=row.title_choice,
        personal_choice=row.personal_choice,
        practitioner_id=row.practitioner_id,
        practitioner_name=row.practitioner_name,
        horizon_days=row.horizon_days,
        practice_slug=row.practice_slug,
        practice_zone=row.practice_zone,
        refresh_minutes=row.refresh_minutes,
        language=language,
        practice_id=row.practice_id,
    )


def feed_window(source: FeedSource, now: datetime | None = None) -> Window:
    """30 days back to max(booking horizon, 365) days ahead, in whole days of the practice."""
    zone = ZoneInfo(source.practice_zone)
    today = (now or timezone.now()).astimezone(zone).date()
    ahead = max(source.horizon_days, MIN_DAYS_AHEAD)
    start = datetime.combine(today - timedelta(days=DAYS_BACK), time.min, zone)
    end = datetime.combine(today + timedelta(days=ahead + 1), time.min, zone)
    return Window(start.astimezone(UTC), end.astimezone(UTC))


def _events_in(window: Window) -> Q:
    # Recurring events are kept whatever their first date; `build_feed` drops series that have
    # ended. A superset here only means a few more rows in the fingerprint.
    return Q(start__lt=window.end) & (~Q(rrule="") | Q(end__gt=window.start))


def feed_state(source: FeedSource, window: Window) -> FeedState:
    """Fingerprint everything the feed depends on, in one aggregate query.

    Cancelled appointments count towards the newest change (a cancellation is a change) but
    not towards the number shown. Patients' `updated_at` is included because titles show
    their names. Overrides have no timestamp of their own: their number and newest id are.
    """
    rows = queries.fetch_fingerprint_rows(source.practitioner_id, window.start, window.end)
    changed = source.link_updated_at
    for row in rows:
        # Overrides' times are not changes (they may lie in the future); the others' are.
        stamps = (
            (row.newest, row.other) if row.kind == 0 else (row.newest,) if row.kind == 1 else ()
        )
        for stamp in stamps:
            if stamp is not None and stamp > changed:
                changed = stamp
    parts = [
        FEED_FORMAT,
        settings.SITE_URL,
        source,
        window.start.isoformat(),
        window.end.isoformat(),
        *rows,
    ]
    fingerprint = hashlib.sha256(repr(parts).encode()).hexdigest()
    return FeedState(fingerprint, f'"{fingerprint[:40]}"', changed.replace(microsecond=0))


def _utc_until(rule: str, zone: ZoneInfo) -> str:
    """RFC 5545 wants UNTIL in UTC with a zoned DTSTART; stored rules may have a local one."""
    from carnet.scheduling.recurrence import _parse_until  # the one reading of UNTIL

    match = _UNTIL_RE.search(rule)
    if match is None or match.group(2).upper().endswith("Z"):
        return rule
    until = _parse_until(match.group(2), zone).astimezone(UTC)
    stamp = until.strftime("%Y%m%dT%H%M%SZ")
    return rule[: match.start(2)] + stamp + rule[match.end(2) :]


def _appointments(source: FeedSource, window: Window, now: datetime) -> list[FeedAppointment]:
    choice, base = source.title_choice, f"{settings.SITE_URL}/app/{source.practice_slug}"
    # More than this many events never fit in the byte budget: do not even read them.
    most = MAX_BYTES // smallest_appointment_bytes(f"{base}/appointments/{UUID(int=0)}/") + 1
    rows = queries.fetch_appointments(
        source.practitioner_id, window.start, window.end, around=now, limit=most
    )
    generic = _("Appointment")
    titles: dict[tuple[str, str], str] = {}  # a patient comes back many times in a year
    result = []
    for row in rows:
        name = (row.first_name, row.last_name)
        summary = titles.get(name)
        if summary is None:
            summary = titles[name] = appointment_title(choice, *name, generic)
        result.append(
            FeedAppointment(
                uid=row.public_id,
                start=row.start,
                end=row.end,
                summary=summary,
                url=f"{base}/appointments/{row.public_id}/",
                sequence=row.sequence,
                # A renamed patient changes the title: clients must see the event as changed.
                last_modified=max(row.updated_at, row.patient_updated_at),
            )
        )
    return result


_PERSONAL_EVENT_FIELDS = (
    *("pk", "public_id", "title", "start", "end", "time_zone", "rrule", "exdates"),
    *("sequence", "updated_at"),
)


def _personal_events(source: FeedSource, window: Window) -> list[FeedPersonalEvent]:
    # A practitioner has tens of these, not thousands: the ORM's model instances cost nothing.
    events = list(
        PersonalEvent.objects.filter(_events_in(window), practitioner_id=source.practitioner_id)
        .order_by("start", "pk")
        .only(*_PERSONAL_EVENT_FIELDS)
    )
    changed: dict[int, list[PersonalEventOverride]] = {}
    recurring = [event.pk for event in events if event.rrule]
    if recurring:
        for override in PersonalEventOverride.objects.filter(event_id__in=recurring).only(
            "event_id", "recurrence_id", "start", "end", "cancelled"
        ):
            changed.setdefault(override.event_id, []).append(override)
    busy = _("Busy")
    result = []
    for event in events:
        pk, public_id, start, end, rule = (
            event.pk,
            event.public_id,
            event.start,
            event.end,
            event.rrule,
        )
        sequence, updated = event.sequence, event.updated_at
        try:
            zone = ZoneInfo(event.time_zone)
            summary = personal_event_title(source.personal_choice, event.title, busy)
            if not rule:
                result.append(
                    FeedPersonalEvent(
                        uid=str(public_id),
                        summary=summary,
                        start=start,
                        end=end,
                        zone=zone,
                        sequence=sequence,
                        last_modified=updated,
                    )
                )
                continue
            # Stored EXDATEs are read leniently: an unreadable one is left out (that occurrence
            # shows as busy), never a 500 for the whole feed.
            excluded, unreadable = read_exdates(event.exdates, zone)
            if unreadable:
                logger.warning("feed: %d unreadable EXDATEs of personal event %s", unreadable, pk)
            overrides = tuple(
                FeedOccurrenceOverride(o.recurrence_id, o.start, o.end, o.cancelled)
                for o in changed.get(pk, ())
                # An excluded occurrence stays excluded.
                if o.cancelled or o.recurrence_id not in excluded
            )
            series = RecurringEvent(
                start=start,
                end=end,
                zone=zone,
                rrule=rule,
                exdates=excluded,
                overrides=tuple(
                    Override(o.recurrence_id, o.start, o.end, o.cancelled) for o in overrides
                ),
            )
            if not occurrences(series, window.start, window.end):
                continue  # the series ended before the window, or every occurrence is gone
            result.append(
                FeedPersonalEvent(
                    uid=str(public_id),
                    summary=summary,
                    start=start,
                    end=end,
                    zone=zone,
                    rrule=_utc_until(rule, zone),
                    exdates=excluded,
                    overrides=overrides,
                    sequence=sequence,
                    last_modified=updated,
                )
            )
        except (ValueError, KeyError) as error:
            # One unreadable event must not take the whole agenda out of the calendar.
            logger.warning("feed: personal event %s left out: %s", pk, error)
    return result


def build_feed(source: FeedSource, window: Window) -> bytes:
    """The feed's bytes, in the language of the practitioner (or else of the practice)."""
    # The start of today in the practice's zone, not the clock: the same data and window give
    # the same bytes (and ETag) all day long.
    now = window.start + timedelta(days=DAYS_BACK)
    with translation.override(source.language):
        calendar = FeedCalendar(
            name=_("%(name)s – Carnet") % {"name": source.practitioner_name},
            refresh=timedelta(minutes=source.refresh_minutes),
            appointments=_appointments(source, window, now),
            personal_events=_personal_events(source, window),
            description_label=_("Open in Carnet: {url}"),
            max_bytes=MAX_BYTES,
            now=now,
        )
    return render_feed(calendar)
