"""Getting around the staff pages: the sections with the current one marked, the practice
switcher of members of several practices, and days written in the page's language and the
practice's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from carnet.practices.models import Practice, Role
from tests import factories

SUNDAY = date(2026, 11, 22)


# --- days in words ------------------------------------------------------------------------------


def written(
    value: object, language: str, zone: str = "Europe/Paris", name: str = "long_day"
) -> str:
    template = Template(
        "{% load practice_dates tz %}{% timezone zone %}{{ value|" + name + " }}{% endtimezone %}"
    )
    with translation.override(language):
        return template.render(Context({"value": value, "zone": ZoneInfo(zone)}))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "dimanche 22 novembre"),
        ("es", "domingo, 22 de noviembre"),
        ("en", "Sunday 22 November"),
    ],
)
def test_a_day_reads_naturally_in_each_language(language: str, expected: str) -> None:
    assert written(SUNDAY, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "dimanche 22 novembre 2026"),
        ("es", "domingo, 22 de noviembre de 2026"),
        ("en", "Sunday 22 November 2026"),
    ],
)
def test_a_date_with_its_year_in_each_language(language: str, expected: str) -> None:
    assert written(SUNDAY, language, name="long_date") == expected


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        # 22:30 UTC on the night summer time ends in Paris (UTC+1 from 01:00 UTC): still Sunday.
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), "Europe/Paris", "dimanche 25 octobre"),
        # The night before, still in summer time (UTC+2): already Sunday in Paris.
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "Europe/Paris", "dimanche 25 octobre"),
        # The night summer time starts (UTC+2 from 01:00 UTC): 22:30 UTC is Monday in Paris.
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), "Europe/Paris", "lundi 30 mars"),
        # New York leaves summer time on 1 November 2026: 03:30 UTC is 22:30 the day before.
        (datetime(2026, 11, 2, 3, 30, tzinfo=UTC), "America/New_York", "dimanche 1 novembre"),
    ],
)
def test_a_moment_is_written_as_the_day_it_is_in_the_practices_zone(
    moment: datetime, zone: str, expected: str
) -> None:
    assert written(moment, "fr", zone) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_every_day_is_written_with_its_number_and_no_leftover_format(day: date) -> None:
    for language in ("fr", "es", "en"):
        text = written(day, language)
        assert f" {day.day} " in f" {text.replace(',', '')} "
        assert "\\" not in text


def test_nothing_is_written_for_no_day() -> None:
    assert written(None, "fr") == ""


# --- the sections and the switcher ----------------------------------------------------------------


@pytest.fixture
def two_practices(db: None) -> tuple[Practice, Practice, Client]:
    lilas = factories.practice("Cabinet des Lilas", language="en")
    roses = factories.practice("Maison de santé des Roses", language="en")
    account = factories.member(lilas, Role.OWNER, email="claire@example.org")
    roses.memberships.create(user=account, role=Role.ASSISTANT)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(account)
    return lilas, roses, client


def test_the_current_section_is_marked(two_practices: tuple[Practice, Practice, Client]) -> None:
    lilas, _roses, client = two_practices
    patients = reverse("workspace:patients", kwargs={"practice_slug": lilas.slug})
    today = reverse("workspace:today", kwargs={"practice_slug": lilas.slug})
    page = client.get(today).content.decode()
    assert f'<a href="{today}" aria-current="page">Today</a>' in page
    assert f'<a href="{patients}">Patients</a>' in page
    new_patient = reverse("workspace:patient_new", kwargs={"practice_slug": lilas.slug})
    page = client.get(new_patient).content.decode()
    assert f'<a href="{patients}" aria-current="page">Patients</a>' in page
    assert f'<a href="{today}">Today</a>' in page


def test_a_member_of_several_practices_can_switch(
    two_practices: tuple[Practice, Practice, Client],
) -> None:
    lilas, roses, client = two_practices
    elsewhere = factories.practice("Someone else's practice")
    factories.member(elsewhere)
    page = client.get(f"/app/{roses.slug}/").content.decode()
    switcher = page.split('<details class="practice-switcher">')[1].split("</details>")[0]
    assert "Maison de santé des Roses</summary>" in switcher
    assert f'<a href="/app/{lilas.slug}/">Cabinet des Lilas</a>' in switcher
    assert f'<a href="/app/{roses.slug}/" aria-current="page">Maison' in switcher
    assert "Someone else" not in switcher  # only the user's own practices


def test_a_member_of_one_practice_sees_its_name_only(db: None) -> None:
    practice = factories.practice("Cabinet des Lilas", language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.member(practice))
    factories.member(factories.practice("Another"))
    page = client.get(f"/app/{practice.slug}/").content.decode()
    assert "practice-switcher" not in page
    assert '<span class="practice-name">Cabinet des Lilas</span>' in page


def test_the_days_headings_are_in_the_members_language(db: None) -> None:
    practice = factories.practice("Clínica", language="es", time_zone="America/Bogota")
    client = Client()
    client.force_login(factories.member(practice))
    page = client.get(f"/app/{practice.slug}/").content.decode()
    today = datetime.now(practice.zone).date()
    with translation.override("es"):
        assert written(today, "es") in page
    assert ", " in written(today, "es") and " de " in written(today, "es")
