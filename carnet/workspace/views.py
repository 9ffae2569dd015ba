"""Staff pages. This first page is the practice's day at a glance; the agenda comes next."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from carnet.practices.access import get_scoped_or_404, practice_member_required, scoped
from carnet.scheduling.models import Appointment, AppointmentStatus, Practitioner


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        membership = request.user.memberships.select_related("practice").first()
        if membership:
            return redirect("workspace:today", practice_slug=membership.practice.slug)
    return render(request, "home.html")


@login_required
@practice_member_required
def today(request: HttpRequest) -> HttpResponse:
    practice = request.practice  # type: ignore[attr-defined]
    zone = practice.zone
    day = datetime.now(zone).date()
    start = datetime.combine(day, time.min, zone)
    end = start + timedelta(days=1)
    appointments = (
        scoped(Appointment.objects.all(), practice)
        .filter(start__gte=start, start__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "practitioner", "appointment_type", "center")
        .order_by("start")
    )
    practitioners = scoped(Practitioner.objects.all(), practice).filter(is_active=True)
    return render(
        request,
        "workspace/today.html",
        {
            "practice": practice,
            "day": day,
            "zone": zone,
            "appointments": appointments,
            "practitioners": practitioners,
            "membership": request.membership,  # type: ignore[attr-defined]
        },
    )


@practice_member_required
def appointment_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One appointment, by its public id: where the link in a calendar feed event leads."""
    practice = request.practice  # type: ignore[attr-defined]
    appointment = get_scoped_or_404(
        Appointment.objects.select_related("patient", "practitioner", "appointment_type", "center"),
        practice,
        public_id=public_id,
    )
    return render(
        request,
        "workspace/appointment_detail.html",
        {"practice": practice, "appointment": appointment, "zone": practice.zone},
    )
