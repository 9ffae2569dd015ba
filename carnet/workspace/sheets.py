"""Practitioners' professional information sheets: who they are, their booking rules, their
weekly schedule (the general one, which online slots come from), their sync default.

Who may open and change a sheet is `carnet.practices.policy` (`sheet_practitioners`,
`can_edit_sheet`); anything else is a 404, like another practice's sheet. The sheet and its
schedule are saved together in one transaction, or not at all.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.accounts.models import User
from carnet.practices import policy
from carnet.practices.models import Membership, Practice
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling.models import Practitioner
from carnet.workspace.schedule_editor import save_schedule, schedule_formset

# What only admins change: whether the sheet is in use, and whose login it is.
ADMIN_FIELDS = ("is_active", "user")


class SheetForm(forms.ModelForm):  # type: ignore[type-arg]
    """The sheet's fields, validated by the model (horizon and notice bounds)."""

    class Meta:
        model = Practitioner
        fields = (
            "display_name",
            "profession",
            "email",
            "user",
            "booking_horizon_days",
            "min_notice_minutes",
            "sync_by_default",
            "default_calendar",
            "is_active",
        )
        labels = {
            "sync_by_default": gettext_lazy(
                "Sync all events with the external calendar by default"
            ),
        }
        help_texts = {
            "user": gettext_lazy(
                "The member who logs in as this practitioner: they may edit this sheet and "
                "manage their calendar feed."
            ),
            "sync_by_default": gettext_lazy(
                "New appointments, including those booked online, are then synced with the "
                "default calendar unless unticked on the appointment."
            ),
        }

    def __init__(self, *args: Any, practice: Practice, admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not admin:
            for name in ADMIN_FIELDS:
                del self.fields[name]
            return
        login = self.fields["user"]
        assert isinstance(login, forms.ModelChoiceField)
        # Only members of this practice: a login is never borrowed from another practice.
        login.queryset = User.objects.filter(
            pk__in=Membership.objects.filter(practice=practice).values("user_id")
        ).order_by("email")


class NewPractitionerForm(forms.ModelForm):  # type: ignore[type-arg]
    """The two fields needed to start a sheet; the rest is filled in on the sheet itself."""

    class Meta:
        model = Practitioner
        fields = ("display_name", "profession")


def practitioner_list(request: PracticeRequest) -> HttpResponse:
    membership = request.membership
    if not policy.can_see_sheets(membership):
        raise Http404
    can_add = policy.can_manage_practice(membership)
    form = NewPractitionerForm(instance=Practitioner(practice=request.practice))
    if request.method == "POST":
        if not can_add:
            raise Http404
        form = NewPractitionerForm(request.POST, instance=Practitioner(practice=request.practice))
        if form.is_valid():
            created = form.save()
            messages.success(
                request,
                _("Added %(name)s: now set their weekly schedule.") % {"name": created},
            )
            return redirect(
                "workspace:practitioner_sheet",
                practice_slug=request.practice.slug,
                practitioner_id=created.pk,
            )
    practitioners = policy.sheet_practitioners(membership).prefetch_related(
        "schedule_lines__center"
    )
    return render(
        request,
        "workspace/settings/practitioners.html",
        {
            "practice": request.practice,
            "practitioners": practitioners,
            "can_add": can_add,
            "form": form,
        },
    )


def practitioner_sheet(request: PracticeRequest, practitioner_id: int) -> HttpResponse:
    membership = request.membership
    practitioner = get_object_or_404(policy.sheet_practitioners(membership), pk=practitioner_id)
    can_edit = policy.can_edit_sheet(membership, practitioner)
    if request.method == "POST" and not can_edit:
        raise Http404
    context: dict[str, Any] = {
        "practice": request.practice,
        "practitioner": practitioner,
        "can_edit": can_edit,
        "can_manage_feed": policy.can_manage_feed(membership, practitioner),
        "can_list": policy.can_see_sheets(membership),
    }
    if not can_edit:
        context["lines"] = practitioner.schedule_lines.select_related("center")
        return render(request, "workspace/settings/practitioner_sheet.html", context)

    data = request.POST if request.method == "POST" else None
    form = SheetForm(
        data,
        instance=practitioner,
        practice=request.practice,
        admin=policy.can_manage_practice(membership),
    )
    schedule = schedule_formset(practitioner, data)
    # Both are validated before anything is written: a bad range keeps the sheet unsaved too.
    if data is not None and all([form.is_valid(), schedule.is_valid()]):
        with transaction.atomic():
            saved = form.save()
            save_schedule(schedule, saved)
        messages.success(request, _("Saved the sheet of %(name)s.") % {"name": saved})
        return redirect(
            "workspace:practitioner_sheet",
            practice_slug=request.practice.slug,
            practitioner_id=saved.pk,
        )
    context.update({"form": form, "schedule": schedule})
    # Invalid: shown again with 200, the errors beside each field and each row.
    return render(request, "workspace/settings/practitioner_sheet.html", context)
