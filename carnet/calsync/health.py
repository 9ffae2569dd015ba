"""The health of each calendar connection, in words staff understand, and what to do about it.

The engine stores its last problem as the message of one of the kinds in
`carnet.calsync.google.errors` (English, written for logs). `advice` reads that message back into
a translated sentence and a next step: staff never see "403 forbidden". `practice_health` gathers
what the health page shows for every connection of a practice, in a fixed number of queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.calsync.consumer import CONSUMER
from carnet.calsync.models import CalendarConnection, ConnectionState
from carnet.practices.models import Practice
from carnet.scheduling.models.outbox import Delivery, DeliveryStatus


@dataclass(frozen=True)
class Advice:
    problem: str | Promise
    next_step: str | Promise


# (pattern searched in the engine's message, what it means, what to do), first match wins.
ERROR_ADVICE: tuple[tuple[re.Pattern[str], Advice], ...] = (
    (
        re.compile(r"revoked or expired|invalid_grant", re.I),
        Advice(
            _(
                "Google no longer accepts Carnet's access: it was withdrawn from the Google "
                "account, or it expired."
            ),
            _(
                "Disconnect, then connect again with the same Google account. Nothing will be "
                "duplicated."
            ),
        ),
    ),
    (
        re.compile(r"answered (404|410)\b|not found", re.I),
        Advice(
            _("The calendar was not found in Google: it was probably deleted there."),
            _(
                "Disconnect, then connect again: Carnet creates a new calendar and sends the "
                "appointments again."
            ),
        ),
    ),
    (
        re.compile(r"refused access \((401|403)", re.I),
        Advice(
            _(
                "Google refused Carnet access to the calendar (deleted, or no longer shared with "
                "this account)."
            ),
            _("Disconnect, then connect again with the account that owns the calendar."),
        ),
    ),
    (
        re.compile(
            r"could not be reached|kept refusing|answered (429|5\d\d)|rateLimit|quota", re.I
        ),
        Advice(
            _("Google was busy or could not be reached for a moment."),
            _(
                "Nothing: Carnet tries again by itself. If this lasts more than an hour, check "
                "that the server can reach the internet."
            ),
        ),
    ),
    (
        re.compile(r"refused the request \(4\d\d", re.I),
        Advice(
            _("Google refused one change Carnet sent."),
            _(
                "Nothing is lost in Carnet. If it happens again, tell whoever runs your Carnet "
                "server: the server's log has the details."
            ),
        ),
    ),
)

PENDING_ADVICE = Advice(
    _("Waiting for an administrator's approval: nothing is synced yet."),
    _("An administrator approves or refuses it from the approval page."),
)
UNKNOWN_ADVICE = Advice(
    _("Carnet met a problem it does not recognise."),
    _("If it lasts, disconnect and connect again. Nothing is deleted when you do."),
)


def advice(connection: CalendarConnection) -> Advice | None:
    """What is wrong with the connection and what to do; None when all is well."""
    if connection.state == ConnectionState.PENDING:
        return PENDING_ADVICE
    if connection.state == ConnectionState.REVOKED:
        return None
    if not connection.last_error:
        return None
    for pattern, meaning in ERROR_ADVICE:
        if pattern.search(connection.last_error):
            return meaning
    return UNKNOWN_ADVICE


def error_advice(message: str) -> Advice:
    """The advice for an engine message alone (the broken-connection email)."""
    for pattern, meaning in ERROR_ADVICE:
        if pattern.search(message):
            return meaning
    return UNKNOWN_ADVICE


@dataclass(frozen=True)
class ConnectionHealth:
    connection: CalendarConnection
    waiting: int  # changes of the practitioner not yet delivered to the calendar
    advice: Advice | None

    @property
    def backfill_percent(self) -> int:
        total = self.connection.backfill_total
        return 100 if not total else min(100, round(100 * self.connection.backfill_done / total))


def practice_health(practice: Practice) -> list[ConnectionHealth]:
    """Every connection of the practice, live ones first, with its waiting changes."""
    connections = list(
        CalendarConnection.objects.with_scopes_disabled()
        .filter(practice=practice)
        .select_related("practitioner", "center", "requested_by")
        .order_by("practitioner__display_name", "-pk")
    )
    waiting = dict(
        Delivery.objects.filter(
            consumer=CONSUMER.name,
            event__practice=practice,
            event__practitioner_id__in={c.practitioner_id for c in connections},
        )
        .exclude(status=DeliveryStatus.DONE)
        .values_list("event__practitioner_id")
        .annotate(count=Count("pk"))
        .values_list("event__practitioner_id", "count")
    )
    live = [c for c in connections if c.state != ConnectionState.REVOKED]
    ended = [c for c in connections if c.state == ConnectionState.REVOKED]
    return [
        ConnectionHealth(
            connection=connection,
            waiting=waiting.get(connection.practitioner_id, 0)
            if connection.state != ConnectionState.REVOKED
            else 0,
            advice=advice(connection),
        )
        for connection in live + ended
    ]
