"""Every page carries a Content Security Policy; the few inline scripts carry its nonce."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from carnet.practices.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_public_and_staff_pages_send_a_policy_that_refuses_foreign_scripts() -> None:
    practice = factories.practice()
    owner = factories.member(practice, Role.OWNER)
    staff = Client()
    staff.force_login(owner)
    for client, path in [(Client(), "/accounts/login/"), (staff, f"/app/{practice.slug}/")]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy


def test_the_feed_settings_script_runs_under_the_policy() -> None:
    """The copy buttons' script is inline: it carries this response's nonce, or it never runs."""
    practice = factories.practice()
    owner = factories.member(practice, Role.OWNER)
    practitioner = factories.practitioner(practice)
    client = Client()
    client.force_login(owner)
    url = f"/app/{practice.slug}/practitioners/{practitioner.pk}/calendar-feed/"
    response = client.post(url, {"action": "enable"})
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce is not None
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts, "the page has its copy script"
    assert all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts)
