"""The practice's own settings (owners and admins), the hub of the settings pages, and the
booking page's address with the code to embed it on the practice's website.

Everything is validated by the model (`full_clean` through the ModelForm): a time zone must be
an IANA name, the embed list https origins, the cut-off within its bounds. An invalid form
saves nothing and is shown again with each error beside its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from carnet.practices import policy
from carnet.practices.models import AuditEntry, Practice
from carnet.practices.tenancy import PracticeRequest
from carnet.practices.timezones import time_zone_choices
from carnet.scheduling.models import AppointmentType


class PracticeSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Practice
        fields = (
            "name",
            "time_zone",
            "language",
            "slot_grid_minutes",
            "reminder_time",
            "cancellation_cutoff_hours",
            "send_staff_confirmations",
            "booking_embed_origins",
            "require_mfa",
        )
        widgets = {
            "reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "booking_embed_origins": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices())


def require_manager(request: PracticeRequest) -> None:
    """Every page of this module is for owners and admins; anyone else gets a 404."""
    if not policy.can_manage_practice(request.membership):
        raise Http404


def settings_page(request: PracticeRequest) -> HttpResponse:
    require_manager(request)
    # A copy: a rejected form must not rename the practice in this page's header.
    practice = Practice.objects.get(pk=request.practice.pk)
    form = PracticeSettingsForm(
        request.POST if request.method == "POST" else None, instance=practice
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            AuditEntry.objects.create(
                practice=practice,
                actor=request.user if request.user.is_authenticated else None,
                action="practice.settings_changed",
                subject=f"practice:{practice.pk}",
                detail={"fields": sorted(form.changed_data)},
            )
        messages.success(request, _("The practice's settings are saved."))
        return redirect("workspace:settings", practice_slug=practice.slug)
    return render(
        request,
        "workspace/settings/index.html",
        {"practice": request.practice, "membership": request.membership, "form": form},
    )


def booking_page(request: PracticeRequest) -> HttpResponse:
    """Where patients book, how to put it on the practice's website, and what it offers."""
    require_manager(request)
    online_types = AppointmentType.objects.filter(
        practice=request.practice, online_booking=True, is_active=True
    ).order_by("name")
    return render(
        request,
        "workspace/settings/booking_page.html",
        {
            "practice": request.practice,
            "membership": request.membership,
            "online_types": online_types,
        },
    )
