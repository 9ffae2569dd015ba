"""'My appointments': what a patient account sees and changes after logging in.

The account's patients (itself, a child: `Patient.account`) may have booked with several
practices, so these pages span practices: they run unscoped on purpose (`me/` in
`carnet.practices.tenancy.UNSCOPED_PREFIXES`), and every query is filtered by the logged-in
account, so another account's appointment or patient is a 404, like one that does not exist.
Every change goes through the booking door with the appointment's own practice and the
channel "online", which scopes itself to that practice; the practice's cut-off
(`cutoff.py`, shared with the page behind the link in emails) comes on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_scopes import scope, scopes_disabled

from carnet.patients.models import Patient
from carnet.portal.mine.cutoff import cancel_refusal, move_refusal, past_cutoff
from carnet.portal.mine.forms import MoveForm, PatientDetailsForm
from carnet.portal.slots import DaySlots, week_slots, week_start_of
from carnet.scheduling import booking
from carnet.scheduling.errors import BookingError
from carnet.scheduling.models import Appointment, AppointmentStatus

# The past is history, not a to-do list: the most recent visits are enough here.
PAST_SHOWN = 50


@dataclass(frozen=True)
class Row:
    """One appointment as the list shows it, with what the patient may still do."""

    appointment: Appointment
    can_cancel: bool
    can_move: bool
    too_late: str


def _private(response: HttpResponse) -> HttpResponse:
    # Patient data: no browser or proxy keeps a copy, and it is never indexed.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _appointments(user_id: int | None) -> QuerySet[Appointment]:
    # Across practices on purpose; the account filter is what keeps it to this patient.
    return Appointment.objects.filter(patient__account_id=user_id).select_related(
        "practice", "practitioner", "center", "appointment_type", "patient"
    )


def _own_appointment(request: HttpRequest, public_id: Any) -> Appointment:
    with scopes_disabled():
        found = _appointments(request.user.pk).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def _own_patient(request: HttpRequest, patient_id: int) -> Patient:
    with scopes_disabled():
        found = (
            Patient.objects.select_related("practice")
            .filter(account_id=request.user.pk, pk=patient_id)
            .first()
        )
    if found is None:
        raise Http404
    return found


def _row(appointment: Appointment, now: datetime) -> Row:
    practice = appointment.practice
    open_ = appointment.status == AppointmentStatus.CONFIRMED and appointment.start > now
    late = past_cutoff(appointment, practice, now)
    kind = appointment.appointment_type
    return Row(
        appointment=appointment,
        can_cancel=open_ and not late,
        can_move=open_ and not late and kind.online_booking and kind.is_active,
        too_late=cancel_refusal(practice) if open_ and late else "",
    )


def _list_page(request: HttpRequest, *, refusal: str = "", status: int = 200) -> HttpResponse:
    now = timezone.now()
    with scopes_disabled():
        upcoming = [_row(a, now) for a in _appointments(request.user.pk).filter(end__gt=now)]
        past = list(
            _appointments(request.user.pk).filter(end__lte=now).order_by("-start")[:PAST_SHOWN]
        )
        patients = list(
            Patient.objects.select_related("practice")
            .filter(account_id=request.user.pk)
            .order_by("first_name", "last_name", "practice__name", "pk")
        )
    context = {"upcoming": upcoming, "past": past, "patients": patients, "refusal": refusal}
    return _private(render(request, "portal/mine/list.html", context, status=status))


@verified_email_required
@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    """Upcoming and past appointments of every patient of the account, and those patients."""
    return _list_page(request)


@verified_email_required
@require_POST
def cancel(request: HttpRequest, public_id: Any) -> HttpResponse:
    appointment = _own_appointment(request, public_id)
    practice = appointment.practice
    if appointment.status == AppointmentStatus.CANCELLED:
        messages.info(request, _("This appointment is cancelled."))
        return redirect("mine:appointments")
    if past_cutoff(appointment, practice, timezone.now()):
        return _list_page(request, refusal=cancel_refusal(practice), status=409)
    try:
        booking.cancel(
            practice,
            appointment,
            channel=booking.Channel.ONLINE,
            actor=request.user,
            reason=_("Cancelled by the patient in “My appointments”."),
        )
    except BookingError as error:
        return _list_page(request, refusal=" ".join(error.messages), status=409)
    messages.success(request, _("Your appointment is cancelled. The practice has been told."))
    return redirect("mine:appointments")


def _week(request: HttpRequest, appointment: Appointment, now: datetime) -> date:
    """The week asked for (`?week=`, any day of it), else the one of the appointment's date."""
    zone = appointment.practice.zone
    default = max(appointment.start, now).astimezone(zone).date()
    text = request.GET.get("week", "")
    try:
        asked = date.fromisoformat(text) if text else default
    except ValueError:
        asked = default
    # Weeks before today have no free slot; years beyond 9000 would overflow the arithmetic.
    today = now.astimezone(zone).date()
    if asked < today or asked.year >= 9000:
        asked = today
    return week_start_of(asked)


def _move_page(
    request: HttpRequest,
    appointment: Appointment,
    *,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    practice = appointment.practice
    week = _week(request, appointment, now)
    days: list[DaySlots] = []
    try:
        with scope(practice=practice):
            days = week_slots(
                practice, appointment.appointment_type, appointment.practitioner, None, week, now
            )
    except BookingError as error:
        refusal = refusal or " ".join(error.messages)
    today_week = week_start_of(now.astimezone(practice.zone).date())
    context = {
        "appointment": appointment,
        "practice": practice,
        "zone": appointment.center.zone,
        "days": days,
        "any_slot": any(day.slots for day in days),
        "week": week,
        "previous_week": week - timedelta(days=7) if week > today_week else None,
        "next_week": week + timedelta(days=7),
        "refusal": refusal,
    }
    return _private(render(request, "portal/mine/move.html", context, status=status))


@verified_email_required
@require_http_methods(["GET", "HEAD", "POST"])
def move(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The week's free slots of the same type and practitioner; POST one to move there."""
    appointment = _own_appointment(request, public_id)
    practice = appointment.practice
    kind = appointment.appointment_type
    now = timezone.now()
    if appointment.status != AppointmentStatus.CONFIRMED or appointment.start <= now:
        return _list_page(
            request, refusal=_("This appointment can no longer be moved."), status=409
        )
    if past_cutoff(appointment, practice, now):
        return _list_page(request, refusal=move_refusal(practice), status=409)
    if not (kind.online_booking and kind.is_active):
        return _list_page(
            request,
            refusal=_("This kind of appointment is booked by phone: please call the practice."),
            status=409,
        )
    if request.method != "POST":
        return _move_page(request, appointment)
    form = MoveForm(request.POST)
    if not form.is_valid():
        refusal = " ".join(str(message) for message in form.errors["start"])
        return _move_page(request, appointment, refusal=refusal, status=400)
    try:
        booking.reschedule(
            practice,
            appointment,
            start=form.cleaned_data["start"],
            channel=booking.Channel.ONLINE,
            actor=request.user,
        )
    except BookingError as error:
        # Most often "this slot was just taken": say so, with the slots free now.
        return _move_page(request, appointment, refusal=" ".join(error.messages), status=409)
    messages.success(request, _("Your appointment is moved. The practice has been told."))
    return redirect("mine:appointments")


@verified_email_required
@require_http_methods(["GET", "HEAD", "POST"])
def patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Edit the details of one patient the account manages (at one practice)."""
    found = _own_patient(request, patient_id)
    if request.method == "POST":
        form = PatientDetailsForm(request.POST, instance=found)
        with scopes_disabled():
            valid = form.is_valid()
            if valid:
                form.save()
        if valid:
            messages.success(request, _("The details are saved."))
            return redirect("mine:appointments")
        status = 400
    else:
        form = PatientDetailsForm(instance=found)
        status = 200
    context = {"form": form, "patient": found, "practice": found.practice}
    return _private(render(request, "portal/mine/patient.html", context, status=status))
