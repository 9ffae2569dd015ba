"""The feed's three hot statements, in SQL written once, for SQLite and PostgreSQL alike.

A calendar client polls every few minutes and most answers are 304, so the path to a 304
must cost little: building these through the ORM took longer than running them (the
aggregate is one index range scan). They are plain SQL over the models' own table and column
names, and each maps its rows to a small frozen dataclass defined right above it, converting
date-times itself (`fromisoformat` on SQLite's text is several times faster than the ORM's
converters over thousands of rows).

Everything else in the feed uses the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model

from carnet.accounts.models import User
from carnet.feeds.models import FeedLink
from carnet.patients.models import Patient
from carnet.practices.models import Practice
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    PersonalEvent,
    PersonalEventOverride,
    Practitioner,
)

__all__ = [
    "AppointmentRow",
    "FingerprintRow",
    "SourceRow",
    "aware",
    "fetch_appointments",
    "fetch_fingerprint_rows",
    "fetch_source",
]


def _t(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _c(model: type[Model], field: str) -> str:
    column = model._meta.get_field(field).column  # type: ignore[union-attr]
    return connection.ops.quote_name(str(column))


def aware(value: Any) -> Any:
    """A date-time column as an aware datetime; None stays None.

    SQLite gives naive UTC datetimes for plain columns and text for aggregates of them.
    """
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _uuid_text(value: Any) -> str:
    """A UUID column in canonical text: PostgreSQL gives a UUID, SQLite 32 hex digits."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def _param(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


# The statements below format in only identifiers, from the models' _meta and quoted by the
# database backend; every value is a query parameter (hence the S608 exemptions).
def _run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True, slots=True)
class SourceRow:
    """An enabled link of an active practitioner, with what the feed needs to know of them."""

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
    practice_language: str
    user_language: str | None  # None when the practitioner has no login
    practice_id: int


@cache
def _source_sql() -> str:
    lk, pr, pc, us = FeedLink, Practitioner, Practice, User
    return (
        f"SELECT l.{_c(lk, 'id')}, l.{_c(lk, 'updated_at')}, l.{_c(lk, 'title_choice')},"  # noqa: S608
        f" l.{_c(lk, 'personal_choice')}, p.{_c(pr, 'id')}, p.{_c(pr, 'display_name')},"
        f" p.{_c(pr, 'booking_horizon_days')}, r.{_c(pc, 'slug')}, r.{_c(pc, 'time_zone')},"
        f" r.{_c(pc, 'feed_refresh_minutes')}, r.{_c(pc, 'language')}, u.{_c(us, 'language')},"
        f" r.{_c(pc, 'id')}"
        f" FROM {_t(lk)} l"
        f" INNER JOIN {_t(pr)} p ON p.{_c(pr, 'id')} = l.{_c(lk, 'practitioner')}"
        f" INNER JOIN {_t(pc)} r ON r.{_c(pc, 'id')} = p.{_c(pr, 'practice')}"
        f" LEFT JOIN {_t(us)} u ON u.{_c(us, 'id')} = p.{_c(pr, 'user')}"
        f" WHERE l.{_c(lk, 'token_hash')} = %s AND l.{_c(lk, 'enabled')} = %s"
        f" AND p.{_c(pr, 'is_active')} = %s"
    )


def fetch_source(token_hash: str) -> SourceRow | None:
    """The enabled link with this token hash, of an active practitioner, or None."""
    rows = _run(_source_sql(), [token_hash, True, True])
    if not rows:
        return None
    (link, updated, title, personal, pid, name, horizon, slug, zone, refresh, lang, own, pc) = rows[
        0
    ]
    return SourceRow(
        link,
        aware(updated),
        title,
        personal,
        pid,
        name,
        horizon,
        slug,
        zone,
        refresh,
        lang,
        own,
        pc,
    )


@dataclass(frozen=True, slots=True)
class FingerprintRow:
    """One of the aggregate's three rows; what `total`, `newest` and `other` are depends on
    `kind`: 0 appointments (sum of sequences, newest update, patients' newest update),
    1 personal events (sum of sequences, newest update, latest end), 2 overrides (highest
    id, latest recurrence id, latest start)."""

    kind: int
    count: int
    total: int | None
    newest: datetime | None
    other: datetime | None


@cache
def _fingerprint_sql() -> str:
    ap, pa, ev, ov = Appointment, Patient, PersonalEvent, PersonalEventOverride
    events_in = (
        f"e.{_c(ev, 'practitioner')} = %s AND e.{_c(ev, 'start')} < %s"
        f" AND (e.{_c(ev, 'rrule')} <> '' OR e.{_c(ev, 'end')} > %s)"
    )
    return (
        # Appointments starting in the window, cancelled ones included: a cancellation is
        # a change (newest updated_at) though the count shown leaves it out.
        f"SELECT 0, COUNT(CASE WHEN a.{_c(ap, 'status')} <> %s THEN 1 END),"  # noqa: S608
        f" SUM(a.{_c(ap, 'sequence')}), MAX(a.{_c(ap, 'updated_at')}),"
        f" MAX(n.{_c(pa, 'updated_at')})"
        f" FROM {_t(ap)} a INNER JOIN {_t(pa)} n ON n.{_c(pa, 'id')} = a.{_c(ap, 'patient')}"
        f" WHERE a.{_c(ap, 'practitioner')} = %s"
        f" AND a.{_c(ap, 'start')} >= %s AND a.{_c(ap, 'start')} < %s"
        f" UNION ALL SELECT 1, COUNT(*), SUM(e.{_c(ev, 'sequence')}),"
        f" MAX(e.{_c(ev, 'updated_at')}), MAX(e.{_c(ev, 'end')})"
        f" FROM {_t(ev)} e WHERE {events_in}"
        # Overrides have no timestamp: their number, newest id and times stand for it.
        f" UNION ALL SELECT 2, COUNT(*), MAX(o.{_c(ov, 'id')}),"
        f" MAX(o.{_c(ov, 'recurrence_id')}), MAX(o.{_c(ov, 'start')})"
        f" FROM {_t(ov)} o INNER JOIN {_t(ev)} e ON e.{_c(ev, 'id')} = o.{_c(ov, 'event')}"
        f" WHERE {events_in} AND e.{_c(ev, 'rrule')} <> ''"
    )


def fetch_fingerprint_rows(
    practitioner_id: int, start: datetime, end: datetime
) -> list[FingerprintRow]:
    """The three rows, by kind, date-times aware."""
    s, e = _param(start), _param(end)
    rows = _run(
        _fingerprint_sql(),
        [AppointmentStatus.CANCELLED.value, practitioner_id, s, e] + [practitioner_id, e, s] * 2,
    )
    return sorted(
        (FingerprintRow(k, n, m, aware(a), aware(b)) for k, n, m, a, b in rows),
        key=lambda row: row.kind,
    )


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    """An appointment as the feed shows it: when, its version, and its patient's name."""

    public_id: str
    start: datetime
    end: datetime
    sequence: int
    updated_at: datetime
    patient_updated_at: datetime
    first_name: str
    last_name: str


@cache
def _appointments_sql(ahead: bool) -> str:
    """From `around` onwards (ahead) or backwards from it, nearest first, at most `limit`."""
    ap, pa = Appointment, Patient
    order = "" if ahead else " DESC"
    return (
        f"SELECT a.{_c(ap, 'public_id')}, a.{_c(ap, 'start')}, a.{_c(ap, 'end')},"  # noqa: S608
        f" a.{_c(ap, 'sequence')}, a.{_c(ap, 'updated_at')}, n.{_c(pa, 'updated_at')},"
        f" n.{_c(pa, 'first_name')}, n.{_c(pa, 'last_name')}"
        f" FROM {_t(ap)} a INNER JOIN {_t(pa)} n ON n.{_c(pa, 'id')} = a.{_c(ap, 'patient')}"
        f" WHERE a.{_c(ap, 'practitioner')} = %s"
        f" AND a.{_c(ap, 'start')} >= %s AND a.{_c(ap, 'start')} < %s"
        f" AND a.{_c(ap, 'status')} <> %s"
        f" ORDER BY a.{_c(ap, 'start')}{order}, a.{_c(ap, 'id')}{order} LIMIT %s"
    )


def fetch_appointments(
    practitioner_id: int, start: datetime, end: datetime, around: datetime, limit: int
) -> list[AppointmentRow]:
    """Appointments starting in [start, end), cancelled ones left out, by start; of them only
    the `limit` nearest after `around` and the `limit` nearest before it.

    A feed has a byte budget that no more than `limit` events fit in: the events farther
    away in either direction could never be shown, so they are not read (12,000 rows would
    cost more than the rest of the feed).
    """
    cancelled = AppointmentStatus.CANCELLED.value
    moment = _param(around)
    before = _run(
        _appointments_sql(ahead=False),
        [practitioner_id, _param(start), moment, cancelled, limit],
    )
    after = _run(
        _appointments_sql(ahead=True), [practitioner_id, moment, _param(end), cancelled, limit]
    )
    return [
        AppointmentRow(_uuid_text(uid), aware(a), aware(b), seq, aware(c), aware(d), first, last)
        for uid, a, b, seq, c, d, first, last in [*reversed(before), *after]
    ]
