"""Who may receive an SMS reminder: a valid mobile number of the practice's own country.

The reminder sweep asks `sms_recipient_problem` before sending and, when it answers, records
the reason on the appointment for staff instead of sending (a landline would bounce at the
gateway and cost money; a foreign number is often not enabled on the sender's account and
always costs more).

A practice's country is not stored yet: `practice_country` derives it from the practice's time
zone (Europe/Paris -> FR, Europe/Madrid and Atlantic/Canary -> ES) with the tz database's
zone.tab; a `country` attribute on the practice, when one is added, wins.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol

import phonenumbers
from django.utils.translation import gettext

from carnet.patients.phones import MOBILE_TYPES


class HasTimeZone(Protocol):
    time_zone: str


@cache
def zone_countries() -> dict[str, str]:
    """IANA zone name -> ISO 3166 country code, from zone.tab (the one-country-per-zone table)."""
    text = ""
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            break
    else:
        try:  # the tzdata package, where the system has no zoneinfo directory
            text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
        except (ModuleNotFoundError, FileNotFoundError):
            text = ""
    countries: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            countries[fields[2]] = fields[0]
    return countries


def country_of_time_zone(time_zone: str) -> str:
    """'FR' for 'Europe/Paris'; '' when the zone names no single country (UTC, Etc/GMT+1)."""
    return zone_countries().get(time_zone, "")


def practice_country(practice: HasTimeZone) -> str:
    """The practice's ISO country code ('FR'): its own `country` if it has one, else its zone's."""
    explicit = getattr(practice, "country", "")
    if isinstance(explicit, str) and explicit:
        return explicit.upper()
    return country_of_time_zone(practice.time_zone)


def sms_recipient_problem(mobile: str, practice_country: str) -> str | None:
    """Why no SMS may be sent to `mobile`, in plain words for staff, or None when it may.

    `mobile` is normally E.164 (what the patient form stores); other forms are read as numbers
    of `practice_country`. An empty `practice_country` (a practice in UTC) skips the country
    rule. The reason is translated into the active language.
    """
    text = (mobile or "").strip()
    if not text:
        return gettext("The patient has no mobile number.")
    region = (practice_country or "").upper() or None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return gettext("The patient's mobile number is not a valid phone number.")
    if not phonenumbers.is_valid_number(number):
        return gettext("The patient's mobile number is not a valid phone number.")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        return gettext("The patient's number is not a mobile number (a landline cannot get SMS).")
    number_country = phonenumbers.region_code_for_number(number) or ""
    if region and number_country != region:
        return gettext(
            "The patient's mobile number is from another country (%(country)s) than the "
            "practice (%(practice_country)s); SMS reminders go to local numbers only."
        ) % {"country": number_country or "?", "practice_country": region}
    return None
