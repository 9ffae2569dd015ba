"""Appointment types: duration, color, SMS reminder, description for patients, online booking,
who offers them, buffers, slot grid, and an optional schedule of their own.

A type with its own schedule can only be booked during those ranges, which replace the general
schedule of the practitioners who offer it. Admins only (`policy.can_manage_practice`); the type
and its schedule are saved together in one transaction, or not at all.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from carnet.practices import policy
from carnet.practices.boundaries import CROSS_PRACTICE_LINKS, cross_practice_choices
from carnet.practices.models import Practice
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling.models import AppointmentType, Practitioner
from carnet.workspace.schedule_editor import save_schedule, schedule_formset


class AppointmentTypeForm(forms.ModelForm):  # type: ignore[type-arg]
    """Every field of a type; the practitioners offered are this practice's only."""

    # Declared here so that importing the form runs no query: the model's default would build
    # its choices from an unscoped manager when the URLs are loaded (outside any practice).
    practitioners = forms.ModelMultipleChoiceField(
        queryset=Practitioner.objects.with_scopes_disabled().none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=AppointmentType._meta.get_field("practitioners").verbose_name,
    )

    class Meta:
        model = AppointmentType
        fields = (
            "name",
            "duration_minutes",
            "color",
            "sms_reminder",
            "description",
            "online_booking",
            "practitioners",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "slot_grid_minutes",
            "has_own_schedule",
            "is_active",
        )
        widgets = {
            "color": forms.TextInput(attrs={"type": "color"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        offered = self.fields["practitioners"]
        assert isinstance(offered, forms.ModelMultipleChoiceField)
        offered.queryset = Practitioner.objects.filter(practice=practice).order_by("display_name")

    def clean_practitioners(self) -> Any:
        chosen = self.cleaned_data["practitioners"]
        # The choices are already this practice's; kept as the boundary's own wording.
        strangers = cross_practice_choices(self.practice, chosen)
        if strangers:
            raise forms.ValidationError(CROSS_PRACTICE_LINKS % {"names": ", ".join(strangers)})
        return chosen


def _admins_only(request: PracticeRequest) -> None:
    if not policy.can_manage_practice(request.membership):
        raise Http404


def type_list(request: PracticeRequest) -> HttpResponse:
    _admins_only(request)
    kinds = AppointmentType.objects.filter(practice=request.practice).prefetch_related(
        "practitioners"
    )
    return render(
        request,
        "workspace/settings/appointment_types.html",
        {"practice": request.practice, "kinds": kinds},
    )


def type_new(request: PracticeRequest) -> HttpResponse:
    _admins_only(request)
    return edit(request, AppointmentType(practice=request.practice))


def type_edit(request: PracticeRequest, type_id: int) -> HttpResponse:
    _admins_only(request)
    kind = get_object_or_404(AppointmentType.objects.filter(practice=request.practice), pk=type_id)
    return edit(request, kind)


def edit(request: PracticeRequest, kind: AppointmentType) -> HttpResponse:
    creating = kind.pk is None
    data = request.POST if request.method == "POST" else None
    form = AppointmentTypeForm(data, instance=kind, practice=request.practice)
    schedule = schedule_formset(kind, data)
    valid = data is not None and all([form.is_valid(), schedule.is_valid()])
    if valid and form.cleaned_data["has_own_schedule"] and not schedule.kept_rows():
        # Ticked with no range, the type could never be booked: surely not what was meant.
        form.add_error(
            "has_own_schedule",
            _("Add at least one range to its own schedule below, or untick this."),
        )
        valid = False
    if valid:
        with transaction.atomic():
            saved = form.save()
            save_schedule(schedule, saved)
        messages.success(request, _("Saved: %(name)s.") % {"name": saved.name})
        return redirect(
            "workspace:appointment_type_edit",
            practice_slug=request.practice.slug,
            type_id=saved.pk,
        )
    return render(
        request,
        "workspace/settings/appointment_type_form.html",
        {
            "practice": request.practice,
            "form": form,
            "schedule": schedule,
            "kind": kind,
            "creating": creating,
        },
    )
