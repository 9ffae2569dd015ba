"""Google's JSON error format, and the handful of errors the Calendar API v3 answers with.

Every failure of the emulated API is an `ApiError`; the server turns it into the body Google
sends (https://developers.google.com/workspace/calendar/api/guides/errors):

    {"error": {"code": 412, "message": "Precondition Failed", "status": "FAILED_PRECONDITION",
               "errors": [{"domain": "global", "reason": "conditionNotMet",
                           "message": "Precondition Failed", "locationType": "header",
                           "location": "If-Match"}]}}

so a client sees exactly what googleapiclient's HttpError would carry from Google.
"""

from __future__ import annotations

import json
from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "NOT_FOUND",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# The reason and message Google pairs with a bare status, for injected faults.
DEFAULT_REASONS = {
    400: ("global", "badRequest", "Bad Request"),
    401: ("global", "authError", "Invalid Credentials"),
    403: ("usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    404: ("global", "notFound", "Not Found"),
    409: ("global", "duplicate", "The requested identifier already exists."),
    410: (
        "calendar",
        "fullSyncRequired",
        "Sync token is no longer valid, a full sync is required.",
    ),
    412: ("global", "conditionNotMet", "Precondition Failed"),
    429: ("usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("global", "backendError", "Backend Error"),
    502: ("global", "backendError", "Bad Gateway"),
    503: ("global", "backendError", "The service is currently unavailable."),
    504: ("global", "backendError", "Deadline exceeded."),
}

# Reasons whose domain is not "global" in Google's answers.
REASON_DOMAINS = {
    "rateLimitExceeded": "usageLimits",
    "userRateLimitExceeded": "usageLimits",
    "quotaExceeded": "usageLimits",
    "dailyLimitExceeded": "usageLimits",
    "fullSyncRequired": "calendar",
    "updatedMinTooLongAgo": "calendar",
    "timeRangeEmpty": "calendar",
    "forbiddenForNonOrganizer": "calendar",
}


class ApiError(Exception):
    """A Calendar API failure, rendered in Google's error format by the server."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        domain: str | None = None,
        location: str | None = None,
        location_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.domain = domain or REASON_DOMAINS.get(reason, "global")
        self.location = location
        self.location_type = location_type

    @classmethod
    def for_status(
        cls, code: int, reason: str | None = None, message: str | None = None
    ) -> ApiError:
        """The error Google would send for `code`, optionally with another reason (faults)."""
        domain, default_reason, default_message = DEFAULT_REASONS.get(
            code, ("global", "backendError", "Backend Error")
        )
        if reason and reason != default_reason:
            domain = REASON_DOMAINS.get(reason, "global")
        return cls(code, reason or default_reason, message or default_message, domain=domain)

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "domain": self.domain,
            "reason": self.reason,
            "message": self.message,
        }
        if self.location_type:
            detail["locationType"] = self.location_type
        if self.location:
            detail["location"] = self.location
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": [detail],
                "status": STATUS_NAMES.get(self.code, "UNKNOWN"),
            }
        }

    def json_bytes(self) -> bytes:
        return json.dumps(self.body()).encode()


def bad_request(message: str, *, reason: str = "invalid", location: str | None = None) -> ApiError:
    return ApiError(
        400, reason, message, location=location, location_type="parameter" if location else None
    )


def not_found() -> ApiError:
    return ApiError(404, "notFound", "Not Found")


def forbidden(message: str = "Forbidden") -> ApiError:
    return ApiError(403, "forbidden", message)


def insufficient_scopes() -> ApiError:
    return ApiError(
        403, "insufficientPermissions", "Request had insufficient authentication scopes."
    )


def unauthenticated() -> ApiError:
    return ApiError(
        401,
        "authError",
        "Invalid Credentials",
        location="Authorization",
        location_type="header",
    )
