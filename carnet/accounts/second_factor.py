"""Two-factor authentication that a practice requires of its members (`Practice.require_mfa`).

allauth MFA does the rest (setting up an authenticator app, asking its code at login, recovery
codes, rate limits): see docs/mfa.md. Having an authenticator app means every login of the
account asked for its code, so "has one" is what a practice can demand. A member without one
is sent to set it up before any page or API route of that practice answers.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext

from carnet.practices.models import Practice


def is_missing(user: AbstractBaseUser | AnonymousUser, practice: Practice) -> bool:
    """Whether the practice requires a second factor that this user has not set up."""
    if not practice.require_mfa or not user.is_authenticated:
        return False
    return not is_mfa_enabled(user, [Authenticator.Type.TOTP])


def required_response(request: HttpRequest, practice: Practice, *, api: bool) -> HttpResponse:
    """Where a member without the required second factor is sent instead of the practice.

    Pages go to the authenticator app's set-up page, with a message saying why; the API answers
    403 with the same reason (a script cannot set up an app).
    """
    if api:
        detail = gettext(
            "%(practice)s requires two-factor authentication for every member: set up an "
            "authenticator app on the Security page before using its API."
        ) % {"practice": practice.name}
        return JsonResponse({"detail": detail, "code": "mfa_required"}, status=403)
    messages.warning(
        request,
        gettext(
            "%(practice)s requires two-factor authentication for every member: set up an "
            "authenticator app to open the practice."
        )
        % {"practice": practice.name},
    )
    return HttpResponseRedirect(reverse("mfa_activate_totp"))
