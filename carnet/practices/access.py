"""How a staff view finds "the current practice", and the only way it may.

`carnet.practices.tenancy.TenancyMiddleware` resolves the practice and the member once per
`/app/<slug>/` request (an unknown slug, or a practice the user is not a member of, is a 404:
a 403 would confirm that it exists) and runs the view inside that practice's scope. Views take
a `PracticeRequest` and ask `carnet.practices.policy` what the member may see and change.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from carnet.practices.models import Practice
from carnet.practices.tenancy import PracticeRequest

__all__ = ["PracticeRequest", "get_scoped_or_404", "scoped"]


def scoped[M: Model](
    queryset: QuerySet[M], practice: Practice, path: str = "practice"
) -> QuerySet[M]:
    """Restrict any queryset of practice data to one practice (`path` leads to the practice).

    The scope the middleware activates already does this; saying it in the query as well keeps
    the query right wherever it is reused (a job, a command).
    """
    return queryset.filter(**{path: practice})


def get_scoped_or_404[M: Model](
    queryset: QuerySet[M], practice: Practice, path: str = "practice", **lookup: Any
) -> M:
    return get_object_or_404(scoped(queryset, practice, path), **lookup)
