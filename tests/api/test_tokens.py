"""API tokens: hashed at rest, shown once, scoped to their member's practice, revocable,
and failed attempts rate-limited per address."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from carnet.api.models import ApiToken
from carnet.api.tokens import issue_token, revoke_token
from carnet.feeds import throttle
from carnet.feeds.links import hash_token
from carnet.practices.models import Role
from tests.api.conftest import ApiWorld

pytestmark = pytest.mark.django_db


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def test_only_the_hash_is_stored_and_the_prefix_tells_tokens_apart(world: ApiWorld) -> None:
    row, token = issue_token(world.membership(Role.ADMIN), "Export")
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.token_hash == hash_token(token)
    assert token not in {stored.token_hash, stored.prefix, stored.name}
    assert token.startswith(stored.prefix) and len(stored.prefix) < 16


def test_a_valid_token_acts_as_its_member_and_records_its_use(world: ApiWorld) -> None:
    row, token = issue_token(world.membership(Role.ASSISTANT), "Tablet")
    response = bearer(token).get(world.url("practitioners"))
    assert response.status_code == 200
    # The assistant's reach, not more: only the practitioner they are linked to.
    assert [p["id"] for p in response.json()] == [world.own.pk]
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_revoked_or_unknown_token_is_a_401(world: ApiWorld) -> None:
    membership = world.membership(Role.OWNER)
    row, token = issue_token(membership, "Old")
    assert revoke_token(membership, row.pk)
    assert not revoke_token(membership, row.pk)  # twice: nothing more
    response = bearer(token).get(world.url("types"))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert bearer("carnet_guess").get(world.url("types")).status_code == 401


def test_a_token_of_another_practice_is_a_404(world: ApiWorld) -> None:
    _row, token = issue_token(world.membership(Role.OWNER, world.b), "B's")
    assert bearer(token).get(world.url("types")).status_code == 404
    assert bearer(token).get(world.url("types", world.b)).status_code == 200


def test_a_member_cannot_revoke_someone_elses_token(world: ApiWorld) -> None:
    row, token = issue_token(world.membership(Role.PRACTITIONER), "Mine")
    assert not revoke_token(world.membership(Role.OWNER), row.pk)
    assert bearer(token).get(world.url("types")).status_code == 200


def test_token_writes_need_no_csrf_token(world: ApiWorld) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    _row, token = issue_token(world.membership(Role.OWNER), "Program")
    response = client.post(
        world.url(f"appointments/{world.own_c1.public_id}/cancel"),
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200


@override_settings(API_TOKEN_MISS_RATE_LIMIT="3/h")
def test_too_many_failed_tokens_from_one_address_get_a_429(world: ApiWorld) -> None:
    throttle.reset()  # the counters live in this process's memory (carnet.feeds.throttle)
    statuses = [bearer(f"carnet_wrong{n}").get(world.url("types")).status_code for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    refused = bearer("carnet_wrong").get(world.url("types"))
    assert int(refused["Retry-After"]) > 0


def test_the_openapi_document_describes_both_ways_in(client: Any) -> None:
    document = client.get("/api/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["MemberToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["MemberSession"]["in"] == "cookie"


def test_the_tokens_page_shows_a_new_token_once_and_only_the_members_own(world: ApiWorld) -> None:
    other_row, _other = issue_token(world.membership(Role.OWNER), "Owner's token")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(world.members[Role.ASSISTANT])
    url = f"/app/{world.a.slug}/settings/api-tokens/"
    created = browser.post(url, {"name": "Tablet"})
    assert created.status_code == 200
    row = ApiToken.objects.get(name="Tablet")
    token = created.context["new_token"]
    assert row.token_hash == hash_token(token) and token in created.text
    listed = browser.get(url).text
    assert token not in listed and "Tablet" in listed and "Owner&#x27;s token" not in listed
    # Revoking another member's token id does nothing.
    browser.post(url, {"revoke": str(other_row.pk)})
    other_row.refresh_from_db()
    assert other_row.revoked_at is None
    browser.post(url, {"revoke": str(row.pk)})
    row.refresh_from_db()
    assert row.revoked_at is not None
