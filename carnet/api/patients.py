"""Patients: search with paging, create, read one; `carnet.practices.policy` decides which.

Search is `carnet.patients.search` (a name, a phone or an email, prefix matches), as on the
patients page; creating validates with the page's own form (`PatientForm`), so the API and
the page accept and refuse exactly the same values, with the same field messages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from carnet.api.errors import ApiRefusal
from carnet.api.main import member_request
from carnet.api.schemas import ERRORS
from carnet.patients.models import Patient
from carnet.patients.search import search_patients
from carnet.practices import policy
from carnet.workspace.patients import PatientForm

router = Router(tags=["patients"])


class PatientOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    mobile: str
    birth_date: date | None
    language: str


class PatientPage(Schema):
    count: int
    page: int
    pages: int
    results: list[PatientOut]


class PatientIn(Schema):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str = Field("", max_length=254)
    mobile: str = Field("", max_length=32)
    birth_date: date | None = None
    language: str = ""


class SearchQuery(Schema):
    q: str = Field("", max_length=200)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


def patient_out(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.pk,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "email": patient.email,
        "mobile": patient.mobile,
        "birth_date": patient.birth_date,
        "language": patient.language,
    }


@router.get("/patients", response={200: PatientPage, **ERRORS})
def list_patients(request: Any, practice_slug: Path[str], filters: Query[SearchQuery]) -> Any:
    """The member's patients (`policy.visible_patients`) matching `q`, by name, a page at a time."""
    membership = member_request(request).membership
    if not policy.can_see_patients(membership):
        raise ApiRefusal(404, "not_found", _("Not found."))
    found = search_patients(policy.visible_patients(membership), filters.q).order_by(
        "last_name", "first_name", "pk"
    )
    count = found.count()
    offset = (filters.page - 1) * filters.page_size
    return {
        "count": count,
        "page": filters.page,
        "pages": max(1, -(-count // filters.page_size)),
        "results": [patient_out(p) for p in found[offset : offset + filters.page_size]],
    }


@router.get("/patients/{patient_id}", response={200: PatientOut, **ERRORS})
def get_patient(request: Any, practice_slug: Path[str], patient_id: int) -> Any:
    membership = member_request(request).membership
    return patient_out(get_object_or_404(policy.visible_patients(membership), pk=patient_id))


@router.post("/patients", response={201: PatientOut, **ERRORS})
def create_patient(request: Any, practice_slug: Path[str], data: PatientIn) -> Any:
    """A new record, validated by the patients page's form (mobile stored E.164, etc.)."""
    member_req = member_request(request)
    if not policy.can_add_patient(member_req.membership):
        raise ApiRefusal(404, "not_found", _("Not found."))
    values = data.dict()
    values["birth_date"] = data.birth_date.isoformat() if data.birth_date else ""
    form = PatientForm(values, instance=Patient(practice=member_req.practice))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())  # 422, a message per field
    with transaction.atomic():
        saved = form.save()
    return Status(201, patient_out(saved))
