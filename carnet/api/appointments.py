"""Appointments: list a range, book, move, cancel. Every write goes through
`carnet.scheduling.booking`; who may read or change what is `carnet.practices.policy`'s answer.

An appointment outside the member's reach is a 404, like one of another practice. A move onto
a taken time is a 409 with the door's reason (`code` "slot_taken"), so the agenda can offer to
overbook; overbooking (`allow_overlap`) is for practitioners and admins only: an assistant who
asks for it gets a 403 (`code` "overlap_not_allowed"): they may see and move the appointment,
but not decide to double-book.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import AwareDatetime

from carnet.api.errors import ApiRefusal, check_within_range, invalid
from carnet.api.main import member_request
from carnet.api.schemas import ERRORS as COMMON_ERRORS
from carnet.api.schemas import DatabaseId, ErrorOut, Reference
from carnet.patients.models import Patient
from carnet.practices import policy
from carnet.practices.models import Membership
from carnet.scheduling import booking
from carnet.scheduling.errors import InvalidRange, WrongPractice
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Practitioner,
)

router = Router(tags=["appointments"])

# The agenda asks for a week or a month; a year is the door's own limit for any range.
LONGEST_LISTING = timedelta(days=62)
ERRORS: dict[int, Any] = {**COMMON_ERRORS, 409: ErrorOut}


class WarningOut(Schema):
    code: str
    message: str


class AppointmentOut(Schema):
    """An appointment as a member sees it; times are UTC instants (ISO 8601, with offset)."""

    public_id: UUID
    start: datetime
    end: datetime
    status: str
    practitioner: Reference
    center: Reference
    patient: Reference
    appointment_type: Reference
    color: str
    allow_overlap: bool
    sms_reminder: bool
    sync_external: bool
    notes: str
    # What staff should know about the time they were allowed to choose (create and move only).
    warnings: list[WarningOut] = []


class AppointmentIn(Schema):
    appointment_type_id: int
    patient_id: int
    start: AwareDatetime
    end: AwareDatetime | None = None
    # None: "any practitioner" (admins), or the member's only agenda.
    practitioner_id: int | None = None
    center_id: int | None = None
    allow_overlap: bool = False
    notes: str = Field("", max_length=10_000)
    sms_reminder: bool | None = None
    sync_external: bool | None = None
    target_calendar: str | None = Field(None, max_length=255)


class MoveIn(Schema):
    start: AwareDatetime
    end: AwareDatetime | None = None
    practitioner_id: int | None = None
    allow_overlap: bool = False


class CancelIn(Schema):
    reason: str = Field("", max_length=1000)


class RangeQuery(Schema):
    start: AwareDatetime
    end: AwareDatetime
    practitioner: list[DatabaseId] = []
    include_cancelled: bool = False


def appointment_out(
    appointment: Appointment,
    membership: Membership,
    result: booking.BookingResult | None = None,
) -> dict[str, Any]:
    """An appointment as the API shows it. Private notes only to those who may change it: a
    colleague reading the agenda does not read another practitioner's clinical notes."""
    kind = appointment.appointment_type
    return {
        "public_id": appointment.public_id,
        "start": appointment.start,
        "end": appointment.end,
        "status": appointment.status,
        "practitioner": {
            "id": appointment.practitioner_id,
            "name": appointment.practitioner.display_name,
        },
        "center": {"id": appointment.center_id, "name": appointment.center.name},
        "patient": {"id": appointment.patient_id, "name": appointment.patient.full_name},
        "appointment_type": {"id": kind.pk, "name": kind.name},
        "color": kind.color,
        "allow_overlap": appointment.allow_overlap,
        "sms_reminder": appointment.sms_reminder,
        "sync_external": appointment.sync_external,
        "notes": (
            appointment.notes if policy.can_change_appointment(membership, appointment) else ""
        ),
        "warnings": [
            {"code": warning.code, "message": str(warning.message)}
            for warning in (result.warnings if result else ())
        ],
    }


def _with_relations() -> Any:
    return Appointment.objects.select_related(
        "practitioner", "center", "patient", "appointment_type"
    )


def _changeable(membership: Membership, public_id: UUID) -> Appointment:
    """The appointment if the member may change it; else 404, as for another practice's."""
    appointment = get_object_or_404(
        policy.visible_appointments(membership).select_related("practitioner"), public_id=public_id
    )
    if not policy.can_change_appointment(membership, appointment):
        raise ApiRefusal(404, "not_found", _("Not found."))
    return appointment


def _check_overlap_right(membership: Membership, allow_overlap: bool) -> None:
    if allow_overlap and not policy.can_overbook(membership):
        raise ApiRefusal(
            403,
            "overlap_not_allowed",
            _("Only practitioners and administrators may place an appointment over another."),
        )


def _managed_practitioner(membership: Membership, practitioner_id: int) -> Practitioner:
    """A practitioner whose agenda the member may change, still practising; others read as
    unknown ids (the page offers only active ones too)."""
    found = (
        policy.managed_practitioners(membership).filter(pk=practitioner_id, is_active=True).first()
    )
    if found is None:
        raise invalid("practitioner_id", str(WrongPractice("practitioner")), "wrong_practice")
    return found


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def list_appointments(request: Any, practice_slug: Path[str], filters: Query[RangeQuery]) -> Any:
    """The appointments the member may read that overlap [start, end), in start order."""
    membership = member_request(request).membership
    check_within_range("start", filters.start)
    check_within_range("end", filters.end)
    if filters.end <= filters.start:
        raise invalid("end", str(InvalidRange("inverted")), "invalid_range")
    if filters.end - filters.start > LONGEST_LISTING:
        raise invalid("end", _("Ask for at most 62 days at a time."), "invalid_range")
    found = (
        policy.visible_appointments(membership)
        .filter(start__lt=filters.end, end__gt=filters.start)
        .select_related("practitioner", "center", "patient", "appointment_type")
        .order_by("start", "pk")
    )
    if filters.practitioner:
        found = found.filter(practitioner_id__in=filters.practitioner)
    if not filters.include_cancelled:
        found = found.exclude(status=AppointmentStatus.CANCELLED)
    return [appointment_out(appointment, membership) for appointment in found]


@router.get("/appointments/{public_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request: Any, practice_slug: Path[str], public_id: UUID) -> Any:
    membership = member_request(request).membership
    appointment = get_object_or_404(
        policy.visible_appointments(membership).select_related(
            "practitioner", "center", "patient", "appointment_type"
        ),
        public_id=public_id,
    )
    return appointment_out(appointment, membership)


@router.post("/appointments", response={201: AppointmentOut, **ERRORS})
def create_appointment(request: Any, practice_slug: Path[str], data: AppointmentIn) -> Any:
    """Book through the door, in the member's reach: their agendas, their centers, their
    patients (or a record not booked yet)."""
    member_req = member_request(request)
    membership = member_req.membership
    _check_overlap_right(membership, data.allow_overlap)
    reach = policy.reach(membership)
    practitioner_id = data.practitioner_id
    if practitioner_id is None and not reach.everything:
        if len(reach.agendas) != 1:
            raise invalid("practitioner_id", _("Choose a practitioner."), "required")
        (practitioner_id,) = reach.agendas
    if practitioner_id is not None:
        _managed_practitioner(membership, practitioner_id)
    center_id = data.center_id
    if reach.centers is not None:
        if center_id is None and len(reach.centers) == 1:
            (center_id,) = reach.centers
        if center_id is None:
            raise invalid("center_id", _("Choose the center."), "required")
        if center_id not in reach.centers:
            raise invalid("center_id", str(WrongPractice("center")), "wrong_practice")
    patient = Patient.objects.filter(practice=member_req.practice, pk=data.patient_id).first()
    if patient is None or not policy.can_book_patient(membership, patient):
        raise invalid("patient_id", str(WrongPractice("patient")), "wrong_practice")
    retired = AppointmentType.objects.filter(
        practice=member_req.practice, pk=data.appointment_type_id, is_active=False
    )
    if retired.exists():
        raise invalid(
            "appointment_type_id", _("This appointment type is no longer offered."), "retired"
        )
    result = booking.book(
        member_req.practice,
        appointment_type=data.appointment_type_id,
        patient=patient,
        start=data.start,
        end=data.end,
        practitioner=practitioner_id,
        center=center_id,
        actor=request.user,
        allow_overlap=data.allow_overlap,
        notes=data.notes,
        sms_reminder=data.sms_reminder,
        sync_external=data.sync_external,
        target_calendar=data.target_calendar,
    )
    return Status(
        201,
        appointment_out(
            _with_relations().get(pk=result.appointment.pk), member_req.membership, result
        ),
    )


@router.post("/appointments/{public_id}/move", response={200: AppointmentOut, **ERRORS})
def move_appointment(request: Any, practice_slug: Path[str], public_id: UUID, data: MoveIn) -> Any:
    """A new time (and optionally practitioner) through `booking.reschedule`.

    409 when the time is taken (ask again with `allow_overlap`, if allowed to).
    """
    member_req = member_request(request)
    membership = member_req.membership
    appointment = _changeable(membership, public_id)
    _check_overlap_right(membership, data.allow_overlap)
    if data.practitioner_id is not None:
        _managed_practitioner(membership, data.practitioner_id)
    # A member limited to some centers keeps the appointment where it is.
    keep_center = appointment.center_id if policy.reach(membership).centers is not None else None
    result = booking.reschedule(
        member_req.practice,
        appointment,
        start=data.start,
        end=data.end,
        practitioner=data.practitioner_id,
        center=keep_center,
        actor=request.user,
        allow_overlap=data.allow_overlap,
    )
    return appointment_out(
        _with_relations().get(pk=result.appointment.pk), member_req.membership, result
    )


@router.post("/appointments/{public_id}/cancel", response={200: AppointmentOut, **ERRORS})
def cancel_appointment(
    request: Any, practice_slug: Path[str], public_id: UUID, data: CancelIn | None = None
) -> Any:
    """Cancel (the time becomes free); cancelling twice changes nothing and answers the same."""
    member_req = member_request(request)
    appointment = _changeable(member_req.membership, public_id)
    result = booking.cancel(
        member_req.practice,
        appointment,
        actor=request.user,
        reason=data.reason if data else "",
    )
    return appointment_out(
        _with_relations().get(pk=result.appointment.pk), member_req.membership, result
    )
