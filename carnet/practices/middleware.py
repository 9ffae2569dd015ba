"""The language follows the user, then the practice, then the browser (fr, es or en)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class LanguageMiddleware:
    """Before authentication: the browser's choice, or an explicit ?lang= kept in the session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.GET.get("lang")
        if chosen in SUPPORTED:
            request.session["language"] = chosen
        language = request.session.get("language") or translation.get_language_from_request(request)
        translation.activate(language if language in SUPPORTED else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class UserLanguageMiddleware:
    """After authentication: a user's own language wins, then their practice's default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "language" not in request.session:
            language = preferred_language(request)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers["Content-Language"] = translation.get_language()
        return response


def preferred_language(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if user.language in SUPPORTED:
        return str(user.language)
    membership = user.memberships.select_related("practice").order_by("created_at").first()
    if membership and membership.practice.language in SUPPORTED:
        return str(membership.practice.language)
    return None
