"""Staff pages. This first page is the practice's day at a glance; the agenda comes next.

The practice and the member come from `TenancyMiddleware` (typed `PracticeRequest`); what the
member may see comes from `carnet.practices.policy`, and what it denies is a 404.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django_scopes import scopes_disabled

from carnet.practices import policy
from carnet.practices.models import Membership
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling.models import AppointmentStatus
from carnet.workspace import checklist


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        # The user's own memberships, across practices: explicitly unscoped.
        with scopes_disabled():
            membership = (
                Membership.objects.select_related("practice")
                .filter(user_id=request.user.pk)
                .order_by("created_at")
                .first()
            )
        if membership:
            return redirect("workspace:today", practice_slug=membership.practice.slug)
        # No staff membership: a patient account, whose page is "My appointments". Operators
        # (superusers) with no practice keep the home page.
        if not request.user.is_superuser:
            return redirect("mine:appointments")
    return render(request, "home.html")


def today(request: PracticeRequest) -> HttpResponse:
    practice = request.practice
    membership = request.membership
    zone = practice.zone
    day = datetime.now(zone).date()
    start = datetime.combine(day, time.min, zone)
    end = start + timedelta(days=1)
    appointments = (
        policy.visible_appointments(membership)
        .filter(start__gte=start, start__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "practitioner", "appointment_type", "center")
        .order_by("start")
    )
    practitioners = [
        (practitioner, policy.can_manage_feed(membership, practitioner))
        for practitioner in policy.visible_practitioners(membership).filter(is_active=True)
    ]
    return render(
        request,
        "workspace/today.html",
        {
            "practice": practice,
            "day": day,
            "zone": zone,
            "appointments": appointments,
            "practitioners": practitioners,
            "membership": membership,
            "can_book": policy.can_book(membership),
            "steps_left": checklist.steps_left(practice)
            if policy.can_manage_practice(membership)
            else 0,
        },
    )


def appointment_detail(request: PracticeRequest, public_id: str) -> HttpResponse:
    """One appointment, by its public id: where the link in a calendar feed event leads."""
    appointment = get_object_or_404(
        policy.visible_appointments(request.membership).select_related(
            "patient", "practitioner", "appointment_type", "center"
        ),
        public_id=public_id,
    )
    notifications = appointment.notifications.order_by("created_at", "id")
    return render(
        request,
        "workspace/appointment_detail.html",
        {
            "practice": request.practice,
            "appointment": appointment,
            "zone": request.practice.zone,
            "notifications": notifications,
            "can_change": policy.can_change_appointment(request.membership, appointment)
            and appointment.status != AppointmentStatus.CANCELLED,
        },
    )
