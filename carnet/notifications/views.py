"""The patient's appointment page, reached from the link in their emails: see it, cancel it.

No login: the signed token in the address is the key (`links`). The page runs with no practice
(any query of practice data raises) until the token names an appointment; it then scopes itself
to that appointment's practice. A tampered token is a 404 page, a past or cancelled appointment
says so; cancelling goes through the booking door (`carnet.scheduling.booking.cancel`, channel
"online") and is refused within the practice's cut-off. Every answer is private: no path in
any referrer (the token is in the address), no cache, no indexing; requests are limited per
client address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_scopes import scope, scopes_disabled

from carnet.feeds.throttle import hit, parse_limit
from carnet.notifications.links import read_token
from carnet.portal.mine.cutoff import cancel_refusal, past_cutoff
from carnet.scheduling import booking
from carnet.scheduling.errors import BookingError
from carnet.scheduling.models import Appointment, AppointmentStatus


def _private(response: HttpResponse) -> HttpResponse:
    # The token must never leave in a Referer: "strict-origin" sends no path, to anyone. Not
    # "no-referrer": with it, browsers send `Origin: null` with the cancel form's POST, which
    # Django's CSRF check rightly refuses (tests/e2e/test_appointment_link.py).
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    return _private(render(request, "notifications/appointment.html", context, status=status))


def _find(token: str) -> Appointment | None:
    public_id = read_token(token)
    if public_id is None:
        return None
    with scopes_disabled():  # finding the appointment is the one query before its scope
        return (
            Appointment.objects.select_related(
                "practice", "practitioner", "center", "appointment_type", "patient"
            )
            .filter(public_id=public_id)
            .first()
        )


@require_http_methods(["GET", "HEAD", "POST"])
def appointment(request: HttpRequest, token: str) -> HttpResponse:
    wait = hit(
        f"appointment-page:{request.META.get('REMOTE_ADDR', '')}",
        parse_limit(settings.NOTIFICATIONS_PAGE_RATE_LIMIT),
    )
    if wait is not None:
        response = _page(
            request,
            {"problem": _("Too many requests. Please try again in a while.")},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    found = _find(token)
    if found is None:
        return _page(
            request,
            {"problem": _("This link is not valid. Check that you copied it whole.")},
            status=404,
        )
    with scope(practice=found.practice_id):
        return _appointment_page(request, found)


def _appointment_page(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    practice = appointment.practice
    now = timezone.now()
    context: dict[str, object] = {
        "appointment": appointment,
        "practice": practice,
        "zone": appointment.center.zone,
    }
    if appointment.status == AppointmentStatus.CANCELLED:
        context["done"] = request.method == "POST"
        context["notice"] = _("This appointment is cancelled.")
        return _page(request, context)
    if appointment.start <= now:
        context["problem"] = _("This appointment is in the past.")
        return _page(request, context, status=410)
    # The same cut-off as "My appointments" (carnet/portal/mine/cutoff.py).
    late = past_cutoff(appointment, practice, now)
    if late:
        context["refusal"] = cancel_refusal(practice)
    if request.method == "POST":
        if late:
            return _page(request, context, status=409)
        try:
            booking.cancel(
                practice,
                appointment,
                channel=booking.Channel.ONLINE,
                reason=_("Cancelled by the patient from the link in an email."),
            )
        except BookingError as error:
            context["refusal"] = " ".join(error.messages)
            return _page(request, context, status=409)
        appointment.refresh_from_db(fields=["status", "sequence"])
        context["done"] = True
        context["notice"] = _("Your appointment is cancelled. The practice has been told.")
        return _page(request, context)
    context["can_cancel"] = not late
    return _page(request, context)
