"""The feed itself (public, by token), its settings page (staff) and its help page (public)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_scopes import scope

from carnet.feeds.changes import SETTLE, STATE_TTL, generation_keys
from carnet.feeds.feed import (
    FeedSource,
    FeedState,
    Window,
    build_feed,
    feed_state,
    feed_window,
    find_source,
)
from carnet.feeds.forms import FeedPrivacyForm
from carnet.feeds.links import disable_link, feed_urls, issue_link, link_for
from carnet.feeds.models import FeedLink
from carnet.feeds.throttle import hit, parse_limit
from carnet.practices import policy
from carnet.practices.access import PracticeRequest, get_scoped_or_404
from carnet.scheduling.models import Practitioner

BODY_TTL = 24 * 3600
# Identical for unknown, revoked and disabled tokens, so a response never tells them apart.
NOT_FOUND_BODY = b"Not found\n"


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _not_found() -> HttpResponse:
    response = HttpResponse(NOT_FOUND_BODY, status=404, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return _private(response)


def _too_many(retry_after: int) -> HttpResponse:
    response = HttpResponse(
        b"Too many requests\n", status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return _private(response)


def _client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, the one source of truth for it.

    Behind the configured proxy, waitress has already set it from X-Forwarded-For
    (`carnet.server`); reading that header here too would trust whoever sent it.
    """
    return str(request.META.get("REMOTE_ADDR", ""))


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison: W/"x" matches "x".
    tags = {tag.removeprefix("W/") for tag in parse_etags(header)}
    return "*" in tags or etag in tags


@csrf_exempt  # GET only, no session or cookie involved: a POST gets 405, not a CSRF 403
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The ICS feed of the link whose token is in the URL; 304 when the client is current."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    source = find_source(token)
    if source is None:
        # Unknown tokens are counted per address: a scanner gets 429 instead of 404 soon.
        wait = hit(f"miss:{_client_ip(request)}", parse_limit(settings.FEED_MISS_RATE_LIMIT))
        return _too_many(wait) if wait is not None else _not_found()
    wait = hit(f"link:{source.link_id}", parse_limit(settings.FEED_RATE_LIMIT))
    if wait is not None:
        return _too_many(wait)
    # Found by its token: from here on, only the link's practice can be read.
    with scope(practice=source.practice_id):
        return _feed_response(request, source)


def _feed_response(request: HttpRequest, source: FeedSource) -> HttpResponse:
    window = feed_window(source)
    state = _current_state(source, window)
    max_age = source.refresh_minutes * 60
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and _etag_matches(if_none_match, state.etag):
        return _not_modified(state.etag, max_age)

    key = f"feeds:body:{source.link_id}"
    cached = cache.get(key)
    if cached is not None and cached[0] == state.fingerprint:
        _fingerprint, last_modified, body = cached
    else:
        body = build_feed(source, window)
        last_modified = state.changed_at
        if cached is not None and last_modified <= cached[1]:
            # Something changed that leaves no timestamp (a deleted event, the window moving
            # on a day): the change happened between the last rendering and now.
            # At least a second later, so If-Modified-Since sees it even within one second.
            last_modified = max(
                timezone.now().replace(microsecond=0), cached[1] + timedelta(seconds=1)
            )
        cache.set(key, (state.fingerprint, last_modified, body), BODY_TTL)

    if not if_none_match:  # RFC 9110: If-Modified-Since is ignored when If-None-Match is sent
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        if since is not None and int(last_modified.timestamp()) <= since:
            response = _not_modified(state.etag, max_age)
            response["Last-Modified"] = http_date(last_modified.timestamp())
            return response

    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = state.etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Content-Disposition"] = 'inline; filename="carnet.ics"'
    return _private(response)


def _current_state(source: FeedSource, window: Window) -> FeedState:
    """The feed's fingerprint, recomputed only when a generation moved (see `changes`)."""
    keys = generation_keys(source.practitioner_id, source.practice_id)
    state_key = f"feeds:state:{source.link_id}"
    found = cache.get_many([*keys, state_key])
    generations = (found.get(keys[0]), found.get(keys[1]))
    basis = (source, window, generations)
    stored = found.get(state_key)
    if stored is not None and stored[0] == basis:
        return stored[1]
    now = time.time()
    state = feed_state(source, window)
    newest = max((generation[0] for generation in generations if generation), default=0.0)
    if now - newest > SETTLE:  # else the writer may not have committed yet: do not keep it
        cache.set(state_key, (basis, state), STATE_TTL)
    return state


def _not_modified(etag: str, max_age: int) -> HttpResponse:
    response = HttpResponse(status=304)
    del response["Content-Type"]
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={max_age}"
    return _private(response)


def feed_settings(request: PracticeRequest, practitioner_id: int) -> HttpResponse:
    """Turn the practitioner's private link on, regenerate it, turn it off, choose titles.

    Only the practitioner (their login) and the practice's owners and admins may: the link
    opens the agenda to whoever holds it, so it stays with the person whose agenda it is.
    Anyone else, including assistants, gets the same 404 as for another practice's id.
    """
    practice = request.practice
    practitioner: Practitioner = get_scoped_or_404(
        Practitioner.objects.all(), practice, pk=practitioner_id
    )
    if not policy.can_manage_feed(request.membership, practitioner):
        raise Http404

    link = FeedLink.objects.filter(practitioner=practitioner).first()
    form = FeedPrivacyForm(instance=link or FeedLink(practitioner=practitioner))
    urls = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("enable", "regenerate"):
            urls = feed_urls(issue_link(practitioner, actor=request.user))
            link = FeedLink.objects.get(practitioner=practitioner)
        elif action == "disable":
            disable_link(practitioner, actor=request.user)
            messages.success(request, _("The calendar link is turned off. It no longer works."))
            return _settings_response(redirect(request.path))
        elif action == "privacy":
            form = FeedPrivacyForm(request.POST, instance=link or link_for(practitioner))
            if form.is_valid():
                form.save()
                messages.success(request, _("Your choices are saved."))
                return _settings_response(redirect(request.path))
        else:
            return HttpResponseBadRequest()
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])

    response = render(
        request,
        "feeds/settings.html",
        {
            "practice": practice,
            "practitioner": practitioner,
            "link": link,
            "active": bool(link and link.is_active),
            "urls": urls,
            "form": form,
        },
    )
    return _settings_response(response)


def _settings_response(response: HttpResponse) -> HttpResponse:
    # The page may show the secret link: never keep it in a cache. The link is in the body,
    # not the URL, so the site's `same-origin` Referrer-Policy leaks nothing; `no-referrer`
    # here made Chromium send `Origin: null` with the page's forms, which CSRF refuses.
    response["Cache-Control"] = "no-store"
    return response


def help_page(request: HttpRequest) -> HttpResponse:
    """How to subscribe from Apple Calendar, Outlook and Google Calendar."""
    return render(request, "feeds/help.html")
