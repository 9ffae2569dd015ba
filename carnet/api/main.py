"""The one `NinjaAPI` instance and the routers mounted on it.

Each router is a thin module named after what it serves; it takes the practice and the member
from the request (`PracticeRequest`, set by the tenancy middleware) and calls the same services
and policy as the pages. The `practice_slug` path parameter is in every route so the OpenAPI
document shows it; the middleware has already used it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from carnet.api import errors
from carnet.practices.tenancy import PracticeRequest


class MemberSession(SessionAuth):
    """A logged-in member of the practice in the path (CSRF checked, as for any form)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> object | None:
        if getattr(request, "api_token_auth", False):
            return None
        return getattr(request, "membership", None)


class MemberToken(HttpBearer):
    """A member's API token (`Authorization: Bearer <token>`, docs/api.md), no CSRF needed.

    The tenancy middleware has already checked the token against the practice in the path
    (`TenancyMiddleware.token_request`); this class says so to ninja and to the OpenAPI
    document.
    """

    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        if not getattr(request, "api_token_auth", False):
            return None
        return getattr(request, "membership", None)


PRACTICE = "/practices/{practice_slug}"

api = NinjaAPI(
    title="Carnet API",
    version="1",
    urls_namespace="api",
    auth=[MemberToken(), MemberSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def member_request(request: HttpRequest) -> PracticeRequest:
    """The request, typed: authentication has set its practice and membership."""
    assert hasattr(request, "membership"), "API route reached without a member"
    return request  # type: ignore[return-value]


errors.install(api)

# Routers last: they import `member_request` and `PRACTICE` from this module.
from carnet.api import appointments, availability, patients, practitioners, types  # noqa: E402

for _module in (appointments, availability, patients, practitioners, types):
    api.add_router(PRACTICE, _module.router)

# The agenda's data (helper "agenda"): GET {PRACTICE}/agenda.
from carnet.api import agenda  # noqa: E402

api.add_router(PRACTICE + "/agenda", agenda.router)
