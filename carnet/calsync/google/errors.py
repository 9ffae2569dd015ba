"""What a Google answer means for the sync engine: a few kinds of trouble, each with a rule.

Google's errors arrive as `googleapiclient.errors.HttpError` (an HTTP status and a JSON body
with `error.errors[].reason`) or, when the refresh token is refused, `google.auth.exceptions
.RefreshError`. The engine never looks at those: `classify` turns them into one of these, so
that the rule "no error ever deletes or cancels anything in Carnet" is easy to check.
"""

from __future__ import annotations

import json
from typing import Any

from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

# 403 reasons that mean "slow down", not "forbidden" (Calendar API error guide).
RATE_LIMIT_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
)


class GoogleTrouble(Exception):
    """Base of what the engine handles; the message is safe to show (no token in it)."""


class TryLater(GoogleTrouble):
    """Rate limits, 429, 5xx, network errors: back off exponentially with jitter and retry."""


class Broken(GoogleTrouble):
    """The account refused us (revoked grant, calendar gone or not ours): stop, tell people."""


class Stale(GoogleTrouble):
    """412: the event changed in Google since we last read it; re-read and apply the rule."""


class Gone(GoogleTrouble):
    """404 or 410 on an event: it is already deleted."""


class Conflict(GoogleTrouble):
    """409: an event with this id exists already (ours, from an earlier try)."""


class Rejected(GoogleTrouble):
    """Google refused this one request (400): retried with backoff, then left failed."""


class SyncTokenExpired(GoogleTrouble):
    """410 on an incremental list: a full sync must reconcile."""


def reasons(error: HttpError) -> list[str]:
    """The `reason`s in Google's error body (empty when it is not JSON)."""
    try:
        body: Any = json.loads(error.content or b"{}")
    except ValueError:
        return []
    details = body.get("error", {}) if isinstance(body, dict) else {}
    if not isinstance(details, dict):
        return []
    return [
        str(item.get("reason", ""))
        for item in details.get("errors", []) or []
        if isinstance(item, dict)
    ]


def classify(error: Exception, *, listing: bool = False) -> GoogleTrouble:
    """The engine's reading of an exception raised while talking to Google."""
    if isinstance(error, GoogleTrouble):
        return error
    if isinstance(error, RefreshError):
        # invalid_grant: the user revoked access or the token expired for good.
        return Broken("Google refused the saved authorisation (it was revoked or expired).")
    if isinstance(error, HttpError):
        status = int(error.resp.status)
        why = reasons(error)
        if status == 410 and listing:
            return SyncTokenExpired("Google asks for a full sync.")
        if status in (404, 410):
            return Gone(f"Google answered {status}.")
        if status == 409:
            return Conflict("The event exists already.")
        if status == 412:
            return Stale("The event changed in Google meanwhile.")
        if status == 429 or status >= 500 or RATE_LIMIT_REASONS.intersection(why):
            return TryLater(f"Google answered {status} {' '.join(why)}".strip())
        if status in (401, 403):
            return Broken(f"Google refused access ({status} {' '.join(why)}).".strip())
        return Rejected(f"Google refused the request ({status} {' '.join(why)}).".strip())
    if isinstance(error, OSError | TimeoutError):
        return TryLater("Google could not be reached.")
    raise error
