"""The patients' booking site: choose, see the week's free slots, log in, confirm, add to calendar.

Every page runs inside the slug's practice (`carnet.practices.tenancy.BOOKING_PATH`), which sets
`request.practice`; there is no membership. Each id the browser sends is checked against that
practice (`choices.py`), and the booking itself goes through the one door
(`carnet.scheduling.booking.book`, channel online), which re-checks the slot under its lock:
whatever a crafted request says, a refusal is a sentence and nothing is saved.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from carnet.feeds.throttle import hit, parse_limit
from carnet.portal.calendar_links import google_calendar_url, ics_file, place_of
from carnet.portal.choices import (
    Selection,
    UnreadableValue,
    online_types,
    read_selection,
    read_start,
)
from carnet.portal.embed import embed_origins
from carnet.portal.forms import PatientChoiceForm
from carnet.portal.patients import account_patients
from carnet.portal.slots import DaySlots, week_slots, week_start_of
from carnet.practices.models import Practice
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling.booking import book
from carnet.scheduling.errors import BookingError, SlotTaken
from carnet.scheduling.models import Appointment, AppointmentSource

__all__ = ["appointment_ics", "confirm", "done", "slots_json", "start"]


def _practice(request: HttpRequest) -> Practice:
    return cast(PracticeRequest, request).practice


def _message(error: ValidationError) -> str:
    return str(error) if isinstance(error, BookingError) else " ".join(error.messages)


def _today(practice: Practice, now: datetime) -> date:
    return now.astimezone(practice.zone).date()


def _private(response: HttpResponse) -> HttpResponse:
    """Pages with a patient's appointment or details: no browser or proxy may keep a copy."""
    response["Cache-Control"] = "no-store"
    return response


def _framable(response: HttpResponse, practice: Practice) -> HttpResponse:
    """Let the practice's own websites (and only them) show this page in a frame."""
    origins = embed_origins(practice.booking_embed_origins)
    if origins:
        response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": origins}  # type: ignore[attr-defined]
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def _horizon_end(selection: Selection, today: date) -> date:
    """The last local day any practitioner of the selection can be booked online."""
    people = [selection.practitioner] if selection.practitioner else selection.practitioners
    days = max((person.booking_horizon_days for person in people if person), default=0)
    return today + timedelta(days=days)


# When no week was asked for and this one has nothing free (a Sunday evening, a full week), the
# page opens on the first week with a free slot, looking this many weeks ahead at most.
WEEKS_LOOKED_AHEAD = 8


def _week_context(
    practice: Practice, selection: Selection, now: datetime, embed: bool, *, asked: bool = True
) -> dict[str, Any]:
    """The week's days and slots with the links to confirm each, and the week navigation.

    Days already over are left out. `asked=False` (the patient did not pick a week) moves on to
    the first week that has a free slot, within the horizon.
    """
    kind = selection.appointment_type
    assert kind is not None and selection.week is not None
    today = _today(practice, now)
    week = selection.week
    days: list[DaySlots] = week_slots(
        practice, kind, selection.practitioner, selection.center, week, now
    )
    if not asked and not any(day.slots for day in days):
        horizon = _horizon_end(selection, today)
        for ahead in range(1, WEEKS_LOOKED_AHEAD + 1):
            later = week + timedelta(days=7 * ahead)
            if later > horizon:
                break
            found = week_slots(practice, kind, selection.practitioner, selection.center, later, now)
            if any(day.slots for day in found):
                week, days = later, found
                selection.week = later
                break
    days = [day for day in days if day.date >= today]
    extra = {"embed": "1"} if embed else {}
    confirm_url = reverse("portal:confirm", kwargs={"booking_slug": practice.slug})
    links = [
        (
            day,
            [
                (
                    slot,
                    confirm_url
                    + "?"
                    + urlencode(
                        {
                            **selection.query(week=None, center=slot.center_id),
                            "start": slot.start.isoformat(),
                        }
                    ),
                )
                for slot in day.slots
            ],
        )
        for day in days
    ]
    start_url = reverse("portal:start", kwargs={"booking_slug": practice.slug})
    previous_week = week - timedelta(days=7)
    next_week = week + timedelta(days=7)
    return {
        "week": week,
        "week_end": week + timedelta(days=6),
        "days": links,
        "has_slots": any(day.slots for day in days),
        "previous_url": (
            start_url + "?" + urlencode({**selection.query(week=previous_week), **extra})
            if previous_week >= week_start_of(today)
            else None
        ),
        "next_url": (
            start_url + "?" + urlencode({**selection.query(week=next_week), **extra})
            if next_week <= _horizon_end(selection, today)
            else None
        ),
    }


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Choose the center, the type, the practitioner; see the week's free slots."""
    practice = _practice(request)
    now = timezone.now()
    embed = request.GET.get("embed") == "1"
    status = 200
    context: dict[str, Any] = {"practice": practice, "embed": embed, "zone": practice.zone}
    try:
        selection = read_selection(practice, request.GET, _today(practice, now))
    except ValidationError as error:
        context["problem"] = _message(error)
        status = 400
        selection = read_selection(practice, request.GET.__class__(""), _today(practice, now))
    context["selection"] = selection
    extra = {"embed": "1"} if embed else {}
    start_url = reverse("portal:start", kwargs={"booking_slug": practice.slug})

    def link(**changes: object) -> str:
        return start_url + "?" + urlencode({**selection.query(**changes), **extra})

    context["center_links"] = [
        (center, link(center=center.pk, type=None, practitioner=None, week=None))
        for center in selection.centers
    ]
    needs_center = len(selection.centers) > 1 and selection.center is None
    context["needs_center"] = needs_center
    if not needs_center:
        context["type_links"] = [
            (kind, link(type=kind.pk, practitioner="any", week=None))
            for kind in online_types(practice)
        ]
    if selection.appointment_type is not None and not needs_center:
        context["practitioner_links"] = [(None, link(practitioner="any"))] + [
            (person, link(practitioner=person.pk)) for person in selection.practitioners
        ]
        try:
            context.update(
                _week_context(practice, selection, now, embed, asked="week" in request.GET)
            )
        except BookingError as error:
            context["problem"] = str(error)
            status = 400
    response = render(request, "portal/start.html", context, status=status)
    return _framable(response, practice)


@require_GET
def slots_json(request: HttpRequest) -> JsonResponse:
    """The week's slots as JSON, for scripts and the benchmark: same rules as the page."""
    practice = _practice(request)
    now = timezone.now()
    try:
        selection = read_selection(practice, request.GET, _today(practice, now))
        if selection.appointment_type is None:
            raise UnreadableValue(_("Choose a type of appointment."))
        assert selection.week is not None
        days = week_slots(
            practice,
            selection.appointment_type,
            selection.practitioner,
            selection.center,
            selection.week,
            now,
        )
    except ValidationError as error:
        return JsonResponse({"error": _message(error)}, status=400)
    return JsonResponse(
        {
            "time_zone": practice.time_zone,
            "days": [
                {
                    "date": day.date.isoformat(),
                    "slots": [
                        {"start": slot.start.isoformat(), "label": slot.label} for slot in day.slots
                    ],
                }
                for day in days
            ],
        }
    )


def _too_many(request: HttpRequest) -> int | None:
    """Booking attempts left to this address and this account; None when under both limits."""
    for key, limit in (
        (f"book-ip:{request.META.get('REMOTE_ADDR', '')}", settings.PORTAL_BOOKING_RATE_LIMIT_IP),
        (f"book-account:{request.user.pk}", settings.PORTAL_BOOKING_RATE_LIMIT_ACCOUNT),
    ):
        wait = hit(key, parse_limit(limit))
        if wait is not None:
            return wait
    return None


def _refusal(
    request: HttpRequest,
    practice: Practice,
    message: str,
    status: int,
    selection: Selection | None,
    start_at: datetime | None,
    now: datetime,
) -> HttpResponse:
    """The confirm page with the refusal and, when the choice is readable, fresh slots."""
    context: dict[str, Any] = {"practice": practice, "problem": message, "zone": practice.zone}
    if selection is not None and selection.appointment_type is not None:
        if start_at is not None:
            today = _today(practice, now)
            asked = week_start_of(start_at.astimezone(practice.zone).date())
            if week_start_of(today) <= asked <= _horizon_end(selection, today):
                selection.week = asked
        context["selection"] = selection
        with suppress(BookingError):  # the refusal itself already says what is wrong
            context.update(_week_context(practice, selection, now, embed=False))
    return _private(render(request, "portal/confirm.html", context, status=status))


def _still_free(
    practice: Practice, selection: Selection, start_at: datetime, now: datetime
) -> bool:
    kind = selection.appointment_type
    assert kind is not None
    days = week_slots(
        practice,
        kind,
        selection.practitioner,
        selection.center,
        week_start_of(start_at.astimezone(practice.zone).date()),
        now,
    )
    return any(slot.start == start_at for day in days for slot in day.slots)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Who the appointment is for, then book it through the door (login required)."""
    practice = _practice(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    now = timezone.now()
    posted = request.method == "POST"
    if posted:
        wait = _too_many(request)
        if wait is not None:
            response = render(
                request,
                "portal/confirm.html",
                {
                    "practice": practice,
                    "problem": _("Too many booking attempts. Please try again in a while."),
                },
                status=429,
            )
            response["Retry-After"] = str(wait)
            return _private(response)
    params = request.POST if posted else request.GET
    selection: Selection | None = None
    start_at: datetime | None = None
    try:
        selection = read_selection(practice, params, _today(practice, now))
        if selection.appointment_type is None:
            raise UnreadableValue(_("Choose a type of appointment first."))
        start_at = read_start(params.get("start"))
    except ValidationError as error:
        return _refusal(request, practice, _message(error), 400, selection, start_at, now)
    assert selection.appointment_type is not None
    patients = account_patients(request.user, practice)
    form = PatientChoiceForm(
        params if posted else None,
        practice=practice,
        patients=patients,
        today=_today(practice, now),
    )
    if not posted:
        try:
            free = _still_free(practice, selection, start_at, now)
        except BookingError as error:
            return _refusal(request, practice, str(error), 400, selection, start_at, now)
        if not free:
            message = _("This slot is no longer available; please pick another.")
            return _refusal(request, practice, message, 409, selection, start_at, now)
    elif form.is_valid():
        try:
            with transaction.atomic():
                patient = form.chosen_patient()
                if patient is None:
                    patient = form.new_patient(request.user, translation.get_language() or "")
                    patient.save()
                result = book(
                    practice,
                    appointment_type=selection.appointment_type,
                    patient=patient,
                    start=start_at,
                    practitioner=selection.practitioner,
                    center=selection.center,
                    channel=AppointmentSource.ONLINE,
                    actor=request.user,
                    now=now,
                )
        except BookingError as error:
            status = 409 if isinstance(error, SlotTaken) else 400
            return _refusal(request, practice, str(error), status, selection, start_at, now)
        return redirect(
            "portal:done", booking_slug=practice.slug, public_id=result.appointment.public_id
        )
    context = {
        "practice": practice,
        "zone": practice.zone,
        "selection": selection,
        "start": start_at.astimezone(practice.zone),
        "end": (
            start_at + timedelta(minutes=selection.appointment_type.duration_minutes)
        ).astimezone(practice.zone),
        "form": form,
        "hidden": {**selection.query(week=None), "start": params.get("start", "")},
    }
    status = 400 if posted else 200
    return _private(render(request, "portal/confirm.html", context, status=status))


def _own_appointment(request: HttpRequest, public_id: UUID) -> Appointment:
    """The appointment if it is in this practice and for one of the account's patients; else 404."""
    practice = _practice(request)
    found = (
        Appointment.objects.select_related("practice", "practitioner", "center", "patient")
        .filter(practice=practice, public_id=public_id, patient__account_id=request.user.pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@require_GET
def done(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The confirmation: when, where, with whom; add to my calendar; my appointments."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    appointment = _own_appointment(request, public_id)
    practice = _practice(request)
    context = {
        "practice": practice,
        "appointment": appointment,
        "zone": appointment.center.zone,
        "place": place_of(appointment),
        "google_url": google_calendar_url(appointment),
    }
    return _private(render(request, "portal/done.html", context))


@require_GET
def appointment_ics(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The appointment as an .ics file, to open in any calendar application."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    appointment = _own_appointment(request, public_id)
    response = HttpResponse(
        ics_file(appointment, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return _private(response)
