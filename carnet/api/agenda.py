"""The agenda's data: GET /api/practices/{slug}/agenda?start=&end=&practitioner=&center=.

One request per date range the calendar shows: the columns (practitioners), their appointments,
personal events (recurring ones expanded) and opening hours, from
`carnet.scheduling.agenda_contents`. Only practitioners the member may read
(`policy.visible_practitioners`) are answered; asking for another one, or for a center outside
the member's, is a 404 as for another practice. What the policy hides inside a visible agenda
is masked rather than left out, so that nobody books over it: an appointment in a center an
assistant does not work in, the title of someone else's personal event, both read "Busy".

Times are ISO 8601 in the practice's zone (with its offset), which is the wall clock the agenda
draws.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from django.http import Http404, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import AwareDatetime

from carnet.api.errors import check_within_range, invalid
from carnet.api.schemas import DatabaseId, ErrorOut
from carnet.practices import policy
from carnet.practices.models import Center
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling.agenda_contents import load_contents
from carnet.scheduling.models import AppointmentStatus, Practitioner

router = Router(tags=["agenda"])

# A month view with the days of the weeks around it is 42 days.
LONGEST_AGENDA = timedelta(days=42)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MASKED_COLOR = "#9ca3af"


class AgendaQuery(Schema):
    start: AwareDatetime
    end: AwareDatetime
    practitioner: list[DatabaseId] = []
    center: int | None = None


class ResourceOut(Schema):
    """A column: one practitioner; `editable` says whether the member may change their agenda."""

    id: int
    name: str
    editable: bool


class AgendaAppointmentOut(Schema):
    """`title` is the patient's name; `url` opens it, `move_url` moves it (both null when the
    member may not, and `title` then reads "Busy")."""

    id: UUID | None
    practitioner_id: int
    center_id: int
    title: str
    type: str
    color: str
    start: datetime
    end: datetime
    status: str
    editable: bool
    url: str | None
    move_url: str | None


class PersonalEventOut(Schema):
    """An occurrence of busy time; `occurrence` is the original start (UTC) of an occurrence of
    a recurring event, null for a one-off; `url` edits it, null when the member may not."""

    id: int
    practitioner_id: int
    title: str
    start: datetime
    end: datetime
    occurrence: datetime | None
    url: str | None


class OpenRangeOut(Schema):
    practitioner_id: int
    center_id: int
    start: datetime
    end: datetime


class AgendaOut(Schema):
    start: datetime
    end: datetime
    time_zone: str
    resources: list[ResourceOut]
    appointments: list[AgendaAppointmentOut]
    personal_events: list[PersonalEventOut]
    working_hours: list[OpenRangeOut]


def _url_template(name: str, slug: str, **kwargs: Any) -> str | None:
    """A URL with `kwargs` as placeholders, reversed once per request rather than per event
    (600 reversals cost more than the whole query); None while the page does not exist yet."""
    try:
        return reverse(name, kwargs={"practice_slug": slug, **kwargs})
    except NoReverseMatch:
        return None


PLACEHOLDER_UUID = UUID(int=0)
PLACEHOLDER_ID = 987654321
UUID_MARK, ID_MARK = str(PLACEHOLDER_UUID), str(PLACEHOLDER_ID)


def _columns(
    request: Any, practitioner_ids: list[int], center: Center | None
) -> list[Practitioner]:
    membership = request.membership
    visible = policy.visible_practitioners(membership).only("pk", "display_name", "practice_id")
    if practitioner_ids:
        found = list(visible.filter(pk__in=practitioner_ids))
        if len(found) != len(set(practitioner_ids)):
            raise Http404
        order = {pk: index for index, pk in enumerate(practitioner_ids)}
        return sorted(found, key=lambda practitioner: order[practitioner.pk])
    active = visible.filter(is_active=True)
    if center is not None:
        active = active.filter(schedule_lines__center_id=center.pk).distinct()
    return list(active.order_by("display_name", "pk"))


@router.get("", response={200: AgendaOut, **ERRORS})
def agenda(request: Any, filters: Query[AgendaQuery], practice_slug: str = Path(...)) -> Any:
    """The agenda of some practitioners (all the member may read by default, or those working
    at `center`) over [start, end), at most 42 days. `practice_slug` is in the router's prefix,
    hence `Path` (ninja only finds path parameters of the operation's own path by itself)."""
    # Typed by hand rather than with `main.member_request`: importing `main` from here would
    # be circular when this module is imported first (`main` mounts this router).
    member = cast(PracticeRequest, request)
    membership, practice = member.membership, member.practice
    check_within_range("start", filters.start)
    check_within_range("end", filters.end)
    if filters.end <= filters.start:
        raise invalid("end", _("The end must be after the start."), "invalid_range")
    if filters.end - filters.start > LONGEST_AGENDA:
        raise invalid("end", _("Ask for at most 42 days at a time."), "invalid_range")
    reach = policy.reach(membership)
    center = None
    if filters.center is not None:
        center = Center.objects.filter(practice_id=practice.pk, pk=filters.center).first()
        if center is None or not reach.in_centers(center.pk):
            raise Http404
    columns = _columns(member, filters.practitioner, center)
    managed = {p.pk for p in columns if policy.can_manage_practitioner(membership, p)}
    zone = practice.zone
    contents = load_contents(
        practice.pk,
        [p.pk for p in columns],
        (filters.start, filters.end),
        center.pk if center else None,
    )

    slug = practice.slug
    detail = _url_template("workspace:appointment_detail", slug, public_id=PLACEHOLDER_UUID)
    move = _url_template("api:move_appointment", slug, public_id=PLACEHOLDER_UUID)
    edit = _url_template("workspace:personal_event_edit", slug, event_id=PLACEHOLDER_ID)
    busy = _("Busy")

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).isoformat()

    appointments = []
    for item in contents.appointments:
        readable = reach.in_centers(item.center_id)
        key = item.public_id
        editable = (
            readable
            and item.practitioner_id in managed
            and item.status == AppointmentStatus.CONFIRMED
        )
        appointments.append(
            {
                "id": key if readable else None,
                "practitioner_id": item.practitioner_id,
                "center_id": item.center_id,
                "title": item.patient_name if readable else busy,
                "type": item.type_name if readable else "",
                "color": item.color if readable else MASKED_COLOR,
                "start": local(item.start),
                "end": local(item.end),
                "status": item.status,
                "editable": editable,
                "url": detail.replace(UUID_MARK, key) if detail and readable else None,
                "move_url": move.replace(UUID_MARK, key) if move and editable else None,
            }
        )
    personal = []
    for event in contents.personal:
        mine = event.practitioner_id in managed
        occurrence = (
            event.occurrence.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if event.occurrence is not None
            else None
        )
        url = None
        if mine and edit:
            url = edit.replace(ID_MARK, str(event.event_id))
            if occurrence is not None:
                url += "?occurrence=" + occurrence
        personal.append(
            {
                "id": event.event_id,
                "practitioner_id": event.practitioner_id,
                "title": event.title if mine else busy,
                "start": local(event.start),
                "end": local(event.end),
                "occurrence": occurrence,
                "url": url,
            }
        )
    answer = {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "time_zone": practice.time_zone,
        "resources": [
            {"id": p.pk, "name": p.display_name, "editable": p.pk in managed} for p in columns
        ],
        "appointments": appointments,
        "personal_events": personal,
        "working_hours": [
            {
                "practitioner_id": item.practitioner_id,
                "center_id": item.center_id,
                "start": local(item.start),
                "end": local(item.end),
            }
            for item in contents.open_ranges
        ],
    }
    # Written here rather than validated against `AgendaOut` again: for a busy week (600
    # appointments) pydantic's round trip cost more than loading the week. `AgendaOut` still
    # documents the shape; tests/workspace/test_agenda_api.py checks the answer against it.
    return HttpResponse(json.dumps(answer), content_type="application/json")
