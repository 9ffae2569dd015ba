"""The one `NinjaAPI` instance and the routers mounted on it.

Each router is a thin module named after what it serves; it takes the practice and the member
from the request (`PracticeRequest`, set by the tenancy middleware) and calls the same services
and policy as the pages. The `practice_slug` path parameter is in every route so the OpenAPI
document shows it; the middleware has already used it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import SessionAuth

from carnet.practices.tenancy import PracticeRequest


class MemberSession(SessionAuth):
    """A logged-in member of the practice in the path (CSRF checked, as for any form)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> object | None:
        return getattr(request, "membership", None)


PRACTICE = "/practices/{practice_slug}"

api = NinjaAPI(
    title="Carnet API",
    version="1",
    urls_namespace="api",
    auth=[MemberSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def member_request(request: HttpRequest) -> PracticeRequest:
    """The request, typed: authentication has set its practice and membership."""
    assert hasattr(request, "membership"), "API route reached without a member"
    return request  # type: ignore[return-value]
