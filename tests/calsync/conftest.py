"""A running Google Calendar emulator, Carnet pointed at it, and a connected practitioner.

Carnet talks to the emulator only through google-api-python-client and google-auth, as it would
to Google. "Google's user" (editing the calendar by hand, in the tests) is another client of
the same emulator with the full calendar scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from carnet.calsync.google.client import APP_CREATED_SCOPE, FULL_SCOPE
from carnet.calsync.models import CalendarConnection, ConnectionState, Direction
from carnet.calsync.secrets import seal
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from tests import factories

CLIENT_ID = "carnet-test.apps.googleusercontent.com"
ACCOUNT = "sage-femme@example.com"


@pytest.fixture(scope="session")
def emulator() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(default_user=ACCOUNT) as running:
        yield running


@pytest.fixture
def google(emulator: GoogleCalendarEmulator) -> Iterator[GoogleCalendarEmulator]:
    emulator.reset()
    with override_settings(
        GOOGLE_API_URL=emulator.base_url,
        GOOGLE_OAUTH_TOKEN_URL=emulator.token_uri,
        GOOGLE_OAUTH_AUTH_URL=emulator.auth_uri,
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET="",
        NOTIFICATIONS_ENABLED=False,
    ):
        yield emulator


def user_service(google: GoogleCalendarEmulator) -> Any:
    """The practitioner editing their calendar in Google (another client, full scope)."""
    grant = google.grant(ACCOUNT, [FULL_SCOPE], "google-calendar-web")
    creds = Credentials(
        token=grant["access_token"],
        refresh_token=grant["refresh_token"],
        token_uri=google.token_uri,
        client_id="google-calendar-web",
    )
    return build(
        "calendar",
        "v3",
        credentials=creds,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": google.api_endpoint},
    )


@dataclass
class Clinic:
    practice: Any
    center: Any
    doctor: Any
    kind: Any
    patient: Any
    other_patient: Any


@pytest.fixture
def clinic(db: None) -> Clinic:
    practice = factories.practice(language="en")  # pages and messages read in English
    center = factories.center(practice)
    doctor = factories.practitioner(practice, sync_by_default=True)
    factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(practice, [doctor], online_booking=True)
    return Clinic(
        practice,
        center,
        doctor,
        kind,
        factories.patient(practice, first_name="Jeanne", last_name="Martin"),
        factories.patient(practice, first_name="Paul", last_name="Durand"),
    )


def connect(
    google: GoogleCalendarEmulator,
    clinic: Clinic,
    *,
    direction: str = Direction.TWO_WAY,
    privacy: str = "name",
) -> CalendarConnection:
    grant = google.grant(ACCOUNT, ["openid", "email", APP_CREATED_SCOPE], CLIENT_ID)
    return CalendarConnection.objects.create(
        practice=clinic.practice,
        practitioner=clinic.doctor,
        state=ConnectionState.ACTIVE,
        direction=direction,
        privacy=privacy,
        account_email=ACCOUNT,
        scope=f"openid email {APP_CREATED_SCOPE}",
        refresh_token=seal(grant["refresh_token"]),
        access_token=seal(grant["access_token"]),
    )
