"""The first-run checklist: what a new practice still lacks before patients can book it.

Each step is computed from the practice's data, never ticked by hand, so it stays true when
someone deletes the last center or turns online booking off again. A practice made with
`carnet add_practice` has its first center and its owner; the rest is done from the pages each
step links to. Inviting colleagues is optional (a practitioner may work alone): the practice is
"set up" when every required step is done, and until then its owners and admins are sent here
from the home page and shown a reminder on the day page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.practices.models import Center, Invitation, Membership, Practice
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling.models import AppointmentType, Practitioner, ScheduleLine
from carnet.workspace.practice_settings import require_manager


@dataclass(frozen=True)
class Step:
    """One line of the checklist: what to do, whether it is done, and where to do it."""

    title: str | Promise
    hint: str | Promise
    done: bool
    url_name: str
    required: bool = True


def steps(practice: Practice) -> list[Step]:
    """The checklist of `practice`, in the order things are best done."""
    practitioners = Practitioner.objects.filter(practice=practice, is_active=True)
    scheduled = practitioners.filter(
        pk__in=ScheduleLine.objects.filter(practitioner__practice=practice).values("practitioner")
    )
    types = AppointmentType.objects.filter(
        practice=practice, is_active=True, practitioners__in=practitioners
    )
    return [
        Step(
            _("Add your centers"),
            _("The places where patients are seen, each with its address and time zone."),
            Center.objects.filter(practice=practice).exists(),
            "workspace:centers",
        ),
        Step(
            _("Add your practitioners"),
            _("One sheet per practitioner whose agenda Carnet keeps."),
            practitioners.exists(),
            "workspace:practitioners",
        ),
        Step(
            _("Set their weekly schedules"),
            _("The opening hours of each practitioner, per day and per center."),
            scheduled.exists(),
            "workspace:practitioners",
        ),
        Step(
            _("Create your appointment types"),
            _("Their duration and the practitioners who offer them."),
            types.exists(),
            "workspace:appointment_types",
        ),
        Step(
            _("Invite your team"),
            _("Colleagues and assistants, each with their role. Optional if you work alone."),
            Membership.objects.filter(practice=practice).count() > 1
            or Invitation.objects.filter(practice=practice).exists(),
            "workspace:members",
            required=False,
        ),
        Step(
            _("Open your booking page"),
            _("Allow online booking on a type with a scheduled practitioner, then share the page."),
            types.filter(online_booking=True, practitioners__in=scheduled).exists(),
            "workspace:booking_page",
        ),
    ]


def steps_left(practice: Practice) -> int:
    """How many required steps are not done yet."""
    return sum(1 for step in steps(practice) if step.required and not step.done)


def is_set_up(practice: Practice) -> bool:
    """Every required step is done: patients can book the practice."""
    return steps_left(practice) == 0


def checklist(request: PracticeRequest) -> HttpResponse:
    require_manager(request)
    found = steps(request.practice)
    return render(
        request,
        "workspace/settings/checklist.html",
        {
            "practice": request.practice,
            "membership": request.membership,
            "steps": found,
            "done_count": sum(step.done for step in found),
            "set_up": all(step.done for step in found if step.required),
        },
    )
