"""How a staff view finds "the current practice", and the only way it may.

The practice comes from the URL slug *and* the logged-in user's membership of it. Anything else
(an unknown slug, a practice the user is not a member of, an object of another practice) is a
404: a 403 would confirm that the thing exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from carnet.practices.models import Membership, Practice

View = Callable[..., HttpResponse]


class PracticeRequest(HttpRequest):
    practice: Practice
    membership: Membership


def membership_for(request: HttpRequest, slug: str) -> Membership:
    if not request.user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("practice")
        .filter(user=request.user, practice__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def practice_member_required(view: View) -> View:
    """Decorate a staff view taking `practice_slug`; sets request.practice, request.membership."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, practice_slug: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_for(request, practice_slug)
        request.practice = membership.practice  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def scoped[M: Model](
    queryset: QuerySet[M], practice: Practice, path: str = "practice"
) -> QuerySet[M]:
    """Restrict any queryset of practice data to one practice (`path` leads to the practice)."""
    return queryset.filter(**{path: practice})


def get_scoped_or_404[M: Model](
    queryset: QuerySet[M], practice: Practice, path: str = "practice", **lookup: Any
) -> M:
    return get_object_or_404(scoped(queryset, practice, path), **lookup)
