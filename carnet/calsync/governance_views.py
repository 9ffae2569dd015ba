"""The admins' pages of calendar sync governance: approve a request, the health of every
connection; and the center switcher every member may use (docs/calendar-sync.md, "Governance").

Denied is a 404, checked before anything else (the method included), like every staff page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carnet.calsync import governance
from carnet.calsync.health import practice_health
from carnet.calsync.models import CalendarConnection
from carnet.practices import policy
from carnet.practices.current_center import current_center, set_current_center, working_centers
from carnet.practices.models import Center
from carnet.practices.tenancy import PracticeRequest


def _require_approver(request: PracticeRequest) -> None:
    if not policy.can_approve_calendar_connections(request.membership):
        raise Http404


@require_http_methods(["GET", "POST"])
def approval(request: PracticeRequest, connection_id: int) -> HttpResponse:
    """One request: who asked, for whose agenda, which account, from where; approve or refuse."""
    _require_approver(request)
    connection = get_object_or_404(
        CalendarConnection.objects.select_related("practitioner", "center", "requested_by"),
        pk=connection_id,
    )
    here = current_center(request)
    if request.method == "POST":
        action = request.POST.get("decision")
        if action == "approve":
            refusal = governance.approve(connection, request.membership, here)
            done = _("Approved: Carnet is creating the calendar and sending the appointments.")
        elif action == "deny":
            refusal = governance.deny(connection, request.membership, here)
            done = _("Refused: Carnet gave up its access to the Google account.")
        else:
            messages.error(request, _("Choose to approve or to refuse."))
            return redirect(request.path)
        if refusal is not None:
            messages.error(request, refusal.message)
        else:
            messages.success(request, done)
        return redirect(request.path)
    refusal = governance.check_decision(connection, here)
    return render(
        request,
        "calsync/approval.html",
        {
            "practice": request.practice,
            "connection": connection,
            "refusal": refusal,
            "current_center": here,
            "centers": list(working_centers(request.membership)),
        },
    )


def health(request: PracticeRequest) -> HttpResponse:
    """Every connection of the practice: state, last sync each way, waiting, last problem."""
    _require_approver(request)
    return render(
        request,
        "calsync/health.html",
        {"practice": request.practice, "rows": practice_health(request.practice)},
    )


@require_http_methods(["GET", "POST"])
def switch_center(request: PracticeRequest) -> HttpResponse:
    """Say which center one works from (kept in the session for this practice)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    back = target or reverse("calendar_sync:page", kwargs={"practice_slug": request.practice.slug})
    try:
        center = working_centers(request.membership).get(pk=int(request.POST.get("center", "")))
    except (ValueError, Center.DoesNotExist):
        messages.error(request, _("Choose one of the centers you work in."))
        return redirect(back)
    set_current_center(request, center)
    messages.success(request, _("You are now working from %(center)s.") % {"center": center.name})
    return redirect(back)
