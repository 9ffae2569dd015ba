"""The language of a page: the visitor's choice (the language switch), then the user's own,
then their practice's, then the browser's (fr, es or en)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django_scopes import scopes_disabled

SUPPORTED = {code for code, _name in settings.LANGUAGES}
SameSite = Literal["Lax", "Strict", "None", False] | None


class LanguageMiddleware:
    """Before authentication: an explicit choice (?lang=, then kept in the language cookie), or
    the browser's.

    The choice lives in Django's language cookie, not in the session: a session row per anonymous
    visitor who clicked a language button would let anyone fill the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.GET.get("lang")
        chosen = chosen if chosen in SUPPORTED else None
        translation.activate(chosen or visitor_language(request))
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        if chosen and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
            )
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class UserLanguageMiddleware:
    """After authentication: a user's own language wins, then their practice's default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if explicit_choice(request) is None:
            language = preferred_language(request)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers["Content-Language"] = translation.get_language()
        return response


def explicit_choice(request: HttpRequest) -> str | None:
    """The language the visitor picked with the switch: this request's ?lang=, or the cookie."""
    for chosen in (request.GET.get("lang"), request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
        if chosen in SUPPORTED:
            return chosen
    return None


def visitor_language(request: HttpRequest) -> str:
    """The language of a page for whoever is not logged in: their choice, else their browser's."""
    language = explicit_choice(request) or translation.get_language_from_request(request)
    return language if language in SUPPORTED else settings.LANGUAGE_CODE


def page_language(request: HttpRequest) -> str:
    """The language the next page shown to this request's user will be in."""
    return explicit_choice(request) or preferred_language(request) or visitor_language(request)


def preferred_language(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if user.language in SUPPORTED:
        return str(user.language)
    # The user's own memberships, across practices: explicitly unscoped (see tenancy.py).
    with scopes_disabled():
        membership = user.memberships.select_related("practice").order_by("created_at").first()
    if membership and membership.practice.language in SUPPORTED:
        return str(membership.practice.language)
    return None
