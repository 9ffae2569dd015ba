"""The language follows the user, then the practice, then the browser; fr, es, en complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from carnet.practices.models import Role
from tests import factories

LOCALE = Path(__file__).resolve().parents[2] / "carnet" / "locale"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user_language", "practice_language", "browser", "expected", "heading"),
    [
        ("es", "fr", "en", "es", "Hoy"),
        ("", "es", "en", "es", "Hoy"),
        ("", "fr", "en", "fr", "Aujourd’hui"),
        ("en", "fr", "es", "en", "Today"),
    ],
)
def test_language_follows_user_then_practice(
    user_language: str, practice_language: str, browser: str, expected: str, heading: str
) -> None:
    practice = factories.practice(language=practice_language)
    account = factories.member(practice, Role.PRACTITIONER)
    account.language = user_language
    account.save()
    client = Client(HTTP_ACCEPT_LANGUAGE=browser)
    client.force_login(account)
    response = client.get(f"/app/{practice.slug}/")
    assert response["Content-Language"] == expected
    assert f'<html lang="{expected}">' in response.text
    assert heading in response.text


@pytest.mark.django_db
def test_visitors_get_their_browsers_language() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").get("/accounts/login/")
    assert response["Content-Language"] == "es"
    assert "Iniciar sesión" in response.text


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_message_is_translated(language: str) -> None:
    """No empty or fuzzy entry in the catalogues, and the compiled .mo is committed beside it."""
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = []
    for entry in entries:
        if "#, fuzzy" in entry:
            untranslated.append(entry)
            continue
        if entry.lstrip().startswith("#~"):
            continue  # obsolete entries are kept by makemessages, not shown
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, flags=re.M)
        if not msgstrs or any(not "".join(re.findall(r'"(.*)"', m)) for m in msgstrs):
            untranslated.append(entry)
    assert untranslated == [], f"{len(untranslated)} entries untranslated in {po}"


@pytest.mark.django_db
def test_a_chosen_language_is_kept_in_a_cookie_without_a_session_row() -> None:
    """Clicking the language switch must not write a session row per anonymous visitor."""
    from django.contrib.sessions.models import Session

    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    for _visit in range(3):
        response = client.get("/accounts/login/?lang=es")
        assert response["Content-Language"] == "es"
        assert "Iniciar sesión" in response.text
    assert Session.objects.count() == 0
    assert client.cookies["django_language"].value == "es"
    response = client.get("/accounts/login/")  # the next page, without ?lang=
    assert response["Content-Language"] == "es"
    assert "Iniciar sesión" in response.text
    assert Session.objects.count() == 0


@pytest.mark.django_db
def test_a_chosen_language_wins_over_the_users_own_and_survives_logging_in() -> None:
    practice = factories.practice(language="fr")
    account = factories.member(practice, Role.PRACTITIONER, email="claire@example.org")
    account.set_password("a long pass phrase for tests")
    account.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.get("/accounts/login/?lang=en")
    response = client.post(
        "/accounts/login/",
        {"login": "claire@example.org", "password": "a long pass phrase for tests"},
        follow=True,
    )
    assert response["Content-Language"] == "en"
    assert "Today" in response.text
