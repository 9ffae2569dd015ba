"""Every account page is a Carnet page in the visitor's language, and so are its messages.

The leftover check needs no list of English words: a sentence that reads the same on the English
page and on the French (or Spanish) page was not translated.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.test import Client

from carnet.accounts.models import User
from carnet.practices.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
# Words that are the same in every language: the brand, the language buttons, a user's address.
SAME_EVERYWHERE = {"Carnet", "FR", "ES", "EN", "claire@example.org", "newcomer@example.org"}


class VisibleText(HTMLParser):
    """The text a reader sees in the page's title and its <main> (the account pages' own part;
    the header is the layout's): text nodes and placeholders, scripts left out."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._inside = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"main", "title"}:
            self._inside += 1
        if tag in {"script", "style"}:
            self._skip += 1
        if self._inside:
            for name, value in attrs:
                if name in {"placeholder", "title", "aria-label"} and value:
                    self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in {"main", "title"}:
            self._inside -= 1
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and self._inside and not self._skip:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [text for text in parser.texts if any(c.isalpha() for c in text)]


def claire() -> User:
    return factories.user("claire@example.org", password=PASSWORD)


def visitor(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def logged_in(language: str) -> Client:
    account = claire()
    account.language = language
    account.save()
    client = visitor(language)
    client.force_login(account)
    return client


def reset_from_key(language: str) -> Client:
    account = claire()
    key = default_token_generator.make_token(account)
    client = visitor(language)
    client.get(f"/accounts/password/reset/key/{user_pk_to_url_str(account)}-{key}/")
    return client


def set_password_path() -> str:
    """Where the emailed reset link leads once allauth has put its key in the session."""
    account = User.objects.get(email="claire@example.org")
    return f"/accounts/password/reset/key/{user_pk_to_url_str(account)}-set-password/"


def confirm_email_path() -> str:
    account = factories.user("newcomer@example.org", password=PASSWORD)
    EmailAddress.objects.filter(user=account).update(verified=False)  # as after a sign-up
    address = EmailAddress.objects.get(user=account)
    return f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"


# (name, how to get a client in a language, the path to open, given the client's set-up)
PAGES: list[tuple[str, Callable[[str], Client], Callable[[], str]]] = [
    ("login", visitor, lambda: "/accounts/login/"),
    ("signup", visitor, lambda: "/accounts/signup/"),
    ("password reset", visitor, lambda: "/accounts/password/reset/"),
    ("password reset done", visitor, lambda: "/accounts/password/reset/done/"),
    ("reset from key", reset_from_key, lambda: set_password_path()),
    ("reset from key done", visitor, lambda: "/accounts/password/reset/key/done/"),
    ("verification sent", visitor, lambda: "/accounts/confirm-email/"),
    ("confirm email", visitor, confirm_email_path),
    ("logout", logged_in, lambda: "/accounts/logout/"),
    ("change password", logged_in, lambda: "/accounts/password/change/"),
    ("email addresses", logged_in, lambda: "/accounts/email/"),
    ("inactive account", visitor, lambda: "/accounts/inactive/"),
]


def open_page(
    make_client: Callable[[str], Client], path: Callable[[], str], language: str
) -> tuple[int, str]:
    client = make_client(language)
    response = client.get(path())
    return response.status_code, response.text


@pytest.mark.parametrize(("name", "make_client", "path"), PAGES, ids=[page[0] for page in PAGES])
def test_account_page_is_inside_carnets_layout_in_every_language(
    name: str, make_client: Callable[[str], Client], path: Callable[[], str]
) -> None:
    pages = {}
    for language in ("en", "fr", "es"):
        User.objects.all().delete()
        status, html = open_page(make_client, path, language)
        assert status == 200, f"{name} in {language}: {status}"
        assert f'<html lang="{language}">' in html
        assert 'class="topbar"' in html, f"{name} is not inside Carnet's layout"
        assert '<button name="lang" value="es"' in html, f"{name} has no language switch"
        assert "Menu:" not in html
        assert "Carnet</title>" in html
        pages[language] = visible_texts(html)
    english = set(pages["en"]) - SAME_EVERYWHERE
    for language in ("fr", "es"):
        leftovers = [text for text in pages[language] if text in english]
        assert leftovers == [], f"English left on the {language} {name} page: {leftovers}"


def test_login_message_is_in_the_language_of_the_page_that_shows_it() -> None:
    """Logging in from an English browser into a French practice: the agenda and its message
    are French (the message used to be rendered in the login form's language)."""
    practice = factories.practice(language="fr")
    account = factories.member(practice, Role.PRACTITIONER, email="claire@example.org")
    account.set_password(PASSWORD)
    account.save()
    client = visitor("en")
    response = client.post(
        "/accounts/login/", {"login": "claire@example.org", "password": PASSWORD}, follow=True
    )
    assert response["Content-Language"] == "fr"
    assert "Connexion avec claire@example.org réussie." in response.text
    assert "Successfully signed in" not in response.text


def test_logout_message_is_in_the_visitors_language() -> None:
    """The user reads French; once logged out, the page is the browser's Spanish, and so is the
    message."""
    practice = factories.practice(language="fr")
    account = factories.member(practice, Role.PRACTITIONER, email="claire@example.org")
    client = visitor("es")
    client.force_login(account)
    response = client.post("/accounts/logout/", follow=True)
    assert response["Content-Language"] == "es"
    assert "Ha cerrado sesión." in response.text
    assert "Vous êtes déconnecté" not in response.text
