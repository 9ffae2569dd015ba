"""Operators log into the admin through the same login form as everyone.

Django's admin has its own login form with no rate limit (25 wrong passwords, then the right one
worked). Sending operators through allauth's form gives them its limits, its lock-out per account
and, later, its second factor.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

ADMIN_HOME = "/admin/"


def operator_login(request: HttpRequest) -> HttpResponse:
    """The admin's login address: the ordinary login, which then comes back to the admin.

    Someone already logged in without operator rights is told so (403) rather than sent to the
    login page, which would send them straight back here.
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ADMIN_HOME
    next_url = next_url or ADMIN_HOME
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(next_url)
        return render(request, "accounts/operators_only.html", status=403)
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
