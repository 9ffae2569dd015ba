"""Centers: the places a practice works in, each with its address and its time zone.

A center's time zone is the one its weekly schedules are written in (09:00 in Lyon is 09:00
there), so it is chosen from the IANA names (`carnet.practices.timezones`). Admins only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from carnet.practices import policy
from carnet.practices.models import Center
from carnet.practices.tenancy import PracticeRequest
from carnet.practices.timezones import time_zone_choices


class CenterForm(forms.ModelForm):  # type: ignore[type-arg]
    """Name (unique in the practice), address, time zone (a known zone name, or refused)."""

    class Meta:
        model = Center
        fields = ("name", "address", "time_zone")
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A list of zones rather than free text; the model's validator still has the last word.
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices())

    def validate_constraints(self) -> None:
        """The practice is not a field of the form, so Django would not check that the name is
        free in this practice (`center_name_unique`): check it here, in words."""
        super().validate_constraints()
        name = self.cleaned_data.get("name")
        if name and (
            Center.objects.filter(practice_id=self.instance.practice_id, name__iexact=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error(
                "name", _("This practice already has a center named “%(name)s”.") % {"name": name}
            )


def _admins_only(request: PracticeRequest) -> None:
    if not policy.can_manage_practice(request.membership):
        raise Http404


def center_list(request: PracticeRequest) -> HttpResponse:
    _admins_only(request)
    return render(
        request,
        "workspace/settings/centers.html",
        {
            "practice": request.practice,
            "centers": Center.objects.filter(practice=request.practice).order_by("name"),
        },
    )


def center_new(request: PracticeRequest) -> HttpResponse:
    _admins_only(request)
    return edit(request, Center(practice=request.practice, time_zone=request.practice.time_zone))


def center_edit(request: PracticeRequest, center_id: int) -> HttpResponse:
    _admins_only(request)
    return edit(
        request, get_object_or_404(Center.objects.filter(practice=request.practice), pk=center_id)
    )


def edit(request: PracticeRequest, center: Center) -> HttpResponse:
    creating = center.pk is None
    form = CenterForm(request.POST if request.method == "POST" else None, instance=center)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Saved: %(name)s.") % {"name": saved.name})
        return redirect("workspace:centers", practice_slug=request.practice.slug)
    return render(
        request,
        "workspace/settings/center_form.html",
        {"practice": request.practice, "form": form, "center": center, "creating": creating},
    )
