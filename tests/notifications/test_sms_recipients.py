"""Who may get an SMS reminder: a valid mobile of the practice's country; why not, otherwise."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.notifications.sms import practice_country, sms_recipient_problem
from carnet.notifications.sms.recipients import country_of_time_zone

FRENCH_MOBILE = "+33612345678"
FRENCH_LANDLINE = "+33142685300"
SPANISH_MOBILE = "+34612345678"
SPANISH_LANDLINE = "+34912345678"


@pytest.mark.parametrize(
    ("mobile", "country"),
    [(FRENCH_MOBILE, "FR"), (SPANISH_MOBILE, "ES"), ("06 12 34 56 78", "FR")],
)
def test_a_local_mobile_may_receive_sms(mobile: str, country: str) -> None:
    assert sms_recipient_problem(mobile, country) is None


@pytest.mark.parametrize(
    ("mobile", "country", "reason"),
    [
        ("", "FR", "The patient has no mobile number."),
        ("   ", "FR", "The patient has no mobile number."),
        (FRENCH_LANDLINE, "FR", "not a mobile number"),
        (SPANISH_LANDLINE, "ES", "not a mobile number"),
        ("+3361234", "FR", "not a valid phone number"),
        ("not a number", "FR", "not a valid phone number"),
        ("+" + "9" * 300, "FR", "not a valid phone number"),
        ("\x00\ufffd☎", "FR", "not a valid phone number"),
        (SPANISH_MOBILE, "FR", "another country (ES) than the practice (FR)"),
        (FRENCH_MOBILE, "ES", "another country (FR) than the practice (ES)"),
    ],
)
def test_each_number_that_cannot_get_an_sms_has_a_reason(
    mobile: str, country: str, reason: str
) -> None:
    problem = sms_recipient_problem(mobile, country)
    assert problem is not None
    assert reason in problem


def test_a_practice_without_a_country_accepts_any_valid_mobile() -> None:
    assert sms_recipient_problem(SPANISH_MOBILE, "") is None
    assert sms_recipient_problem(FRENCH_LANDLINE, "") is not None


def test_the_reason_is_in_the_staff_language() -> None:
    with translation.override("fr"):
        french = sms_recipient_problem("", "FR")
    with translation.override("en"):
        english = sms_recipient_problem("", "FR")
    assert english == "The patient has no mobile number."
    assert french  # translated by the lead's catalogue; never empty, never an error


@settings(max_examples=200, deadline=None)
@given(mobile=st.text(max_size=60), country=st.sampled_from(["FR", "ES", "BE", "", "XX", "fr"]))
def test_any_input_gets_an_answer_never_an_exception(mobile: str, country: str) -> None:
    problem = sms_recipient_problem(mobile, country)
    assert problem is None or problem.strip()


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Europe/Paris", "FR"),
        ("Europe/Madrid", "ES"),
        ("Atlantic/Canary", "ES"),
        ("Europe/Brussels", "BE"),
        ("America/Montreal", ""),  # a link, not a zone.tab entry: no guess
        ("Indian/Reunion", "RE"),
        ("UTC", ""),
    ],
)
def test_a_practice_country_comes_from_its_time_zone(zone: str, country: str) -> None:
    assert country_of_time_zone(zone) == country
    assert practice_country(SimpleNamespace(time_zone=zone)) == country


def test_an_explicit_country_wins_over_the_time_zone() -> None:
    practice = SimpleNamespace(time_zone="Europe/Paris", country="mc")
    assert practice_country(practice) == "MC"
