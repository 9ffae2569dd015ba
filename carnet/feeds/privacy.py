"""What an event's title says once it leaves Carnet through the private ICS feed.

This is the one place that decides it (architecture principle 7). The feed is a URL that
practitioners paste into Google, Apple or Outlook calendars, where it is copied, synced to
phones and sometimes shared, so the title is the only patient data it carries, and how much
of the patient it shows is the practitioner's choice:

- ``TitleChoice.PATIENT_NAME`` (the default in the product): "Jeanne Martin".
- ``TitleChoice.INITIALS``: "J. M.", enough for the practitioner to recognise the patient.
- ``TitleChoice.GENERIC``: a translated label such as "Appointment", nothing about the patient.

The functions take only names on purpose: contact details, notes and the reason for the
visit never reach this module, so they cannot leak from it. Translated labels are passed
in by the caller, which keeps this module free of Django.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

__all__ = [
    "PersonalTitleChoice",
    "TitleChoice",
    "appointment_title",
    "personal_event_title",
]


class TitleChoice(StrEnum):
    """How much of the patient an appointment's title shows in the feed.

    Values are stored in the database, so they must never change.
    """

    PATIENT_NAME = "name"
    INITIALS = "initials"
    GENERIC = "generic"


class PersonalTitleChoice(StrEnum):
    """Whether a practitioner's personal event shows its own title or just "Busy".

    A personal event may say "Oncologist, Dr. X" about the practitioner's own life; some
    practitioners share the feed with a secretary and prefer "Busy".
    """

    BUSY = "busy"
    TITLE = "title"


def _clean(text: str) -> str:
    """Compose accents and collapse runs of whitespace (names typed with stray newlines)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _initial(word: str) -> str:
    """First letter of a word, upper-cased, with a dot; "" if the word has no letter."""
    for char in word:
        if char.isalnum():
            return char.upper() + "."
    return ""


def _initials(name: str) -> str:
    """Initials of a first or last name.

    A hyphenated first part keeps its hyphen as French usage writes it ("Jean-Pierre" gives
    "J.-P."); the other words of the name are dropped so that "Marie Claire" and
    "de la Fontaine" do not reveal their structure ("M.", "D.").
    """
    words = name.split()
    if not words:
        return ""
    parts = [_initial(part) for part in words[0].split("-")]
    return "-".join(part for part in parts if part)


def appointment_title(
    choice: TitleChoice | str,
    first_name: str,
    last_name: str,
    generic_label: str,
) -> str:
    """Return the feed title of an appointment for the practice's privacy choice.

    ``choice`` may be the enum or its stored value. ``generic_label`` is the caller's
    translated "Appointment"; it is also used when the patient has no name at all, so a
    title is never empty. Raises ``ValueError`` for an unknown choice rather than falling
    back to showing the name.
    """
    choice = TitleChoice(choice)
    first, last = _clean(first_name), _clean(last_name)
    if choice is TitleChoice.GENERIC:
        return _clean(generic_label)
    if choice is TitleChoice.INITIALS:
        initials = " ".join(part for part in (_initials(first), _initials(last)) if part)
        return initials or _clean(generic_label)
    full = " ".join(part for part in (first, last) if part)
    return full or _clean(generic_label)


def personal_event_title(choice: PersonalTitleChoice | str, title: str, busy_label: str) -> str:
    """Return the feed title of a practitioner's personal event.

    ``busy_label`` is the caller's translated "Busy"; it is also used for an event without a
    title. Raises ``ValueError`` for an unknown choice.
    """
    choice = PersonalTitleChoice(choice)
    if choice is PersonalTitleChoice.TITLE:
        own = _clean(title)
        if own:
            return own
    return _clean(busy_label)
