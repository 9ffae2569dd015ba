"""The feed's three hot statements, in SQL written once, for SQLite and PostgreSQL alike.

A calendar client polls every few minutes and most answers are 304, so the path to a 304
must cost little: building these through the ORM took longer than running them (the
aggregate is one index range scan). They are plain SQL over the models' own table and column
names, return plain tuples, and convert date-times themselves (`fromisoformat` on SQLite's
text is several times faster than the ORM's converters over thousands of rows).

Everything else in the feed uses the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
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

__all__ = ["aware", "fetch_appointments", "fetch_fingerprint_rows", "fetch_source"]


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


def _param(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


# The statements below format in only identifiers, from the models' _meta and quoted by the
# database backend; every value is a query parameter (hence the S608 exemptions).
def _run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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


def fetch_source(token_hash: str) -> tuple[Any, ...] | None:
    """(link id, link updated_at, title choice, personal choice, practitioner id, name,
    horizon days, practice slug, zone, refresh minutes, practice language, user language,
    practice id)."""
    rows = _run(_source_sql(), [token_hash, True, True])
    if not rows:
        return None
    row = list(rows[0])
    row[1] = aware(row[1])
    return tuple(row)


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
) -> list[tuple[Any, ...]]:
    """Three rows (kind 0 appointments, 1 personal events, 2 overrides):
    (kind, count, sum or max id, newest change, newest other time), date-times aware."""
    s, e = _param(start), _param(end)
    rows = _run(
        _fingerprint_sql(),
        [AppointmentStatus.CANCELLED.value, practitioner_id, s, e] + [practitioner_id, e, s] * 2,
    )
    return sorted((k, n, m, aware(a), aware(b)) for k, n, m, a, b in rows)


@cache
def _appointments_sql() -> str:
    ap, pa = Appointment, Patient
    return (
        f"SELECT a.{_c(ap, 'public_id')}, a.{_c(ap, 'start')}, a.{_c(ap, 'end')},"  # noqa: S608
        f" a.{_c(ap, 'sequence')}, a.{_c(ap, 'updated_at')}, n.{_c(pa, 'updated_at')},"
        f" n.{_c(pa, 'first_name')}, n.{_c(pa, 'last_name')}"
        f" FROM {_t(ap)} a INNER JOIN {_t(pa)} n ON n.{_c(pa, 'id')} = a.{_c(ap, 'patient')}"
        f" WHERE a.{_c(ap, 'practitioner')} = %s"
        f" AND a.{_c(ap, 'start')} >= %s AND a.{_c(ap, 'start')} < %s"
        f" AND a.{_c(ap, 'status')} <> %s"
        f" ORDER BY a.{_c(ap, 'start')}, a.{_c(ap, 'id')}"
    )


def fetch_appointments(
    practitioner_id: int, start: datetime, end: datetime
) -> list[tuple[Any, ...]]:
    """Rows of (public_id as text or UUID, start, end, sequence, updated_at, patient's
    updated_at, first name, last name), date-times left raw: convert them with `aware`."""
    params = [practitioner_id, _param(start), _param(end), AppointmentStatus.CANCELLED.value]
    return _run(_appointments_sql(), params)
