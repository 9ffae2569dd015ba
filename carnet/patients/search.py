"""Finding a patient from one search box: a name, a phone number or an email address.

What was typed decides which column is searched, so every search is a prefix or exact match
on one or two columns of the current practice, never a `LIKE '%...%'` over every column:

- something with an "@": the email, case-insensitive prefix (`istartswith`);
- mostly digits (spaces, dots, dashes, brackets and "+" allowed): the mobile, stored in E.164.
  A complete number ("06 12 34 56 78") is normalised like the form does and matched exactly;
  a partial one ("06 12") becomes an E.164 prefix ("+33612") in the default region;
- anything else: names. One word is a prefix of the last or of the first name; two words or
  more are "first last" or "last first" (each word a prefix of its column).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from carnet.patients.models import Patient
from carnet.patients.phones import normalize_mobile

PHONE_TEXT = re.compile(r"^\+?[\d\s().\-/]+$")
# The country code of the default region `normalize_mobile` assumes (France).
DEFAULT_COUNTRY_CODE = "33"


def search_patients(patients: QuerySet[Patient], text: str) -> QuerySet[Patient]:
    """The patients of `patients` that match what was typed (all of them for an empty box)."""
    text = " ".join(text.split())
    if not text:
        return patients
    if "@" in text:
        return patients.filter(email__istartswith=text)
    if PHONE_TEXT.match(text) and sum(c.isdigit() for c in text) >= 2:
        return patients.filter(mobile_query(text))
    return patients.filter(name_query(text.split(" ")))


def mobile_query(text: str) -> Q:
    try:
        number = normalize_mobile(text)
    except ValidationError:
        number = ""
    if number:
        return Q(mobile=number)
    return Q(mobile__startswith=e164_prefix(text))


def e164_prefix(text: str) -> str:
    """A partial number as the start of an E.164 number: "06 12" -> "+33612", "+4475" kept."""
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+" + DEFAULT_COUNTRY_CODE + digits[1:]
    return "+" + DEFAULT_COUNTRY_CODE + digits


def name_query(words: list[str]) -> Q:
    if len(words) == 1:
        return Q(last_name__istartswith=words[0]) | Q(first_name__istartswith=words[0])
    # "Marie Fontaine" or "Fontaine Marie"; compound names ("Jean Pierre Martin") split anywhere.
    query = Q(pk__in=[])
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        query |= Q(first_name__istartswith=head, last_name__istartswith=tail)
        query |= Q(last_name__istartswith=head, first_name__istartswith=tail)
    return query
