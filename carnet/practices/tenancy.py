"""The current practice, resolved once per request, and the data scope every query runs in.

Every `/app/<slug>/...` request belongs to one practice: this middleware finds it from the slug
*and* the logged-in user's membership of it, sets the typed `request.practice` and
`request.membership`, and runs the rest of the request inside `scope(practice=...)`, so that a
query of practice data that forgets its `filter(practice=...)` still cannot see another
practice (django-scopes, as pretix does). An unknown slug and a practice the user does not
belong to are the same 404: a 403 would confirm that the practice exists.

Requests outside a practice run in an explicitly chosen state (see `UNSCOPED_PREFIXES`):
the operators' admin, the sign-in pages and the home page only read the user's own memberships
across practices, so they run unscoped; everything else runs with no practice, where any query
of practice data raises `ScopeError` instead of leaking. The public feed scopes itself to its
link's practice once the token is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django_scopes import scope, scopes_disabled

from carnet.accounts import second_factor
from carnet.practices.models import Membership, Practice

# The workspace's root URL: `app/<slug:practice_slug>/` in carnet/urls.py.
PRACTICE_PATH = re.compile(r"^/app/(?P<slug>[-a-zA-Z0-9_]+)/")
# The JSON API's practice routes: `api/practices/<slug>/` (carnet/api/main.py), same rules as pages.
API_PATH = re.compile(r"^/api/practices/(?P<slug>[-a-zA-Z0-9_]+)/")
# The patients' booking site: `book/<slug>/`, public (no membership), scoped to the slug's practice.
BOOKING_PATH = re.compile(r"^/book/(?P<slug>[-a-zA-Z0-9_]+)/")

# Paths (after the leading slash) that run unscoped on purpose. The home page and the sign-in
# pages show the user's own memberships, across practices; the admin is for operators
# (superusers, see `carnet.practices.admin_site`); the feed finds its link by token first and
# then scopes itself; the help page and the health check read no practice data. The booking
# site (`BOOKING_PATH`) runs in its slug's practice; any other new area runs with no practice
# until it says otherwise here or scopes itself.
# "My appointments" (`me/`) spans every practice a patient account booked with: unscoped on
# purpose, each of its queries filtered by the logged-in account (carnet/portal/mine/views.py).
UNSCOPED_PREFIXES = (
    "accounts/",
    "admin/",
    "feeds/",
    "help/",
    "healthz",
    "i18n/",
    "me/",
    "static/",
)


class PracticeRequest(HttpRequest):
    """What a staff view receives: the request of a member, inside their practice."""

    practice: Practice
    membership: Membership
    # True when an API token, not a session, says who the member is (`token_request`).
    api_token_auth: bool


# The API's "not found", in its error shape (carnet/api/schemas.py `ErrorOut`).
API_NOT_FOUND = {"detail": "Not Found", "code": "not_found", "errors": []}


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None when there is none."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def is_unscoped_path(path: str) -> bool:
    relative = path.removeprefix("/")
    return relative == "" or relative.startswith(UNSCOPED_PREFIXES)


@contextmanager
def no_practice() -> Iterator[None]:
    """Queries of practice data raise here (a scope that names no practice)."""
    # `scope()` keeps an outer scope's dimensions; at the top of a request there is none (only
    # the test suite's `scopes_disabled`, which this switches back on).
    with scope():
        yield


def resolve_membership(request: HttpRequest, slug: str) -> Membership:
    """The user's membership of the practice named by `slug`, or 404 (never 403)."""
    user_id = request.user.pk
    if user_id is None:
        raise Http404
    with scopes_disabled():  # finding the tenant is the one query that precedes its scope
        membership = (
            Membership.objects.select_related("practice")
            .filter(user_id=user_id, practice__slug=slug)
            .first()
        )
    if membership is None:
        raise Http404
    return membership


class TenancyMiddleware:
    """Resolve the practice and the member once; run the request in that practice's scope.

    Placed after authentication and before anything that may query practice data (the
    user-language middleware reads the user's memberships).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        booking = BOOKING_PATH.match(request.path_info)
        if booking is not None:
            return self.booking_site(request, booking["slug"])
        match = PRACTICE_PATH.match(request.path_info) or API_PATH.match(request.path_info)
        if match is None:
            if is_unscoped_path(request.path_info):
                with scopes_disabled():
                    return self.get_response(request)
            with no_practice():
                return self.get_response(request)

        is_api = match.re is API_PATH
        response: HttpResponse
        token = bearer_token(request) if is_api else None
        if token is not None:
            response = self.token_request(request, match["slug"], token)
        elif not request.user.is_authenticated:
            if is_api:
                response = JsonResponse(
                    {"detail": "Unauthorized", "code": "unauthorized", "errors": []}, status=401
                )
            else:
                response = redirect_to_login(request.get_full_path())
        else:
            try:
                membership = resolve_membership(request, match["slug"])
            except Http404 as error:
                if is_api:
                    response = JsonResponse(API_NOT_FOUND, status=404)
                else:
                    response = response_for_exception(request, error)
            else:
                practice_request = cast(PracticeRequest, request)
                practice_request.practice = membership.practice
                practice_request.membership = membership
                with scope(practice=membership.practice):
                    response = self.get_response(request)
        # Staff pages carry patient data: no browser or proxy may keep a copy.
        response["Cache-Control"] = "no-store"
        return response

    def token_request(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        """An API call with `Authorization: Bearer <token>` (docs/api.md): the token's member,
        in the slug's practice only. Unknown or revoked: 401 (429 after too many from one
        address); a token of another practice: 404, as for a stranger. No session, no CSRF."""
        from carnet.api.tokens import member_for_bearer  # the API app builds on this one

        found = member_for_bearer(request, token)
        if found.membership is None:
            refused = JsonResponse(
                {"detail": "Unauthorized", "code": "invalid_token", "errors": []},
                status=found.status,
            )
            if found.retry_after is not None:
                refused["Retry-After"] = str(found.retry_after)
            return refused
        membership = found.membership
        if membership.practice.slug != slug:
            return JsonResponse(API_NOT_FOUND, status=404)
        request.user = membership.user
        practice_request = cast(PracticeRequest, request)
        practice_request.practice = membership.practice
        practice_request.membership = membership
        practice_request.api_token_auth = True
        with scope(practice=membership.practice):
            return self.get_response(request)

    def booking_site(self, request: HttpRequest, slug: str) -> HttpResponse:
        """A booking page: anyone may see it, inside the scope of the slug's practice only.

        No membership is asked for; an unknown slug is a 404. Logged-in patients see their own
        patients of this practice only (`carnet.portal.patients.account_patients`).
        """
        with scopes_disabled():  # finding the tenant is the one query that precedes its scope
            practice = Practice.objects.filter(slug=slug).first()
        if practice is None:
            with no_practice():
                return response_for_exception(request, Http404())
        cast(PracticeRequest, request).practice = practice
        with scope(practice=practice):
            return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # A practice that requires a second factor is closed to members without one. Checked
        # here, not in __call__: messages and the user's language are set up by now.
        membership = getattr(request, "membership", None)
        if membership is not None and second_factor.is_missing(request.user, membership.practice):
            api = API_PATH.match(request.path_info) is not None
            return second_factor.required_response(request, membership.practice, api=api)
        # The slug has done its work here; views take the practice from the request.
        if PRACTICE_PATH.match(request.path_info):
            kwargs.pop("practice_slug", None)
        elif BOOKING_PATH.match(request.path_info):
            kwargs.pop("booking_slug", None)
        return None
