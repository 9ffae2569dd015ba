"""Staff pages for patients: the searchable list, a patient's record and history, the form.

What a member may see and change comes from `carnet.practices.policy`; anything else is a 404,
like another practice's patient. Searching is `carnet.patients.search` (prefix and exact
lookups, never a full-text scan of every column).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.patients.models import Patient
from carnet.patients.search import search_patients
from carnet.practices import policy
from carnet.practices.tenancy import PracticeRequest

PAGE_SIZE = 50


class PatientForm(forms.ModelForm):  # type: ignore[type-arg]
    """The model's own validation (`full_clean`): the mobile must be a mobile, stored E.164."""

    class Meta:
        model = Patient
        fields = ("last_name", "first_name", "email", "mobile", "birth_date", "language")
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }


def patient_list(request: PracticeRequest) -> HttpResponse:
    membership = request.membership
    if not policy.can_see_patients(membership):
        raise Http404
    query = request.GET.get("q", "").strip()[:200]
    found = search_patients(policy.visible_patients(membership), query).order_by(
        "last_name", "first_name", "pk"
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workspace/patients/list.html",
        {
            "practice": request.practice,
            "membership": membership,
            "query": query,
            "page": page,
            "can_add": policy.can_add_patient(membership),
        },
    )


def patient_detail(request: PracticeRequest, patient_id: int) -> HttpResponse:
    membership = request.membership
    patient = get_object_or_404(policy.visible_patients(membership), pk=patient_id)
    appointments = list(
        policy.visible_appointments(membership)
        .filter(patient=patient)
        .select_related("practitioner", "appointment_type", "center")
        .order_by("-start")
    )
    now = timezone.now()
    return render(
        request,
        "workspace/patients/detail.html",
        {
            "practice": request.practice,
            "membership": membership,
            "zone": request.practice.zone,
            "patient": patient,
            "upcoming": [a for a in reversed(appointments) if a.start >= now],
            "past": [a for a in appointments if a.start < now],
            "can_change": policy.can_change_patient(membership, patient),
        },
    )


def patient_new(request: PracticeRequest) -> HttpResponse:
    if not policy.can_add_patient(request.membership):
        raise Http404
    return edit(request, Patient(practice=request.practice))


def patient_edit(request: PracticeRequest, patient_id: int) -> HttpResponse:
    patient = get_object_or_404(policy.visible_patients(request.membership), pk=patient_id)
    if not policy.can_change_patient(request.membership, patient):
        raise Http404
    return edit(request, patient)


def edit(request: PracticeRequest, patient: Patient) -> HttpResponse:
    creating = patient.pk is None
    form = PatientForm(request.POST if request.method == "POST" else None, instance=patient)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(request, _("Saved: %(name)s.") % {"name": saved.full_name})
        # A practitioner's or assistant's patients are those they book: a record just created
        # shows in their list once it has an appointment in their agenda.
        if policy.can_view_patient(request.membership, saved):
            return redirect(
                "workspace:patient_detail",
                practice_slug=request.practice.slug,
                patient_id=saved.pk,
            )
        return redirect("workspace:patients", practice_slug=request.practice.slug)
    context: dict[str, Any] = {
        "practice": request.practice,
        "membership": request.membership,
        "form": form,
        "patient": patient,
        "creating": creating,
    }
    # An invalid form is shown again with 200, as Django does: browsers log any 4xx answer to a
    # page as a console error, and the errors are for the person, beside each field.
    return render(request, "workspace/patients/form.html", context)
