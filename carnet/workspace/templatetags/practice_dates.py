"""Days written out in the page's language: "dimanche 22 novembre", "domingo, 22 de noviembre",
"Sunday 22 November".

Django's `date` filter translates the names of days and months but not the words around them:
"l j F" is right in French and English, and reads "domingo 22 noviembre" in Spanish, which
needs "l, j \\d\\e F". The formats are spelled out here per language, not left to translators
of a format string. An aware datetime is first converted to the current time zone, which staff
pages set to the practice's (`{% timezone zone %}`), like the `date` filter does.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import translation
from django.utils.formats import date_format

register = template.Library()

# The day without the year: headings of a day that is near (today, an agenda day).
LONG_DAY = {"fr": "l j F", "es": r"l, j \d\e F", "en": "l j F"}
# With the year: an appointment's date, which may be in another year.
LONG_DATE = {"fr": "l j F Y", "es": r"l, j \d\e F \d\e Y", "en": "l j F Y"}


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _written(value: date | datetime | None, formats: dict[str, str]) -> str:
    if not value:
        return ""
    return date_format(value, formats.get(_language(), formats["en"]))


@register.filter(expects_localtime=True)
def long_day(value: date | datetime | None) -> str:
    """A day in the current language, without its year: "dimanche 22 novembre"."""
    return _written(value, LONG_DAY)


@register.filter(expects_localtime=True)
def long_date(value: date | datetime | None) -> str:
    """A day in the current language, with its year: "domingo, 22 de noviembre de 2026"."""
    return _written(value, LONG_DATE)
