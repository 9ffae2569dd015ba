"""Free slots of one appointment type, from the slot engine the booking site uses
(`carnet.scheduling.agenda.available_slots`), so the API offers exactly what the door accepts.

Staff see the whole range (no minimum notice, no horizon, types not bookable online too);
`online=true` asks what a patient would be offered. Only practitioners whose agenda the member
may read are asked about or listed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema

from carnet.api.errors import check_within_range, invalid
from carnet.api.main import member_request
from carnet.api.schemas import ERRORS
from carnet.practices import policy
from carnet.practices.models import Center
from carnet.scheduling.agenda import available_slots
from carnet.scheduling.errors import WrongPractice
from carnet.scheduling.models import AppointmentSource, AppointmentType

router = Router(tags=["availability"])

# Local days per request: a month, as the agenda's month view.
LONGEST_DAYS = 31


class AvailabilityQuery(Schema):
    type: int
    start: date
    end: date
    practitioner: int | None = None
    center: int | None = None
    online: bool = False


class SlotOut(Schema):
    start: datetime
    end: datetime
    center_id: int
    practitioner_ids: list[int]


@router.get(
    "/availability",
    response={200: list[SlotOut], **ERRORS},
)
def availability(request: Any, practice_slug: Path[str], filters: Query[AvailabilityQuery]) -> Any:
    """The free slots from `start` to `end` (local days of the practice, both included)."""
    member_req = member_request(request)
    practice, membership = member_req.practice, member_req.membership
    check_within_range("start", filters.start)
    check_within_range("end", filters.end)
    if filters.end < filters.start:
        raise invalid("end", _("The end must be after the start."), "invalid_range")
    if (filters.end - filters.start).days >= LONGEST_DAYS:
        raise invalid("end", _("Ask for at most 31 days at a time."), "invalid_range")
    kind = AppointmentType.objects.filter(practice=practice, pk=filters.type).first()
    if kind is None:
        raise invalid("type", str(WrongPractice("appointment_type")), "wrong_practice")
    visible = policy.visible_practitioners(membership)
    practitioner = None
    if filters.practitioner is not None:
        practitioner = visible.filter(pk=filters.practitioner).first()
        if practitioner is None:
            raise invalid("practitioner", str(WrongPractice("practitioner")), "wrong_practice")
    center = None
    if filters.center is not None:
        center = Center.objects.filter(practice=practice, pk=filters.center).first()
        if center is None or not policy.reach(membership).in_centers(center.pk):
            raise invalid("center", str(WrongPractice("center")), "wrong_practice")
    found = available_slots(
        practice,
        kind,
        practitioner,
        center,
        filters.start,
        filters.end,
        timezone.now(),
        channel=AppointmentSource.ONLINE if filters.online else AppointmentSource.STAFF,
    )
    readable = set(visible.values_list("pk", flat=True))
    slots = []
    for slot, practitioner_ids in found:
        ids = [pid for pid in practitioner_ids if pid in readable]
        if ids:
            slots.append(
                {
                    "start": slot.start,
                    "end": slot.end,
                    "center_id": slot.center_id,
                    "practitioner_ids": ids,
                }
            )
    return slots
