"""Two-factor authentication for staff: an authenticator app set up from the Security page, its
code asked at login, wrong and replayed codes refused under a rate limit, and practices that
require it closed to members without one (pages and API)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from carnet.accounts.models import User
from carnet.practices.models import Practice, Role
from tests import factories
from tests.accounts.authenticator import code_now, set_up_app

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
WRONG = "000000"


@pytest.fixture
def practice() -> Practice:
    return factories.practice("Cabinet des Lilas", language="en")


@pytest.fixture
def claire(practice: Practice) -> User:
    return factories.member(practice, Role.PRACTITIONER, email="claire@example.org")


def log_in(client: Client, email: str = "claire@example.org") -> str:
    """Email and password through the login form; where it sends the browser next."""
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return str(response["Location"])


def confirm_password(client: Client) -> None:
    """allauth asks for the password again before a second factor is added or removed."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content


def enter_code(client: Client, code: str) -> Client:
    return client.post(reverse("mfa_authenticate"), {"code": code})


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_header_links_to_the_security_page(client: Client, claire: User) -> None:
    client.force_login(claire)
    page = client.get("/", follow=True).content.decode()
    assert f'href="{reverse("mfa_index")}"' in page
    assert ">Security<" in page


def test_member_sets_up_an_authenticator_app_and_login_then_asks_for_its_code(
    client: Client, claire: User, practice: Practice
) -> None:
    log_in(client)
    index = client.get(reverse("mfa_index"))
    assert "An authenticator app is not active." in index.content.decode()

    # Adding a second factor asks for the password again, however recent the login.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    confirm_password(client)
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    page = setup.content.decode()
    assert 'class="topbar"' in page and 'class="languages"' in page  # Carnet's layout
    secret = setup.context["form"].secret
    assert f'value="{secret}"' in page  # the secret, for apps that cannot scan the QR code
    assert 'src="data:image/svg+xml;base64,' in page

    refused = client.post(reverse("mfa_activate_totp"), {"code": WRONG})
    assert refused.status_code == 200
    assert "Incorrect code." in refused.content.decode()
    assert not Authenticator.objects.filter(user=claire).exists()

    done = client.post(reverse("mfa_activate_totp"), {"code": code_now(secret)})
    assert done["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=claire, type=Authenticator.Type.TOTP).exists()
    codes = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert 'id="recovery_codes"' in codes

    client.post(reverse("account_logout"))
    # The password alone no longer opens the account: the code is asked for.
    assert log_in(client) == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    ask = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Please enter an authenticator code" in ask
    response = enter_code(client, code_now(secret))
    assert response.status_code == 302
    assert is_logged_in(client)
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == reverse(
        "workspace:today", kwargs={"practice_slug": practice.slug}
    )


def test_wrong_and_replayed_codes_are_refused(client: Client, claire: User) -> None:
    secret = set_up_app(claire)
    log_in(client)
    response = enter_code(client, WRONG)
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not is_logged_in(client)

    code = code_now(secret)
    enter_code(client, code)
    assert is_logged_in(client)

    # The same code a second time (someone who looked over the shoulder) is refused.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    log_in(other)
    replay = enter_code(other, code)
    assert replay.status_code == 200
    assert not is_logged_in(other)


def test_guessing_codes_is_rate_limited_per_account(client: Client, claire: User) -> None:
    secret = set_up_app(claire)
    log_in(client)
    for _attempt in range(5):
        assert "Incorrect code." in enter_code(client, WRONG).content.decode()
    # allauth's "login_failed" limit (ACCOUNT_RATE_LIMITS): now even the right code waits.
    blocked = enter_code(client, code_now(secret))
    assert "Too many failed login attempts" in blocked.content.decode()
    assert not is_logged_in(client)


def test_member_removes_the_authenticator_app(client: Client, claire: User) -> None:
    secret = set_up_app(claire)
    log_in(client)
    enter_code(client, code_now(secret))
    confirm_password(client)
    page = client.get(reverse("mfa_deactivate_totp"))
    assert page.status_code == 200
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"] == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=claire, type=Authenticator.Type.TOTP).exists()
    client.post(reverse("account_logout"))
    assert log_in(client) == "/"  # the password is enough again


# --- a practice that requires it --------------------------------------------------------------


def test_required_two_factor_sends_members_without_it_to_set_it_up(
    client: Client, claire: User, practice: Practice
) -> None:
    practice.require_mfa = True
    practice.save()
    client.force_login(claire)
    today = reverse("workspace:today", kwargs={"practice_slug": practice.slug})
    for url in (today, reverse("workspace:patients", kwargs={"practice_slug": practice.slug})):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # The set-up page asks for the password first, then says why it is there.
    page = client.get(today, follow=True)
    assert page.request["PATH_INFO"] == reverse("account_reauthenticate")
    message = "Cabinet des Lilas requires two-factor authentication for every member"
    assert message in page.content.decode()
    confirm_password(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_required_two_factor_closes_the_api_with_a_clear_answer(
    client: Client, claire: User, practice: Practice
) -> None:
    practice.require_mfa = True
    practice.save()
    client.force_login(claire)
    week = {"start": "2026-11-23T00:00:00+00:00", "end": "2026-11-30T00:00:00+00:00"}
    response = client.get(f"/api/practices/{practice.slug}/appointments", week)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert "requires two-factor authentication" in response.json()["detail"]


def test_members_with_an_app_open_a_practice_that_requires_it(
    client: Client, claire: User, practice: Practice
) -> None:
    practice.require_mfa = True
    practice.save()
    secret = set_up_app(claire)
    log_in(client)
    enter_code(client, code_now(secret))
    today = reverse("workspace:today", kwargs={"practice_slug": practice.slug})
    assert client.get(today).status_code == 200
    listing = f"/api/practices/{practice.slug}/appointments"
    week = {"start": "2026-11-23T00:00:00+00:00", "end": "2026-11-30T00:00:00+00:00"}
    assert client.get(listing, week).json() == []


def test_only_the_practice_that_requires_it_is_closed(
    client: Client, claire: User, practice: Practice
) -> None:
    strict = factories.practice("Clinique stricte", require_mfa=True)
    strict.memberships.create(user=claire, role=Role.ADMIN)
    client.force_login(claire)
    assert client.get(f"/app/{practice.slug}/").status_code == 200
    assert client.get(f"/app/{strict.slug}/")["Location"] == reverse("mfa_activate_totp")
    # Someone else's practice stays a 404, whatever it requires.
    foreign = factories.practice("Ailleurs", require_mfa=True)
    assert client.get(f"/app/{foreign.slug}/").status_code == 404
