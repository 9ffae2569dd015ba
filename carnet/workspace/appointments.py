"""Staff pages that book, change and cancel appointments.

The agenda links to the new-appointment page when an empty time is clicked
(`?practitioner=<id>&center=<id>&start=<YYYY-MM-DDTHH:MM>`, local time of the center); the
appointment page links to the edit and cancel pages. Who may do what is `carnet.practices.policy`
(anything else is a 404); every write goes through `carnet.scheduling.booking`, inside one
transaction per submitted form, so a refusal leaves nothing half-saved (not even a patient
created inline).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from carnet.patients.models import Patient
from carnet.practices import policy
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling import booking
from carnet.scheduling.errors import BookingError
from carnet.scheduling.inputs import as_id
from carnet.scheduling.models import Appointment, AppointmentStatus
from carnet.workspace.appointment_forms import (
    ChangeAppointmentForm,
    NewAppointmentForm,
    NewPatientForm,
)
from carnet.workspace.templatetags.practice_dates import long_date

# The agenda's link: a local wall time, minutes only (what a time slot in the agenda shows).
START_FORMAT = "%Y-%m-%dT%H:%M"


def appointment_new(request: PracticeRequest) -> HttpResponse:
    """Book an appointment: for a patient found by name, phone or email, or created here."""
    membership = request.membership
    if not policy.can_book(membership):
        raise Http404
    query = request.GET.get("patient_q", "").strip()[:200]
    posted = request.method == "POST"
    form = NewAppointmentForm(
        request.POST if posted else None,
        membership=membership,
        query=query,
        initial={} if posted else prefill(request.GET, membership),
    )
    creating_patient = form.creates_patient()
    patient_form = NewPatientForm(
        request.POST if posted and creating_patient else None,
        prefix="new",
        instance=Patient(practice=request.practice),
    )
    # Both forms are checked, so that every mistake shows at once.
    valid = [form.is_valid(), patient_form.is_valid() if creating_patient else True]
    if posted and all(valid):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                patient = patient_form.save() if creating_patient else data["patient"]
                result = booking.book(
                    request.practice,
                    appointment_type=data["appointment_type"],
                    patient=patient,
                    start=form.start(),
                    practitioner=data["practitioner"],
                    center=data["center"],
                    channel=booking.Channel.STAFF,
                    actor=request.user,
                    allow_overlap=data.get("allow_overlap", False),
                    notes=data["notes"],
                    sms_reminder=data["sms_reminder"],
                    sync_external=data["sync_external"],
                    target_calendar=data["target_calendar"],
                )
        except BookingError as error:
            form.place_refusal(error)
        else:
            appointment = result.appointment
            messages.success(
                request,
                _("Booked: %(patient)s, %(when)s.")
                % {"patient": appointment.patient.full_name, "when": when(appointment)},
            )
            warn(request, result.warnings)
            return to_detail(request, appointment)
    return render(
        request,
        "workspace/appointments/form.html",
        {
            "practice": request.practice,
            "membership": membership,
            "form": form,
            "patient_form": patient_form,
            "creating": True,
            "query": query,
            "carried": carried(request.GET),
            "defaults": defaults(form),
            "shown_errors": posted,
        },
    )


def appointment_edit(request: PracticeRequest, public_id: str) -> HttpResponse:
    """Move an appointment, change its type, length, options, notes or status."""
    appointment = changeable(request, public_id)
    if appointment.status == AppointmentStatus.CANCELLED:
        messages.info(request, _("This appointment was cancelled; book a new one instead."))
        return to_detail(request, appointment)
    posted = request.method == "POST"
    form = ChangeAppointmentForm(
        request.POST if posted else None, membership=request.membership, current=appointment
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        results: list[booking.BookingResult] = []
        try:
            # One transaction: a refused move does not leave the new notes or status behind.
            with transaction.atomic():
                if form.moves():
                    retyped = data["appointment_type"].pk != appointment.appointment_type_id
                    results.append(
                        booking.reschedule(
                            request.practice,
                            appointment,
                            start=form.start(),
                            end=form.end(),
                            practitioner=data["practitioner"],
                            center=data["center"],
                            appointment_type=data["appointment_type"] if retyped else None,
                            channel=booking.Channel.STAFF,
                            actor=request.user,
                            allow_overlap=data.get("allow_overlap", False),
                        )
                    )
                results.append(
                    booking.amend(
                        request.practice,
                        appointment,
                        sms_reminder=data["sms_reminder"],
                        sync_external=data["sync_external"],
                        target_calendar=data["target_calendar"],
                        notes=data["notes"],
                        channel=booking.Channel.STAFF,
                        actor=request.user,
                    )
                )
                if data["status"] != appointment.status:
                    results.append(
                        booking.set_status(
                            request.practice, appointment, data["status"], actor=request.user
                        )
                    )
        except BookingError as error:
            form.place_refusal(error, exclude=appointment)
        else:
            saved = results[-1].appointment
            if any(result.event is not None for result in results):
                messages.success(request, _("Saved: %(when)s.") % {"when": when(saved)})
            else:
                messages.info(request, _("Nothing was changed."))
            for result in results:
                warn(request, result.warnings)
            return to_detail(request, saved)
    return render(
        request,
        "workspace/appointments/form.html",
        {
            "practice": request.practice,
            "membership": request.membership,
            "form": form,
            "appointment": appointment,
            "creating": False,
            "shown_errors": posted,
        },
    )


def appointment_cancel(request: PracticeRequest, public_id: str) -> HttpResponse:
    """Ask, then cancel: the time becomes free at once and the patient is told by email."""
    appointment = changeable(request, public_id)
    if appointment.status == AppointmentStatus.CANCELLED:
        messages.info(request, _("This appointment is already cancelled."))
        return to_detail(request, appointment)
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()
        try:
            booking.cancel(
                request.practice,
                appointment,
                channel=booking.Channel.STAFF,
                actor=request.user,
                reason=reason,
            )
        except BookingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Cancelled: %(patient)s, %(when)s.")
                % {"patient": appointment.patient.full_name, "when": when(appointment)},
            )
            return to_detail(request, appointment)
    return render(
        request,
        "workspace/appointments/cancel.html",
        {
            "practice": request.practice,
            "membership": request.membership,
            "appointment": appointment,
            "zone": request.practice.zone,
        },
    )


# --- the pieces the pages share ---------------------------------------------------------------


def changeable(request: PracticeRequest, public_id: str) -> Appointment:
    """The appointment, if the member may change it; else 404, like another practice's."""
    appointment = get_object_or_404(
        policy.visible_appointments(request.membership).select_related(
            "patient", "practitioner", "appointment_type", "center"
        ),
        public_id=public_id,
    )
    if not policy.can_change_appointment(request.membership, appointment):
        raise Http404
    return appointment


def prefill(query: Mapping[str, str], membership: Any) -> dict[str, Any]:
    """The form's starting values from the agenda's link; anything not the member's is ignored.

    The SMS box starts as the type says and the sync box and calendar as the practitioner's
    sheet says; the page's script keeps them so when another type or practitioner is chosen.
    """
    initial: dict[str, Any] = {}
    practitioner = (
        policy.managed_practitioners(membership)
        .filter(is_active=True, pk=(as_id(query.get("practitioner")) or 0))
        .first()
    )
    if practitioner is None:
        practitioner = policy.managed_practitioners(membership).filter(is_active=True).first()
    center = policy.booking_centers(membership).filter(pk=(as_id(query.get("center")) or 0)).first()
    centers = policy.booking_centers(membership).order_by("name")
    if center is None and len(centers[:2]) == 1:
        center = centers.first()
    if center is not None:
        initial["center"] = center.pk
    if practitioner is not None:
        initial["practitioner"] = practitioner.pk
        initial["sync_external"] = practitioner.sync_by_default
        initial["target_calendar"] = practitioner.default_calendar
        offered = practitioner.appointment_types.filter(is_active=True).order_by("name")
        kind = offered.filter(pk=as_id(query.get("type")) or 0).first() or offered.first()
        if kind is not None:
            initial["appointment_type"] = kind.pk
            initial["sms_reminder"] = kind.sms_reminder
    try:
        start = datetime.strptime(query.get("start", ""), START_FORMAT)
    except ValueError:
        pass
    else:
        initial["date"], initial["time"] = start.date(), start.time()
    patient = as_id(query.get("patient"))
    if patient is not None:
        initial["patient"] = patient
    return initial


def defaults(form: NewAppointmentForm) -> dict[str, Any]:
    """What the page's script needs to keep the boxes defaulted: per type, per practitioner."""
    types = form.choices_of("appointment_type")
    practitioners = form.choices_of("practitioner")
    return {
        "types": {str(kind.pk): {"sms": kind.sms_reminder} for kind in types},
        "practitioners": {
            str(sheet.pk): {"sync": sheet.sync_by_default, "calendar": sheet.default_calendar}
            for sheet in practitioners
        },
    }


def carried(query: Mapping[str, str]) -> list[tuple[str, str]]:
    """The agenda's prefill, kept across a patient search (a GET of the same page)."""
    return [
        (name, query[name])
        for name in ("practitioner", "center", "start", "type")
        if query.get(name)
    ]


def when(appointment: Appointment) -> str:
    """The day and time in words, in the center's zone (where the form took them)."""
    local = appointment.start.astimezone(appointment.center.zone)
    return f"{long_date(local)}, {local:%H:%M}"


def warn(request: PracticeRequest, warnings: Iterable[booking.BookingWarning]) -> None:
    for warning in warnings:
        messages.warning(request, str(warning.message))


def to_detail(request: PracticeRequest, appointment: Appointment) -> HttpResponse:
    return redirect(
        "workspace:appointment_detail",
        practice_slug=request.practice.slug,
        public_id=appointment.public_id,
    )
