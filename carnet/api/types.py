"""Appointment types: what can be booked, how long it lasts, who offers it (read only)."""

from __future__ import annotations

from typing import Any

from ninja import Path, Router, Schema

from carnet.api.main import member_request
from carnet.api.schemas import ERRORS
from carnet.scheduling.models import AppointmentType

router = Router(tags=["types"])


class TypeOut(Schema):
    id: int
    name: str
    duration_minutes: int
    color: str
    online_booking: bool
    sms_reminder: bool
    is_active: bool
    practitioner_ids: list[int]


@router.get("/types", response={200: list[TypeOut], **ERRORS})
def list_types(request: Any, practice_slug: Path[str], include_inactive: bool = False) -> Any:
    """The practice's appointment types, by name; every member may read them (they hold no
    patient data), each with the practitioners who offer it."""
    practice = member_request(request).practice
    found = AppointmentType.objects.filter(practice=practice).prefetch_related("practitioners")
    if not include_inactive:
        found = found.filter(is_active=True)
    return [
        {
            "id": kind.pk,
            "name": kind.name,
            "duration_minutes": kind.duration_minutes,
            "color": kind.color,
            "online_booking": kind.online_booking,
            "sms_reminder": kind.sms_reminder,
            "is_active": kind.is_active,
            "practitioner_ids": sorted(p.pk for p in kind.practitioners.all()),
        }
        for kind in found.order_by("name", "pk")
    ]
