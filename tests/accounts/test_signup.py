"""Sign-up does not tell who has an account, and a new account proves its address before use.

Being a patient somewhere is health data: whoever types an address into the sign-up form must
learn nothing about whether that person has an account.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client

from carnet.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase for tests"


def sign_up(email: str) -> tuple[list[tuple[int, str]], str]:
    """Each answer (status, where it sends) and the final page, with the address blanked out."""
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post(
        "/accounts/signup/",
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    hops = [(status, url) for url, status in response.redirect_chain]
    page = response.text.replace(email, "ADDRESS")
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return [(response.status_code, "final"), *hops], page


def test_a_taken_address_is_answered_exactly_like_a_free_one() -> None:
    factories.user("taken@example.org", password="the owner's own password")
    mail.outbox.clear()

    taken_answers, taken_page = sign_up("taken@example.org")
    taken_mail = list(mail.outbox)
    mail.outbox.clear()
    free_answers, free_page = sign_up("free@example.org")
    free_mail = list(mail.outbox)

    assert taken_answers == free_answers
    assert taken_page == free_page
    # Each address receives one email; only its reader learns which kind it is.
    assert [message.to for message in taken_mail] == [["taken@example.org"]]
    assert [message.to for message in free_mail] == [["free@example.org"]]
    # No second account for the taken address, and its owner's password is untouched.
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1
    assert User.objects.get(email="taken@example.org").check_password("the owner's own password")


def test_a_new_account_cannot_log_in_before_verifying_its_address() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "_auth_user_id" not in client.session

    response = client.post("/accounts/login/", {"login": "new@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    assert link is not None
    path = link.group(0).split("testserver", 1)[-1]
    client.post(path)
    client.post("/accounts/login/", {"login": "new@example.org", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(User.objects.get(email="new@example.org").pk)


def test_an_account_an_operator_created_logs_in_without_a_verification_round() -> None:
    """createsuperuser, add_practice, the admin and the demo create accounts for people whose
    address the operator vouches for: they log in straight away."""
    factories.user("operator-made@example.org", password=PASSWORD)
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "operator-made@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" in client.session


def test_an_operator_made_account_still_logs_in_after_a_password_reset_request() -> None:
    """Asking for a reset link (anyone can, for any address) must not demand a verification."""
    factories.user("operator-made@example.org", password=PASSWORD)
    Client().post("/accounts/password/reset/", {"email": "operator-made@example.org"})
    client = Client()
    client.post("/accounts/login/", {"login": "operator-made@example.org", "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_accounts_added_in_the_admin_or_in_bulk_log_in_without_a_verification_round() -> None:
    operator = User.objects.create_superuser("ops@example.org", PASSWORD)
    admin = Client()
    admin.force_login(operator)
    admin.post(
        "/admin/accounts/user/add/",
        {"email": "added@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    User.objects.bulk_create([User(email="seeded@example.org", password=make_password(PASSWORD))])
    for email in ("added@example.org", "seeded@example.org"):
        client = Client()
        client.post("/accounts/login/", {"login": email, "password": PASSWORD})
        assert "_auth_user_id" in client.session, email
