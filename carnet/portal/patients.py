"""The patients an account may book for in one practice: the ones it manages (itself, a child)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_scopes import scope

from carnet.patients.models import Patient
from carnet.practices.models import Practice

__all__ = ["account_patients"]


def account_patients(user: Any, practice: Practice) -> QuerySet[Patient]:
    """The practice's patients managed by `user` (none for an anonymous visitor).

    Filtered by practice explicitly *and* built inside the practice's scope, so the query is
    right whether or not the caller already runs in a scope. Patients are per practice: the same
    person booking with two practices has one row in each.
    """
    with scope(practice=practice):
        if user is None or not getattr(user, "is_authenticated", False):
            return Patient.objects.none()
        return Patient.objects.filter(practice=practice, account_id=user.pk).order_by(
            "first_name", "last_name", "pk"
        )
