"""Finding a practitioner's connection, opening its provider, and marking it broken.

The engine's only way to a provider: `provider_for` unseals the tokens, and saves the new
access token google-auth refreshed. A broken connection stops syncing, nothing is deleted on
either side, and the practitioner and the practice's admins are told once (`broken_notified_at`).
"""

from __future__ import annotations

import logging
from datetime import UTC

from django.db import transaction
from django.utils import timezone
from google.oauth2.credentials import Credentials

from carnet.calsync.google.client import GoogleCalendar, credentials
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.calsync.secrets import seal, unseal

logger = logging.getLogger(__name__)


def active_connection(practitioner_id: int) -> CalendarConnection | None:
    """The practitioner's active connection (there is at most one live one)."""
    return (
        CalendarConnection.objects.with_scopes_disabled()
        .filter(practitioner_id=practitioner_id, state=ConnectionState.ACTIVE)
        .select_related("practice", "practitioner")
        .first()
    )


def provider_for(connection: CalendarConnection) -> GoogleCalendar:
    """The connection's calendar, ready to call, with refreshed tokens saved as they come."""
    creds = credentials(
        access_token=unseal(connection.access_token) if connection.access_token else "",
        refresh_token=unseal(connection.refresh_token),
        expiry=connection.access_expires_at,
        scopes=connection.scope.split(),
    )

    def save_token(refreshed: Credentials) -> None:
        connection.access_token = seal(str(refreshed.token))
        expiry = refreshed.expiry
        connection.access_expires_at = expiry.replace(tzinfo=UTC) if expiry else None
        CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
            access_token=connection.access_token, access_expires_at=connection.access_expires_at
        )

    return GoogleCalendar(creds, connection.calendar_id, on_token=save_token)


def mark_broken(connection: CalendarConnection, reason: str) -> bool:
    """Stop syncing this connection; True the first time (when people must be told)."""
    now = timezone.now()
    # Only a connection still in use breaks: a task finishing after a disconnection must not
    # bring the revoked row back (nor tell anyone).
    live = CalendarConnection.objects.with_scopes_disabled().filter(
        pk=connection.pk, state__in=[ConnectionState.PENDING, ConnectionState.ACTIVE]
    )
    with transaction.atomic():
        first = live.filter(broken_notified_at__isnull=True).update(
            state=ConnectionState.BROKEN,
            last_error=reason,
            last_error_at=now,
            broken_notified_at=now,
        )
        if not first:
            changed = live.update(
                state=ConnectionState.BROKEN, last_error=reason, last_error_at=now
            )
            if not changed:
                return False
    connection.state = ConnectionState.BROKEN
    logger.warning("calendar connection %s broken: %s", connection.pk, reason)
    if first:
        # Imported here: governance reaches the tasks, which reach this module.
        from carnet.calsync.governance import connection_broken

        connection_broken(connection, reason)
    return bool(first)


def note_error(connection: CalendarConnection, reason: str) -> None:
    """A passing failure (rate limit, outage), shown on the sync health page."""
    CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
        last_error=reason, last_error_at=timezone.now()
    )


def revoke(connection: CalendarConnection) -> None:
    """Forget the connection's tokens, after asking Google to revoke them (best effort)."""
    from carnet.calsync import oauth
    from carnet.calsync.secrets import TokenUnreadable

    # Google withdraws the whole grant of an account for Carnet: not while another live
    # connection (another agenda, another practice) still uses that account.
    shared = (
        CalendarConnection.objects.with_scopes_disabled()
        .filter(
            account_email=connection.account_email,
            state__in=[ConnectionState.PENDING, ConnectionState.ACTIVE, ConnectionState.BROKEN],
        )
        .exclude(pk=connection.pk)
        .exclude(account_email="")
        .exists()
    )
    if connection.refresh_token and not shared:
        try:
            oauth.revoke(unseal(connection.refresh_token))
        except TokenUnreadable:  # keys changed: the token is useless to anyone now
            logger.info("could not read the token of connection %s to revoke it", connection.pk)
    CalendarConnection.objects.with_scopes_disabled().filter(pk=connection.pk).update(
        refresh_token="", access_token="", channel_id="", channel_token=""
    )
