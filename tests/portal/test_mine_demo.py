"""The demo's patient, Claire Roux, logs in and finds her appointments and her son Léo's."""

from __future__ import annotations

import pytest
from django.test import Client

from carnet.demo.seed import seed_demo
from carnet.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def test_the_demo_patient_lands_on_her_and_her_sons_appointments() -> None:
    practice, _created = seed_demo()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/",
        {"login": "claire.roux@example.org", "password": "carnet-demo"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/me/"
    page = response.text
    assert "My appointments" in page
    assert practice.name in page
    upcoming = page.split('id="past"')[0]
    assert "Claire Roux" in upcoming and "Léo Roux" in upcoming
    theirs = Appointment.objects.filter(patient__account__email="claire.roux@example.org")
    assert theirs.exists()
    assert all(str(a.public_id) in page for a in theirs.filter(status="confirmed")[:3])
