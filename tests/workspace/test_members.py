"""Members of a practice: inviting by email, accepting, roles, links and removal.

Invitations travel through Django's mail machinery (the locmem outbox) and are accepted through
allauth's real sign-up and login, as a new colleague does it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from carnet.accounts.models import User
from carnet.feeds.links import hash_token
from carnet.feeds.throttle import reset
from carnet.practices.models import AuditEntry, Invitation, Membership, Practice, Role
from carnet.scheduling.models import Practitioner
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase for tests"
LINK = re.compile(r"http://\S+/invitations/(?P<token>[^/\s]+)/")


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    reset()  # the invitation page's per-address counters
    yield
    reset()


@pytest.fixture
def practice() -> Practice:
    return factories.practice("Cabinet des Lilas", language="en")


@pytest.fixture
def owner(practice: Practice) -> User:
    return factories.member(practice, Role.OWNER, email="owner@example.org")


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def members_url(practice: Practice) -> str:
    return f"/app/{practice.slug}/settings/members/"


def edit_url(membership: Membership) -> str:
    return f"/app/{membership.practice.slug}/settings/members/{membership.pk}/"


def invite(client: Client, practice: Practice, email: str, role: str = Role.ASSISTANT) -> Any:
    return client.post(members_url(practice), {"action": "invite", "email": email, "role": role})


def token_of(message: Any) -> str:
    found = LINK.search(message.body)
    assert found is not None, message.body
    return found["token"]


# --- inviting -------------------------------------------------------------------------------------


def test_an_invitation_is_emailed_in_the_practices_language_and_stored_hashed(
    practice: Practice, owner: User
) -> None:
    practice.language = "fr"
    practice.save()
    owner.language = "en"
    owner.save()
    response = invite(logged_in(owner), practice, "lea@example.org")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "Rejoignez Cabinet des Lilas sur Carnet"
    assert message.to == ["lea@example.org"]
    assert "Cabinet des Lilas" in message.subject
    assert "Cabinet des Lilas" in message.from_email
    assert message.extra_headers["Content-Language"] == "fr"
    token = token_of(message)
    invitation = Invitation.objects.get(practice=practice)
    assert (invitation.email, invitation.role) == ("lea@example.org", Role.ASSISTANT)
    assert invitation.token_hash == hash_token(token)
    assert token not in str(list(Invitation.objects.values()))
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(7)
    assert AuditEntry.objects.filter(practice=practice, action="invitation.sent").exists()
    page = logged_in(owner).get(members_url(practice)).text
    assert "lea@example.org" in page and "Pending invitations" in page


def test_inviting_again_replaces_the_old_invitation(practice: Practice, owner: User) -> None:
    client = logged_in(owner)
    invite(client, practice, "lea@example.org")
    invite(client, practice, "LEA@example.org", Role.PRACTITIONER)
    first, second = (token_of(message) for message in mail.outbox)
    assert Invitation.objects.filter(practice=practice).count() == 1
    assert Invitation.objects.get(practice=practice).role == Role.PRACTITIONER
    anonymous = Client()
    assert anonymous.get(f"/invitations/{first}/").status_code == 404
    assert anonymous.get(f"/invitations/{second}/").status_code == 200


def test_an_address_that_is_already_a_member_is_refused_clearly(
    practice: Practice, owner: User
) -> None:
    factories.member(practice, Role.PRACTITIONER, email="claire@example.org")
    response = invite(logged_in(owner), practice, "Claire@Example.org")
    assert response.status_code == 200
    assert "Claire@Example.org is already a member of this practice." in response.text
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_bad_invitation_input_is_refused_beside_its_field(practice: Practice, owner: User) -> None:
    client = logged_in(owner)
    response = invite(client, practice, "not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    response = invite(client, practice, "lea@example.org", role="superuser")
    assert "Select a valid choice." in response.text
    assert mail.outbox == [] and not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner(practice: Practice, owner: User) -> None:
    admin = factories.member(practice, Role.ADMIN)
    response = invite(logged_in(admin), practice, "boss@example.org", Role.OWNER)
    assert "Select a valid choice." in response.text
    assert not Invitation.objects.exists()


def test_an_invitation_that_cannot_be_sent_is_not_kept(practice: Practice, owner: User) -> None:
    unreachable = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    with override_settings(MAILERS=unreachable):
        response = invite(logged_in(owner), practice, "lea@example.org")
    assert response.status_code == 200
    assert "could not be sent" in response.text
    assert not Invitation.objects.exists()


def test_a_pending_invitation_can_be_withdrawn(practice: Practice, owner: User) -> None:
    client = logged_in(owner)
    invite(client, practice, "lea@example.org")
    token = token_of(mail.outbox[0])
    invitation = Invitation.objects.get()
    response = client.post(
        members_url(practice), {"action": "revoke", "invitation": str(invitation.pk)}
    )
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    assert Client().get(f"/invitations/{token}/").status_code == 404
    assert (
        client.post(members_url(practice), {"action": "revoke", "invitation": "x"}).status_code
        == 404
    )


# --- accepting ------------------------------------------------------------------------------------


def sent_token(practice: Practice, owner: User, email: str, role: str = Role.ASSISTANT) -> str:
    invite(logged_in(owner), practice, email, role)
    return token_of(mail.outbox[-1])


def test_a_newcomer_signs_up_from_the_invitation_and_joins(practice: Practice, owner: User) -> None:
    token = sent_token(practice, owner, "lea@example.org")
    mail.outbox.clear()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert "Join Cabinet des Lilas" in page.text
    assert page["Referrer-Policy"] == "strict-origin" and page["Cache-Control"] == "no-store"
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)"', page.text)
    assert signup is not None
    # Sign up with the invited address: no second verification email, logged in at once, and
    # sent back to the invitation.
    response = browser.post(
        signup.group(1).replace("&amp;", "&"),
        {"email": "lea@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/invitations/{token}/"
    assert mail.outbox == []
    assert "Accept the invitation" in browser.get(f"/invitations/{token}/").text
    response = browser.post(f"/invitations/{token}/")
    assert response["Location"] == f"/app/{practice.slug}/"
    lea = User.objects.get(email="lea@example.org")
    assert Membership.objects.get(practice=practice, user=lea).role == Role.ASSISTANT
    assert browser.get(f"/app/{practice.slug}/").status_code == 200
    # Used: the link is now like any wrong one.
    assert browser.get(f"/invitations/{token}/").status_code == 404
    assert AuditEntry.objects.filter(practice=practice, action="invitation.accepted").exists()


def test_someone_with_an_account_logs_in_and_accepts(practice: Practice, owner: User) -> None:
    paul = factories.user("paul@example.org")
    token = sent_token(practice, owner, "paul@example.org", Role.PRACTITIONER)
    anonymous = Client().get(f"/invitations/{token}/").text
    assert f"/accounts/login/?next=%2Finvitations%2F{token}%2F" in anonymous
    client = logged_in(paul)
    assert client.post(f"/invitations/{token}/").status_code == 302
    assert Membership.objects.get(practice=practice, user=paul).role == Role.PRACTITIONER


def test_another_account_cannot_accept_someone_elses_invitation(
    practice: Practice, owner: User
) -> None:
    token = sent_token(practice, owner, "lea@example.org")
    intruder = factories.user("intruder@example.org")
    client = logged_in(intruder)
    page = client.get(f"/invitations/{token}/").text
    assert "You are logged in as intruder@example.org" in page
    client.post(f"/invitations/{token}/")
    assert not Membership.objects.filter(user=intruder).exists()
    assert Invitation.objects.filter(practice=practice).exists()


def test_wrong_expired_and_malformed_tokens_get_the_same_404(
    practice: Practice, owner: User
) -> None:
    token = sent_token(practice, owner, "lea@example.org")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    answers = [
        client.get(f"/invitations/{wrong}/")
        for wrong in (token, token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "%00" * 3)
    ]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.content for answer in answers}) == 1
    assert client.post(f"/invitations/{token}/").status_code == 404


def test_the_invitation_page_is_limited_per_client_address(
    practice: Practice, owner: User, settings: Any
) -> None:
    settings.INVITATION_RATE_LIMIT = "3/h"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    statuses = [client.get("/invitations/guess/").status_code for _n in range(4)]
    assert statuses == [404, 404, 404, 429]
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.9")
    assert other.get("/invitations/guess/").status_code == 404


# --- roles, links, removal ------------------------------------------------------------------------


def test_the_owner_changes_a_role(practice: Practice, owner: User) -> None:
    claire = factories.member(practice, Role.PRACTITIONER)
    membership = Membership.objects.get(user=claire)
    response = logged_in(owner).post(edit_url(membership), {"role": Role.ADMIN})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    assert AuditEntry.objects.filter(practice=practice, action="member.changed").exists()


def test_an_assistant_is_linked_to_practitioners_and_centers_of_this_practice_only(
    practice: Practice, owner: User
) -> None:
    center = factories.center(practice, "Centre Voltaire")
    doctor = factories.practitioner(practice, "Dr Morel")
    other = factories.practice()
    stranger = factories.practitioner(other, "Dr Ailleurs")
    stranger_center = factories.center(other)
    assistant = Membership.objects.get(user=factories.member(practice, Role.ASSISTANT))
    client = logged_in(owner)
    response = client.post(
        edit_url(assistant),
        {
            "role": Role.ASSISTANT,
            "agendas": [str(stranger.pk)],
            "centers": [str(stranger_center.pk)],
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not assistant.practitioners.exists() and not assistant.centers.exists()
    response = client.post(
        edit_url(assistant),
        {"role": Role.ASSISTANT, "agendas": [str(doctor.pk)], "centers": [str(center.pk)]},
    )
    assert response.status_code == 302
    assert list(assistant.practitioners.all()) == [doctor]
    assert list(assistant.centers.all()) == [center]
    listing = client.get(members_url(practice)).text
    assert "Dr Morel" in listing and "Centre Voltaire" in listing


def test_a_practitioner_login_is_tied_to_their_sheet(practice: Practice, owner: User) -> None:
    sheet = factories.practitioner(practice, "Dr Claire Morel")
    taken = factories.practitioner(practice, "Dr Pris", user=factories.member(practice))
    claire = factories.member(practice, Role.PRACTITIONER)
    membership = Membership.objects.get(user=claire)
    client = logged_in(owner)
    form = client.get(edit_url(membership)).text
    assert f'name="sheets" value="{sheet.pk}"' in form
    assert f'name="sheets" value="{taken.pk}"' not in form  # another login's sheet
    response = client.post(
        edit_url(membership), {"role": Role.PRACTITIONER, "sheets": [str(sheet.pk), str(taken.pk)]}
    )
    assert "Select a valid choice." in response.text
    client.post(edit_url(membership), {"role": Role.PRACTITIONER, "sheets": [str(sheet.pk)]})
    assert Practitioner.objects.get(pk=sheet.pk).user == claire
    client.post(edit_url(membership), {"role": Role.PRACTITIONER})
    assert Practitioner.objects.get(pk=sheet.pk).user is None


def test_the_last_owner_can_neither_be_demoted_nor_removed(practice: Practice, owner: User) -> None:
    own = Membership.objects.get(user=owner)
    client = logged_in(owner)
    response = client.post(edit_url(own), {"role": Role.PRACTITIONER})
    assert response.status_code == 200
    assert "last owner or administrator" in response.text
    response = client.post(edit_url(own), {"action": "remove"}, follow=True)
    assert "last owner or administrator" in response.text
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_with_another_admin_an_owner_may_step_down_and_leave(
    practice: Practice, owner: User
) -> None:
    factories.member(practice, Role.ADMIN)
    own = Membership.objects.get(user=owner)
    client = logged_in(owner)
    response = client.post(edit_url(own), {"role": Role.PRACTITIONER})
    assert response["Location"] == f"/app/{practice.slug}/"  # no longer sees the members page
    assert client.get(members_url(practice)).status_code == 404
    another = Membership.objects.get(practice=practice, role=Role.ADMIN)
    response = logged_in(another.user).post(edit_url(own), {"action": "remove"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=owner, practice=practice).exists()


def test_an_admin_removes_a_member_and_frees_their_sheet(practice: Practice, owner: User) -> None:
    claire = factories.member(practice, Role.PRACTITIONER)
    sheet = factories.practitioner(practice, user=claire)
    membership = Membership.objects.get(user=claire)
    response = logged_in(owner).post(edit_url(membership), {"action": "remove"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Practitioner.objects.get(pk=sheet.pk).user is None
    assert logged_in(claire).get(f"/app/{practice.slug}/").status_code == 404


def test_an_admin_cannot_touch_an_owner(practice: Practice, owner: User) -> None:
    admin = factories.member(practice, Role.ADMIN)
    own = Membership.objects.get(user=owner)
    client = logged_in(admin)
    for data in ({"role": Role.ASSISTANT}, {"action": "remove"}):
        assert client.post(edit_url(own), data).status_code == 404
    assert client.get(edit_url(own)).status_code == 404
    own.refresh_from_db()
    assert own.role == Role.OWNER
    listing = client.get(members_url(practice)).text
    assert edit_url(own) not in listing
