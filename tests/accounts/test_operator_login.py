"""Operators log into the admin through the ordinary, rate-limited login form."""

from __future__ import annotations

import pytest
from django.test import Client

from carnet.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase for tests"


@pytest.fixture
def operator() -> User:
    return User.objects.create_superuser("ops@example.org", PASSWORD)


def test_the_admins_own_login_form_no_longer_takes_passwords(operator: User) -> None:
    """It used to: 25 wrong passwords, then the right one worked, with no limit."""
    client = Client()
    for _attempt in range(25):
        client.post("/admin/login/", {"username": operator.email, "password": "wrong"})
    response = client.post("/admin/login/", {"username": operator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session


def test_25_wrong_passwords_on_the_way_into_the_admin_end_throttled(operator: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_page = client.get("/admin/", follow=True).redirect_chain[-1][0]
    answers = [
        client.post(login_page, {"login": operator.email, "password": f"guess {n}"}).text
        for n in range(25)
    ]
    assert "Too many failed login attempts" in answers[-1]
    client.post(login_page, {"login": operator.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_an_operator_reaches_the_admin_after_logging_in_through_the_normal_form(
    operator: User,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.get("/admin/", follow=True)
    login_page = response.redirect_chain[-1][0]
    assert login_page.startswith("/accounts/login/")
    response = client.post(login_page, {"login": operator.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Site administration" in response.text


def test_a_member_without_operator_rights_is_told_so_instead_of_looping() -> None:
    member = User.objects.create_user("claire@example.org", PASSWORD)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "not a Carnet operator account" in response.text
    assert len(response.redirect_chain) == 1


def test_the_admin_login_never_sends_anyone_to_another_site() -> None:
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
