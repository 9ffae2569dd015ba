"""The SMS reminder's text: the practice, the date and the time, in one SMS segment.

Nothing about the reason for the visit or the practitioner ever goes in (principle 7: an SMS
is read on lock screens). The text must cost one SMS in every language: 160 GSM-7 places, or
70 as soon as one character is outside GSM-7. The date and time are never cut; the practice
name gives way: first its typographic characters and accents are folded to GSM-7 twins
(curly quotes to straight ones, "Françoise" to "Francoise") when that keeps the message in
GSM-7, then it is shortened with an ellipsis. A translation that is too long still yields one
segment, through a compact fallback.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext

from carnet.notifications.sms.segments import fits_one_segment, gsm_fold, is_gsm

# Numbers only: month and weekday names would bring characters outside GSM-7 (sábado, août).
# The reminder arrives the day before, so the date alone is clear enough.
DATE_FORMATS = {"fr": "%d/%m/%Y", "es": "%d/%m/%Y", "en": "%d/%m/%Y"}
TIME_FORMATS = {"fr": "%Hh%M", "es": "%H:%M", "en": "%H:%M"}

# Used when a translation leaves too little room (or is broken): still one segment, still
# the practice, the date and the time.
COMPACT = "%(practice)s: %(date)s %(time)s"
# Longer than any practice name can be in a single SMS: longer names are cut before measuring.
NAME_LIMIT = 160


def reminder_template() -> str:
    # Translators: one SMS: the whole text must fit 160 GSM-7 characters, so keep it under
    # about 70 characters without the practice name, and use only GSM-7 letters: é è ù ì ò à
    # É Ç ä ö ñ ü are fine; ç ê â î ô û á í ó ú and curly quotes switch the SMS to a 70
    # character limit and cut the practice name short.
    return gettext("Reminder: your appointment at %(practice)s on %(date)s at %(time)s.")


def reminder_template_without_practice() -> str:
    # Translators: one SMS, like "Reminder: your appointment at %(practice)s ...".
    return gettext("Reminder: your appointment on %(date)s at %(time)s.")


def clean_name(name: str) -> str:
    """One line, no control or invisible formatting characters (bidi overrides could disguise
    the text), at most NAME_LIMIT characters."""
    visible = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or not unicodedata.category(char).startswith("C")
    )
    return " ".join(visible.split())[:NAME_LIMIT]


def render(template: str, practice: str, date: str, time: str) -> str | None:
    try:
        return template % {"practice": practice, "date": date, "time": time}
    except (KeyError, ValueError, TypeError):  # a broken translation: use the fallback
        return None


def shortened(name: str, keep: int, gsm: bool) -> str:
    return name[:keep].rstrip() + ("..." if gsm else "…")


def fit_reminder(template: str, practice_name: str, date: str, time: str) -> str:
    """`template` filled in so that the text is one SMS segment, shortening only the name."""
    name = clean_name(practice_name)
    if not name:
        text = render(reminder_template_without_practice(), "", date, time)
        return text if text is not None and fits_one_segment(text) else f"{date} {time}"
    for candidate in (template, COMPACT):
        text = render(candidate, name, date, time)
        if text is None:
            continue
        if fits_one_segment(text):
            return text
        folded = gsm_fold(name)
        folded_text = render(candidate, folded, date, time)
        gsm = folded_text is not None and is_gsm(folded_text)
        if folded_text is not None and gsm and fits_one_segment(folded_text):
            return folded_text
        name_to_cut = folded if gsm else name
        for keep in range(len(name_to_cut) - 1, 0, -1):
            text = render(candidate, shortened(name_to_cut, keep, gsm), date, time)
            if text is not None and fits_one_segment(text):
                return text
    return f"{date} {time}"


def reminder_text(*, practice_name: str, start_local: datetime, language: str) -> str:
    """The SMS reminder in `language` (fr, es, en): practice, date and time, one segment.

    `start_local` is the appointment's start in the practice's (or center's) zone: it is
    printed as is, never converted.
    """
    date = start_local.strftime(DATE_FORMATS.get(language, DATE_FORMATS["en"]))
    time = start_local.strftime(TIME_FORMATS.get(language, TIME_FORMATS["en"]))
    with translation.override(language):
        return fit_reminder(reminder_template(), practice_name, date, time)
