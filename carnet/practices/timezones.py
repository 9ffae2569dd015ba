"""Time zones as users pick them: IANA names only, checked against the system's zoneinfo."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def validate_time_zone(value: str) -> None:
    """Refuse anything but an IANA zone name ('Europe/Paris'), quoting the value in the error."""
    if value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a known time zone; use a name such as Europe/Paris."),
            code="unknown_time_zone",
            params={"value": value},
        )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("“%(value)s” is not a known time zone."), params={"value": name}
        ) from error
