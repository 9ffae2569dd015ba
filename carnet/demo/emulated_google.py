"""The demo's Google Calendar: the emulator inside `carnet demo`, with one agenda connected.

So that a new user sees two-way sync without a Google account, `carnet demo` starts the
Google Calendar emulator (carnet/emulators/google_calendar/) in its own process, points
Carnet's Google settings at it, and connects the demo midwife's agenda to an emulated account.
Unless CARNET_GOOGLE_CLIENT_ID is set: then a real Google client is configured, and the demo
leaves Google alone.

The emulator keeps everything in memory, so each start begins from nothing: the connections
an earlier run left name tokens and calendars this emulator never issued, and are revoked
first (nothing else of them changes: their events in Carnet stay). The fresh connection is
then started as an approved one would be, in a thread, once the server answers: the engine
creates "Carnet - <name>" in the emulator, opens the push channel to this server's webhook,
and sends every future synced appointment (docs/demo.md says how to try both directions).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_scopes import scope

from carnet.calsync import sync
from carnet.calsync.google.client import APP_CREATED_SCOPE
from carnet.calsync.models import LIVE_STATES, CalendarConnection, ConnectionState, Direction
from carnet.calsync.secrets import seal
from carnet.demo.seed import DEMO_LOGINS
from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.emulators.google_calendar.page import PAGE
from carnet.practices.models import Practice
from carnet.scheduling.models import Practitioner

__all__ = [
    "DEMO_ACCOUNT",
    "DEMO_CLIENT_ID",
    "connect_demo_agenda",
    "connect_when_served",
    "demo_practitioner",
    "emulator_wanted",
    "revoke_earlier_connections",
    "start_emulator",
]

logger = logging.getLogger(__name__)

DEMO_CLIENT_ID = "carnet-demo"
DEMO_CLIENT_SECRET = "carnet-demo-secret"  # noqa: S105 - the emulator accepts any secret
# The midwife's Google account is her Carnet login: easy to recognize on the emulator's page.
DEMO_ACCOUNT = DEMO_LOGINS["practitioner"]
DEMO_SCOPES = ["openid", "email", APP_CREATED_SCOPE]
SERVER_WAIT_SECONDS = 60.0


def emulator_wanted() -> bool:
    """False when a real Google client is configured in the environment."""
    return not os.environ.get("CARNET_GOOGLE_CLIENT_ID")


def start_emulator(port: int, time_zone: str) -> GoogleCalendarEmulator:
    """The emulator on 127.0.0.1:`port` (0: any free port), and Carnet's settings aimed at it."""
    emulator = GoogleCalendarEmulator(
        port=port, default_user=DEMO_ACCOUNT, default_time_zone=time_zone
    ).start()
    # Read at call time by carnet.calsync (client, OAuth flow, revocation), in this process:
    # the web threads and the embedded worker alike.
    settings.GOOGLE_API_URL = emulator.base_url
    settings.GOOGLE_OAUTH_TOKEN_URL = emulator.token_uri
    settings.GOOGLE_OAUTH_AUTH_URL = emulator.auth_uri
    settings.GOOGLE_CLIENT_ID = DEMO_CLIENT_ID
    settings.GOOGLE_CLIENT_SECRET = DEMO_CLIENT_SECRET
    return emulator


def page_url(emulator: GoogleCalendarEmulator) -> str:
    return emulator.base_url + PAGE


def demo_practitioner(practice: Practice) -> Practitioner | None:
    """The midwife whose login is the demo's practitioner login (None if someone removed her)."""
    with scope(practice=practice):
        return (
            Practitioner.objects.select_related("practice", "user")
            .filter(practice=practice, user__email=DEMO_ACCOUNT)
            .first()
        )


def revoke_earlier_connections(practice: Practice) -> int:
    """Disconnect what an earlier run left: its tokens and channels mean nothing to this emulator.

    Done before the server and its worker start, so that the minute's poll never sends those
    tokens to the new emulator (which would call them revoked and mark the connections broken,
    emailing people). Nothing else changes: what they pulled into Carnet stays.
    """
    with scope(practice=practice):
        return CalendarConnection.objects.filter(
            practice=practice, state__in=[state.value for state in LIVE_STATES]
        ).update(
            state=ConnectionState.REVOKED,
            refresh_token="",
            access_token="",
            access_expires_at=None,
            sync_token="",
            channel_id="",
            channel_token="",
            channel_resource_id="",
            channel_expires_at=None,
            pull_claimed_until=None,
            pull_requested=False,
        )


def connect_demo_agenda(
    practitioner: Practitioner, emulator: GoogleCalendarEmulator
) -> CalendarConnection:
    """Her agenda, connected both ways to the emulated account, as an approved connection is."""
    grant = emulator.grant(DEMO_ACCOUNT, DEMO_SCOPES, DEMO_CLIENT_ID)
    with scope(practice=practitioner.practice):
        return CalendarConnection.objects.create(
            practice=practitioner.practice,
            practitioner=practitioner,
            state=ConnectionState.ACTIVE,
            direction=Direction.TWO_WAY,
            requested_by=practitioner.user,
            account_email=DEMO_ACCOUNT,
            scope=" ".join(DEMO_SCOPES),
            refresh_token=seal(grant["refresh_token"]),
            access_token=seal(grant["access_token"]),
            access_expires_at=timezone.now() + timedelta(seconds=int(grant["expires_in"])),
        )


def connect_when_served(
    practitioner: Practitioner, emulator: GoogleCalendarEmulator, health_url: str
) -> threading.Thread:
    """Once `health_url` answers: connect her agenda, then start it (calendar, channel, backfill).

    The push channel's address is the server's own webhook, which must be listening before the
    emulator's first notification; the backfill then takes a while (the engine paces it under
    Google's quota), so it runs beside the server rather than before it. The connection is made
    right before it starts, so the minute's poll never finds it active without its calendar.
    """
    thread = threading.Thread(
        target=_connect_when_served,
        args=(practitioner, emulator, health_url),
        name="demo-calendar-sync",
        daemon=True,
    )
    thread.start()
    return thread


def _connect_when_served(
    practitioner: Practitioner, emulator: GoogleCalendarEmulator, health_url: str
) -> None:
    try:
        if not _answers(health_url, SERVER_WAIT_SECONDS):
            logger.warning("the demo calendar was not synced: %s never answered", health_url)
            return
        connection = connect_demo_agenda(practitioner, emulator)
        sync.start(connection)
    except Exception:  # a thread of its own: say it, the demo itself goes on
        logger.exception("the demo's calendar connection did not start")
    finally:
        connections.close_all()  # this thread's own


def _answers(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own server
                return True
        except urllib.error.HTTPError:  # an answer all the same (503: a check is failing)
            return True
        except OSError:
            time.sleep(0.1)
    return False
