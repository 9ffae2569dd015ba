"""Failed logins are limited per account (strict) and per client address (looser).

One person mistyping, or one attacker behind an office's shared address, must not lock every
colleague out; an account under attack from many addresses is locked; one address trying many
accounts is throttled. The address is REMOTE_ADDR (waitress sets it from the trusted proxy).
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase for tests"
OFFICE = "203.0.113.10"


def log_in(client: Client, email: str, password: str, address: str) -> bool:
    """One login attempt from `address`; True when it opened a session."""
    client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=address)
    return "_auth_user_id" in client.session


def test_failures_on_one_account_do_not_lock_out_colleagues_behind_the_same_address() -> None:
    factories.user("x@example.org", password=PASSWORD)
    factories.user("y@example.org", password=PASSWORD)
    attacker = Client()
    for _attempt in range(15):
        assert not log_in(attacker, "x@example.org", "wrong password", OFFICE)
    assert log_in(Client(), "y@example.org", PASSWORD, OFFICE)


def test_an_account_attacked_from_many_addresses_is_locked() -> None:
    factories.user("x@example.org", password=PASSWORD)
    for attempt in range(5):
        assert not log_in(Client(), "x@example.org", "wrong password", f"198.51.100.{attempt}")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/",
        {"login": "x@example.org", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.99",
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.text


def test_one_address_trying_many_accounts_is_throttled() -> None:
    factories.user("z@example.org", password=PASSWORD)
    attacker = Client()
    for victim in range(30):
        log_in(attacker, f"victim{victim}@example.org", "wrong password", OFFICE)
    assert not log_in(Client(), "z@example.org", PASSWORD, OFFICE)
    assert log_in(Client(), "z@example.org", PASSWORD, "192.0.2.7")


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit() -> None:
    """Only the proxy's own REMOTE_ADDR handling (waitress) may say who the client is."""
    factories.user("z@example.org", password=PASSWORD)
    attacker = Client()
    for victim in range(30):
        attacker.post(
            "/accounts/login/",
            {"login": f"victim{victim}@example.org", "password": "wrong password"},
            REMOTE_ADDR=OFFICE,
            HTTP_X_FORWARDED_FOR=f"10.9.8.{victim}",
        )
    client = Client()
    client.post(
        "/accounts/login/",
        {"login": "z@example.org", "password": PASSWORD},
        REMOTE_ADDR=OFFICE,
        HTTP_X_FORWARDED_FOR="10.9.8.200",
    )
    assert "_auth_user_id" not in client.session
