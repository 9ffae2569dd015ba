"""The agenda page: day, week and month views of one practitioner, several side by side, or a
whole center.

The page only draws the frame and the choice of columns; the calendar widget (vendored
@event-calendar, see docs/agenda.md) asks `carnet.api.agenda` for each date range and moves
appointments through the appointments API, from static/workspace/agenda.js. Everything the
script needs is given to it in data-* attributes (the Content Security Policy forbids inline
scripts). Who may see which practitioner is the policy's answer; naming another one is a 404.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from carnet.practices import policy
from carnet.practices.models import Center
from carnet.practices.tenancy import PracticeRequest

# The widget's view for each of the page's views.
VIEWS = {
    "day": "resourceTimeGridDay",
    "week": "resourceTimeGridWeek",
    "month": "dayGridMonth",
}


def _ids(values: list[str]) -> list[int]:
    """Ids from the query string; anything that is not one cannot name a visible object."""
    try:
        return [int(value) for value in values if value]
    except ValueError:
        raise Http404 from None


def _optional_url(name: str, slug: str) -> str:
    """The URL of a page another part of the workspace provides, or "" until it exists."""
    try:
        return reverse(name, kwargs={"practice_slug": slug})
    except NoReverseMatch:
        return ""


def agenda(request: PracticeRequest) -> HttpResponse:
    practice, membership = request.practice, request.membership
    reach = policy.reach(membership)
    visible = policy.visible_practitioners(membership).filter(is_active=True)
    practitioners = list(visible.order_by("display_name", "pk"))
    centers = [
        center
        for center in Center.objects.filter(practice_id=practice.pk).order_by("name", "pk")
        if reach.in_centers(center.pk)
    ]

    chosen = _ids(request.GET.getlist("practitioner"))
    known = {practitioner.pk for practitioner in practitioners}
    if any(pk not in known for pk in chosen):
        raise Http404
    center_ids = _ids(request.GET.getlist("center"))[:1]
    center = next((c for c in centers if c.pk in center_ids), None)
    if center_ids and center is None:
        raise Http404

    view = request.GET.get("view", "week")
    if view not in VIEWS:
        view = "week"
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = datetime.now(practice.zone).date()

    return render(
        request,
        "workspace/agenda.html",
        {
            "practice": practice,
            "practitioners": practitioners,
            "chosen": set(chosen),
            "centers": centers,
            "center": center,
            "view": VIEWS[view],
            "view_name": view,
            "day": day,
            "api_url": reverse("api:agenda", kwargs={"practice_slug": practice.slug}),
            "new_url": _optional_url("workspace:appointment_new", practice.slug),
            "can_overbook": policy.can_overbook(membership),
        },
    )
