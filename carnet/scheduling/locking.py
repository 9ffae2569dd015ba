"""The practitioner lock: why two writers of one practitioner's agenda never interleave.

Both doors (`booking` for appointments, `personal_events` for busy time) open `write_transaction()`
and then lock the practitioner rows they are about to check against, so a booking and a personal
event created at the same moment for the same practitioner run one after the other, and the
second one sees the first.

- PostgreSQL: SELECT ... FOR NO KEY UPDATE of the practitioner's row. It conflicts with itself but
  not with the key-share locks that foreign-key checks take, so rows of other tables that refer to
  the practitioner are not held up. Several rows are locked in id order: no deadlock.
- SQLite: no row locks, and none needed: settings open every transaction with BEGIN IMMEDIATE,
  which takes the database's write lock before the first read. `write_transaction` refuses to run
  with any other mode.

The exclusion constraint `appointment_no_overlap` (PostgreSQL, migration 0002) stands behind the
lock for appointments written by anything else; its violation is reported as `SlotTaken`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Concatenate

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django_scopes import scope

from carnet.practices.models import Practice
from carnet.scheduling.errors import SlotTaken, WrongPractice
from carnet.scheduling.models import AppointmentType, Practitioner

NO_OVERLAP_CONSTRAINT = "appointment_no_overlap"
_EXCLUSION_VIOLATION = "23P01"


def practice_door[**P, R](
    service: Callable[Concatenate[Practice, P], R],
) -> Callable[Concatenate[Practice, P], R]:
    """Run a door's service inside the scope of the practice it is given (django-scopes).

    The doors are called from requests (already scoped), jobs and commands (unscoped on purpose);
    every query they make names the practice anyway, and this makes any that would not raise.
    """

    @functools.wraps(service)
    def run(practice: Practice, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with scope(practice=practice):
            return service(practice, *args, **kwargs)

    return run


@contextmanager
def write_transaction() -> Iterator[None]:
    """A transaction that already holds the right to write when the first check reads.

    Inside a caller's `atomic()` block this joins it: on SQLite the outer block took the write
    lock at its BEGIN, which is just as good; code that turned autocommit off by hand would not
    be, and must not call the doors.
    """
    connection = transaction.get_connection()
    if connection.vendor == "sqlite":
        mode = connection.settings_dict.get("OPTIONS", {}).get("transaction_mode")
        if mode != "IMMEDIATE":
            raise ImproperlyConfigured(
                "Writes to an agenda on SQLite need OPTIONS['transaction_mode'] = 'IMMEDIATE' so "
                "that the checks and the write cannot interleave with another writer."
            )
    with transaction.atomic():
        yield


def raise_if_overlap(exc: IntegrityError) -> None:
    """Turn a violation of the no-overlap exclusion constraint into `SlotTaken`."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if getattr(cause, "sqlstate", None) == _EXCLUSION_VIOLATION or (
        diag is not None and getattr(diag, "constraint_name", None) == NO_OVERLAP_CONSTRAINT
    ):
        raise SlotTaken() from exc


@dataclass(frozen=True, slots=True)
class LockedPractitioner:
    """The practitioner columns a door needs, read under the lock: one row of `_LOCK_SQL`."""

    pk: int
    min_notice_minutes: int
    booking_horizon_days: int
    is_active: bool
    sync_by_default: bool
    default_calendar: str
    offers: bool  # offers the appointment type asked about (False when none was)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> LockedPractitioner:
        pk, notice, horizon, active, sync, calendar, offers = row
        return cls(pk, notice, horizon, bool(active), bool(sync), calendar, bool(offers))


_LOCK_SQL = (
    "SELECT p.id, p.min_notice_minutes, p.booking_horizon_days, p.is_active, "
    "p.sync_by_default, p.default_calendar, "
    "EXISTS (SELECT 1 FROM {offered} o WHERE o.practitioner_id = p.id "
    "AND o.appointmenttype_id = %s) "
    "FROM {practitioner} p WHERE p.practice_id = %s AND {which}{lock}"
)


def lock_practitioners(
    practice: Practice, kind: AppointmentType | None, which: str, *params: Any
) -> list[LockedPractitioner]:
    """Read and lock the practice's practitioner rows matching `which` (SQL over `p`), id order.

    Plain SQL: this runs for every booking (bench/booking.py), where the ORM's query building
    cost more than the query.
    """
    connection = transaction.get_connection()
    lock = " ORDER BY p.id FOR NO KEY UPDATE OF p" if connection.vendor == "postgresql" else ""
    sql = _LOCK_SQL.replace("{which}", which).format(
        offered=AppointmentType.practitioners.through._meta.db_table,
        practitioner=Practitioner._meta.db_table,
        lock=lock,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind.pk if kind is not None else 0, practice.pk, *params])
        rows = cursor.fetchall()
    return sorted((LockedPractitioner.from_row(row) for row in rows), key=lambda row: row.pk)


def lock_practitioner(
    practice: Practice, practitioner_id: int, kind: AppointmentType | None = None
) -> LockedPractitioner:
    """One practitioner of the practice, locked; `WrongPractice` if there is none such."""
    found = lock_practitioners(practice, kind, "p.id = %s", practitioner_id)
    if not found:
        raise WrongPractice("practitioner")
    return found[0]
