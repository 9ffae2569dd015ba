"""Signing in with a code sent by email: for patients who forgot their password, or never set
one they remember. The code goes to the address only; the page says nothing about who exists."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def ask_for_code(client: Client, email: str) -> object:
    return client.post("/accounts/login/code/", {"email": email}, follow=True)


def test_a_patient_signs_in_with_the_emailed_code_and_lands_on_my_appointments() -> None:
    factories.user("claire@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = ask_for_code(client, "claire@example.org")
    assert page.status_code == 200
    [message] = mail.outbox
    assert message.to == ["claire@example.org"]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, flags=re.M)
    assert code, message.body
    done = client.post(page.redirect_chain[-1][0], {"code": code.group(1)}, follow=True)
    assert done.status_code == 200
    assert done.wsgi_request.user.is_authenticated
    assert done.redirect_chain[-1][0] == "/me/"


def test_asking_for_an_unknown_address_looks_the_same_and_sends_nothing_usable() -> None:
    factories.user("claire@example.org")
    known = ask_for_code(Client(HTTP_ACCEPT_LANGUAGE="en"), "claire@example.org")
    unknown = ask_for_code(Client(HTTP_ACCEPT_LANGUAGE="en"), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert [r[0] for r in known.redirect_chain] == [r[0] for r in unknown.redirect_chain]
    codes = [
        m for m in mail.outbox if re.search(r"^\s*[A-Z0-9]{4}-[A-Z0-9]{4}\s*$", m.body, flags=re.M)
    ]
    assert [m.to for m in codes] == [["claire@example.org"]]


def test_a_wrong_code_does_not_sign_in() -> None:
    factories.user("claire@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = ask_for_code(client, "claire@example.org")
    done = client.post(page.redirect_chain[-1][0], {"code": "AAAA-AAAA"}, follow=True)
    assert not done.wsgi_request.user.is_authenticated
