"""Pages of the calendar sync: connect, see, change and disconnect; Google's callbacks.

The staff page lives at `/app/<slug>/settings/calendar-sync/` (tenancy middleware, roles from
the policy: a member may connect the agendas they manage). Google's two callbacks have fixed
addresses, because Google only calls URLs registered in advance: the OAuth redirect
(`/calsync/google/callback`, which finds its practice from the request waiting in the user's
session) and the push webhook (`/calsync/google/notify`, which checks the channel's id and
secret token before anything else).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scope, scopes_disabled

from carnet.calsync import existing_calendar, governance, oauth, tasks
from carnet.calsync.connections import provider_for, revoke
from carnet.calsync.forms import CalendarChoice, ChoicesForm, ConnectForm, PickCalendarForm
from carnet.calsync.google.errors import GoogleTrouble
from carnet.calsync.models import (
    LIVE_STATES,
    CalendarConnection,
    ConnectionState,
    SyncConflict,
)
from carnet.calsync.secrets import TokenUnreadable, seal
from carnet.practices import policy
from carnet.practices.current_center import current_center, set_current_center, working_centers
from carnet.practices.models import Center, Membership
from carnet.practices.tenancy import PracticeRequest

logger = logging.getLogger(__name__)


def _connections(request: PracticeRequest) -> list[CalendarConnection]:
    managed = policy.managed_practitioners(request.membership)
    return list(
        CalendarConnection.objects.filter(
            practitioner__in=managed, state__in=[s.value for s in LIVE_STATES]
        )
        .select_related("practitioner")
        .order_by("practitioner__display_name")
    )


@require_http_methods(["GET", "POST"])
def calendar_sync(request: PracticeRequest) -> HttpResponse:
    """Every connection the member may see, a form to connect another, the conflict log."""
    managed = policy.calendar_practitioners(request.membership).filter(is_active=True)
    connections = _connections(request)
    connected = {connection.practitioner_id for connection in connections}
    centers = working_centers(request.membership)
    here = current_center(request)
    form = ConnectForm(
        request.POST or None,
        practitioners=managed.exclude(pk__in=connected).order_by("display_name"),
        centers=centers,
        current_center=here,
    )
    if request.method == "POST" and form.is_valid():
        center = form.cleaned_data.get("center") or here
        if center is not None:
            set_current_center(request, center)
        existing = form.cleaned_data.get("calendar") == CalendarChoice.EXISTING
        authorization = oauth.begin(
            scopes=oauth.EXISTING_CALENDAR_SCOPES if existing else oauth.SCOPES
        )
        waiting: dict[str, Any] = request.session.get(oauth.SESSION_KEY, {})
        waiting = dict(list(waiting.items())[-4:])  # a few tabs at most
        waiting[authorization.state] = {
            "practice": request.practice.pk,
            "practitioner": form.cleaned_data["practitioner"].pk,
            "direction": form.cleaned_data["direction"],
            "privacy": form.cleaned_data["privacy"],
            "center": center.pk if center is not None else None,
            "verifier": authorization.code_verifier,
            "existing_calendar": existing,
        }
        request.session[oauth.SESSION_KEY] = waiting
        return redirect(authorization.url)
    conflicts = SyncConflict.objects.filter(connection__in=connections).select_related(
        "appointment", "connection__practitioner"
    )[:20]
    approver = policy.can_approve_calendar_connections(request.membership)
    return _consent_allowed(
        render(
            request,
            "calsync/calendar_sync.html",
            {
                "practice": request.practice,
                "connections": [
                    (c, ChoicesForm(instance=c, prefix=f"c{c.pk}")) for c in connections
                ],
                "form": form,
                "can_connect": bool(form.fields["practitioner"].queryset.exists()),  # type: ignore[attr-defined]
                "conflicts": conflicts,
                "approver": approver,
                "centers": list(centers),
                "current_center": here,
            },
        )
    )


def _consent_allowed(response: HttpResponse) -> HttpResponse:
    """The connect form redirects to Google's consent screen: the Content Security Policy's
    `form-action 'self'` would stop the browser there, so this page also allows that origin."""
    consent = urlsplit(settings.GOOGLE_OAUTH_AUTH_URL)
    config: dict[str, Any] = dict(settings.SECURE_CSP)
    allowed = list(config.get("form-action") or [])
    config["form-action"] = [*allowed, f"{consent.scheme}://{consent.netloc}"]
    response._csp_config = config  # type: ignore[attr-defined]  # read by Django's CSP middleware
    return response


def _managed_connection(request: PracticeRequest, connection_id: int) -> CalendarConnection:
    connection = get_object_or_404(
        CalendarConnection.objects.select_related("practitioner"), pk=connection_id
    )
    if not policy.can_manage_practitioner(request.membership, connection.practitioner):
        raise Http404
    return connection


@require_http_methods(["GET", "POST"])
def connection_choices(request: PracticeRequest, connection_id: int) -> HttpResponse:
    connection = _managed_connection(request, connection_id)  # 404 before 405: no hint
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    before = {"direction": connection.direction, "privacy": connection.privacy}
    form = ChoicesForm(request.POST, instance=connection, prefix=f"c{connection.pk}")
    if form.is_valid():
        form.save()
        after = {"direction": connection.direction, "privacy": connection.privacy}
        if after != before:
            governance.audit(
                connection,
                governance.Action.CHOICES,
                request.membership.user,
                current_center(request),
                before=before,
                after=after,
            )
        messages.success(request, _("Your choices are saved."))
    else:
        messages.error(request, _("Please choose among the options offered."))
    return redirect("calendar_sync:page", practice_slug=request.practice.slug)


@require_http_methods(["GET", "POST"])
def disconnect(request: PracticeRequest, connection_id: int) -> HttpResponse:
    """Revoke the tokens; nothing in Carnet is deleted; Google's events only if asked."""
    connection = _managed_connection(request, connection_id)  # 404 before 405: no hint
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    remove_events = request.POST.get("remove_events") == "on"
    was_active = connection.state == ConnectionState.ACTIVE
    CalendarConnection.objects.filter(pk=connection.pk).update(state=ConnectionState.REVOKED)
    if remove_events and was_active:
        # The events go first (the token is still needed), then the token is revoked.
        transaction.on_commit(lambda: tasks.remove_events.enqueue(connection.pk))
    else:
        revoke(connection)
    governance.audit(
        connection,
        governance.Action.DISCONNECTED,
        request.membership.user,
        current_center(request),
        remove_events=remove_events,
    )
    messages.success(request, _("The calendar is disconnected. Nothing was deleted in Carnet."))
    return redirect("calendar_sync:page", practice_slug=request.practice.slug)


@require_http_methods(["GET", "POST"])
def pick_calendar(request: PracticeRequest, connection_id: int) -> HttpResponse:
    """Which of the account's existing calendars Carnet writes to, listed by Google just now."""
    connection = _managed_connection(request, connection_id)  # 404 before anything else
    if not connection.awaits_calendar_choice:
        return redirect("calendar_sync:page", practice_slug=request.practice.slug)
    try:
        calendars = existing_calendar.writable_calendars(provider_for(connection))
    except (GoogleTrouble, TokenUnreadable) as trouble:
        logger.info("listing the calendars of connection %s: %s", connection.pk, trouble)
        return render(
            request,
            "calsync/pick_calendar.html",
            {"practice": request.practice, "connection": connection, "unreachable": True},
            status=503 if request.method == "POST" else 200,
        )
    form = PickCalendarForm(request.POST or None, calendars=calendars)
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            entry = next(e for e in calendars if e.id == form.cleaned_data["calendar_id"])
            here = current_center(request)
            if not existing_calendar.choose(connection, entry, request.membership, here):
                messages.error(request, _("This connection no longer waits for a calendar."))
            elif connection.state == ConnectionState.ACTIVE:
                messages.success(
                    request,
                    _("Carnet now sends the appointments to %(calendar)s.")
                    % {"calendar": entry.summary},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Calendar chosen: %(calendar)s. Syncing starts once an admin of the "
                        "practice approves it."
                    )
                    % {"calendar": entry.summary},
                )
            return redirect("calendar_sync:page", practice_slug=request.practice.slug)
    else:
        status = 200
    return render(
        request,
        "calsync/pick_calendar.html",
        {"practice": request.practice, "connection": connection, "form": form},
        status=status,
    )


@login_required
def google_callback(request: HttpRequest) -> HttpResponse:
    """Google sends the user back here with a code: the connection is made (or refused)."""
    state = request.GET.get("state", "")
    waiting = request.session.get(oauth.SESSION_KEY, {})
    pending = waiting.pop(state, None) if state else None
    request.session[oauth.SESSION_KEY] = waiting
    if not isinstance(pending, dict):
        return render(request, "calsync/callback_problem.html", status=400)
    with scopes_disabled():
        membership = (
            Membership.objects.select_related("practice", "user")
            .filter(user_id=request.user.pk or 0, practice_id=pending["practice"])
            .first()
        )
    if membership is None:
        raise Http404
    practice = membership.practice
    with scope(practice=practice):  # whose agenda: checked before Google is even asked
        practitioner = (
            policy.calendar_practitioners(membership).filter(pk=pending["practitioner"]).first()
        )
    if practitioner is None:
        raise Http404
    target = redirect("calendar_sync:page", practice_slug=practice.slug)
    if request.GET.get("error"):
        messages.error(request, _("Google did not allow the connection. Nothing was changed."))
        return target
    into_existing = bool(pending.get("existing_calendar"))
    try:
        granted = oauth.finish(
            state=state,
            code_verifier=pending.get("verifier", ""),
            authorization_response=request.build_absolute_uri(),
            scopes=oauth.EXISTING_CALENDAR_SCOPES if into_existing else oauth.SCOPES,
        )
    except oauth.GrantRefused:
        messages.error(
            request,
            _("Google did not give Carnet access to the calendar. Nothing was changed."),
        )
        return target
    with scope(practice=practice):
        admin = policy.can_manage_practice(membership)
        center = Center.objects.filter(pk=pending.get("center") or 0).first()
        existing = governance.existing_link(practice.pk, practitioner.pk, granted.account_email)
        try:
            if existing is not None:
                raise IntegrityError  # said below, as when the database catches a race
            with transaction.atomic():
                connection = CalendarConnection.objects.create(
                    practice=practice,
                    practitioner=practitioner,
                    state=ConnectionState.ACTIVE if admin else ConnectionState.PENDING,
                    direction=pending["direction"],
                    privacy=pending["privacy"],
                    requested_by=membership.user,
                    center=center,
                    account_email=granted.account_email,
                    scope=granted.scopes,
                    refresh_token=seal(granted.refresh_token),
                    access_token=seal(granted.access_token),
                    access_expires_at=granted.expires_at,
                    # An existing calendar: none yet, the member picks it next.
                    calendar_created=not into_existing,
                )
                governance.audit(
                    connection,
                    governance.Action.CONNECTED if admin else governance.Action.REQUESTED,
                    membership.user,
                    center,
                    direction=connection.direction,
                    privacy=connection.privacy,
                    **({"existing_calendar": True} if into_existing else {}),
                )
                if not admin and not into_existing:
                    governance.request_approval(connection)
        except IntegrityError:
            # A second tab, or a race, may have linked it since the check: name what is there.
            # The grant is not revoked: Google would withdraw it from the live connection too.
            existing = existing or governance.existing_link(
                practice.pk, practitioner.pk, granted.account_email
            )
            if existing is not None:
                messages.error(
                    request,
                    governance.duplicate_message(existing, practitioner.pk, granted.account_email),
                )
            else:
                messages.error(request, _("This agenda could not be connected. Try again."))
            return target
    if into_existing:
        # Nothing starts and no admin is asked before the pick (existing_calendar.py).
        messages.success(request, _("Connected. Now choose the calendar Carnet writes to."))
        return redirect(
            "calendar_sync:pick_calendar", practice_slug=practice.slug, connection_id=connection.pk
        )
    if admin:
        transaction.on_commit(lambda: tasks.start.enqueue(connection.pk))
        messages.success(
            request,
            _("Connected. Carnet is creating the calendar and sending the appointments."),
        )
    else:
        messages.success(
            request, _("Connected. Syncing starts once an admin of the practice approves it.")
        )
    return target


@csrf_exempt
@require_POST
def google_notify(request: HttpRequest) -> HttpResponse:
    """Google's push notification: something changed in a watched calendar; pull it now."""
    channel_id = request.headers.get("X-Goog-Channel-ID", "")
    token = request.headers.get("X-Goog-Channel-Token", "")
    if not channel_id or not token:
        return HttpResponseBadRequest()
    connection = (
        CalendarConnection.objects.with_scopes_disabled()
        .filter(channel_id=channel_id, state=ConnectionState.ACTIVE)
        .only("pk", "channel_token")
        .first()
    )
    if connection is None or not hmac.compare_digest(
        connection.channel_token.encode(), token.encode("utf-8", "replace")
    ):
        return HttpResponse(status=404)
    if request.headers.get("X-Goog-Resource-State") != "sync":
        tasks.pull.enqueue(connection.pk)
    return HttpResponse(status=204)
