"""What every scheduling door checks about the values it is handed, before any lock is taken.

The doors (`booking`, `personal_events`) are called by forms, the API and calendar sync, so they
cannot trust their callers: a wall time that does not exist (inside a clock change), a date so far
out that adding a duration overflows, a NUL byte that PostgreSQL refuses to store, a megabyte of
notes, an id that is not a number. Each is refused here with a `BookingError` whose sentence can be
shown to the person who typed it, never a ValueError, an OverflowError or a database error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from carnet.practices.models import Practice
from carnet.practices.timezones import validate_time_zone
from carnet.scheduling.agenda import LONGEST_RANGE
from carnet.scheduling.errors import InvalidRange, InvalidValue, WrongPractice
from carnet.scheduling.models import AppointmentType

# Far enough for any real agenda, near enough that adding a year and the buffers never overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
# Private notes are a few paragraphs, not a document store.
NOTES_MAX_LENGTH = 10_000
# PostgreSQL's bigint: larger "ids" are refused before they reach a query.
_LARGEST_ID = 2**63 - 1


def aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def exists(moment: datetime) -> bool:
    """False for a wall time skipped by a clock change (02:30 on the last Sunday of March in
    Paris): zoneinfo would silently read it as another instant, which nobody asked for."""
    zone = moment.tzinfo
    if not isinstance(zone, ZoneInfo):
        return True  # UTC or a fixed offset: every wall time exists
    back = moment.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def checked_instant(moment: Any) -> datetime:
    """An aware, existing, reasonably dated instant, in UTC."""
    if not isinstance(moment, datetime) or not aware(moment):
        raise InvalidRange("naive")
    try:
        if not exists(moment):
            raise InvalidRange("nonexistent")
        utc = moment.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidRange("out_of_bounds") from exc
    if not EARLIEST <= utc < LATEST:
        raise InvalidRange("out_of_bounds")
    return utc


def checked_range(
    start: Any, end: Any | None, default_length: timedelta
) -> tuple[datetime, datetime]:
    """[start, end) in UTC: both aware and existing, end after start, at most `LONGEST_RANGE`.

    A missing `end` is `start + default_length`.
    """
    start = checked_instant(start)
    end = start + default_length if end is None else checked_instant(end)
    if end <= start:
        raise InvalidRange("inverted")
    if end - start > LONGEST_RANGE:
        raise InvalidRange("too_long")
    return start, end


def checked_text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    """Text that can be stored as given: a string, at most `limit` characters, no NUL."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidValue(field, "required" if required else "null_character")
    if "\x00" in value:
        raise InvalidValue(field, "null_character")
    if len(value) > limit:
        raise InvalidValue(field, "too_long", limit=limit)
    if required and not value.strip():
        raise InvalidValue(field, "required")
    return value


def checked_choice(value: Any, field: str, choices: list[str]) -> str:
    if value not in choices:
        raise InvalidValue(field, field)
    return str(value)


def checked_time_zone(name: Any) -> str:
    try:
        validate_time_zone(name)
    except (ValidationError, TypeError) as exc:
        raise InvalidValue("time_zone", "time_zone") from exc
    return str(name)


def as_id(value: Any) -> int | None:
    """A positive database id from an int or a numeric string, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= _LARGEST_ID else None


def resolve_id(model: Any, practice: Practice, value: Any, field: str) -> int:
    """The id of a row of `practice`, given the row itself or its id."""
    if isinstance(value, model):
        if value.practice_id != practice.pk:
            raise WrongPractice(field)
        return int(value.pk)
    pk = as_id(value)
    if pk is None or not model.objects.filter(practice_id=practice.pk, pk=pk).exists():
        raise WrongPractice(field)
    return pk


def resolve_type(practice: Practice, value: AppointmentType | int) -> AppointmentType:
    if isinstance(value, AppointmentType):
        if value.practice_id != practice.pk:
            raise WrongPractice("appointment_type")
        return value
    pk = as_id(value)
    found = (
        AppointmentType.objects.filter(practice_id=practice.pk, pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise WrongPractice("appointment_type")
    return found


def user(actor: Any) -> Any:
    """The account to record as author: only a signed-in user, never an anonymous one."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
