"""The notification log's rules: claiming rows for sending, and recording how each send ended.

A sender claims rows with one conditional UPDATE that stamps them with its own claim token, so of
two workers (or one job enqueued twice) each row goes to exactly one; a row stays claimed for
`NOTIFICATIONS_LEASE_SECONDS`, after which a crashed sender's rows are claimable again. A row is
marked `sent` the moment the SMTP server or the SMS provider accepted the message, before the
next one is sent, and a `sent` row is never claimed again.

`record_sms_status` is for the SMS provider's status callback.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from carnet.jobs import retry
from carnet.notifications.models import Notification, Status
from carnet.practices.scoping import PracticeScopedManager

__all__ = [
    "backoff",
    "claim",
    "claimable",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "mark_skipped",
    "record_sms_status",
]


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _rows() -> PracticeScopedManager[Notification]:
    # Senders take explicit ids (jobs run unscoped on purpose); say so, whoever calls.
    return Notification.objects.with_scopes_disabled()


def max_attempts() -> int:
    return int(_setting("NOTIFICATIONS_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed send (`carnet.jobs.retry.backoff`), doubling from
    NOTIFICATIONS_RETRY_BASE_SECONDS (60) up to NOTIFICATIONS_RETRY_MAX_SECONDS (6 h)."""
    return retry.backoff(
        attempts,
        base=_setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60),
        ceiling=_setting("NOTIFICATIONS_RETRY_MAX_SECONDS", 6 * 3600),
    )


def claimable(now: datetime) -> Q:
    """Due and waiting, or claimed by a sender whose lease ran out (it crashed)."""
    return Q(next_attempt_at__lte=now) & (
        Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_until__lte=now)
    )


def claim(ids: Iterable[int], now: datetime) -> str:
    """Claim the given rows that are claimable; returns the token that marks them as ours."""
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=_setting("NOTIFICATIONS_LEASE_SECONDS", 300))
    _rows().filter(claimable(now), pk__in=list(ids)).order_by().update(
        status=Status.SENDING, claim=token, claimed_until=lease, attempts=F("attempts") + 1
    )
    return token


def _ours(row: Notification) -> Q:
    return Q(pk=row.pk, claim=row.claim, status=Status.SENDING)


def mark_sent(
    row: Notification,
    recipient: str,
    *,
    provider: str = "",
    message_id: str = "",
    provider_status: str = "",
) -> None:
    _rows().filter(_ours(row)).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        recipient=recipient[:254],
        reason="",
        last_error="",
        provider=provider[:32],
        provider_message_id=message_id[:100],
        provider_status=provider_status[:32],
        updated_at=timezone.now(),
    )


def mark_skipped(row: Notification, reason: str, detail: str = "") -> None:
    _rows().filter(_ours(row)).update(
        status=Status.SKIPPED,
        claimed_until=None,
        reason=reason,
        last_error=detail[:2000],
        updated_at=timezone.now(),
    )


def mark_failed(row: Notification, reason: str, error: str, recipient: str = "") -> None:
    failed = (
        _rows()
        .filter(_ours(row))
        .update(
            status=Status.FAILED,
            claimed_until=None,
            reason=reason,
            last_error=error[:2000],
            recipient=recipient[:254],
            updated_at=timezone.now(),
        )
    )
    if failed:
        _tell_admins(row.pk)


def _tell_admins(row_id: int) -> None:
    """A message failed for good: the practice's admins get a notification (the bell)."""
    from carnet.inbox import notify_message_failed

    failed = (
        _rows()
        .select_related("practice", "appointment__patient")
        .filter(pk=row_id, status=Status.FAILED)
        .first()
    )
    if failed is not None:
        notify_message_failed(failed)


def mark_retry(
    row: Notification, reason: str, error: str, now: datetime, recipient: str = ""
) -> str:
    """A temporary failure: try again after the backoff, or fail for good after the last try."""
    if row.attempts >= max_attempts():
        mark_failed(row, reason, error, recipient)
        return "failed"
    _rows().filter(_ours(row)).update(
        status=Status.PENDING,
        claimed_until=None,
        next_attempt_at=now + backoff(row.attempts),
        reason=reason,
        last_error=error[:2000],
        recipient=recipient[:254],
        updated_at=timezone.now(),
    )
    return "retry"


FINAL_SMS = ("delivered", "undelivered", "failed")


def record_sms_status(message_id: str, status: str) -> bool:
    """Store the delivery status an SMS provider reports for one of our messages (its status
    callback); True when a message with that provider id exists. A status such as
    "undelivered" or "failed" after acceptance marks the row failed, for staff to see."""
    if not message_id:
        return False
    status = status.strip().lower()[:32]
    # Providers do not promise the order of their callbacks: a late "sent" must not overwrite
    # "delivered", so a final status is never replaced.
    rows = _rows().filter(provider_message_id=message_id).exclude(provider_status__in=FINAL_SMS)
    changes: dict[str, object] = {"provider_status": status, "updated_at": timezone.now()}
    final_failure = status in {"failed", "undelivered"}
    if final_failure:
        changes |= {"status": Status.FAILED, "last_error": f"SMS provider: {status}"}
        failing = list(rows.exclude(status=Status.FAILED).values_list("pk", flat=True))
    updated = rows.update(**changes) > 0
    if final_failure:
        for row_id in failing:
            _tell_admins(row_id)
    return updated
