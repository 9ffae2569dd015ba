"""The center a member is working from right now, for rules that depend on where one is.

A member works in the centers of their membership (`Membership.centers`), or in every center of
the practice when none is listed. When that leaves one center, it is the current one. With
several, the member says which from a small switcher (the calendar sync page has one); the
choice is kept in the session, per practice (`current_center` = {practice id: center id}), so
two tabs on two practices do not interfere. A stored center the member no longer works in is
ignored.

The rule that needs it (issue 12, from the seed): an admin approves a calendar connection only
while working from the center the request was made from.
"""

from __future__ import annotations

from django.db.models import QuerySet

from carnet.practices.models import Center, Membership
from carnet.practices.tenancy import PracticeRequest

SESSION_KEY = "current_center"


def working_centers(membership: Membership) -> QuerySet[Center]:
    """The centers the member may say they work from."""
    practice_centers = Center.objects.with_scopes_disabled().filter(
        practice_id=membership.practice_id
    )
    listed = practice_centers.filter(members=membership)
    return (listed if listed.exists() else practice_centers).order_by("name", "pk")


def current_center(request: PracticeRequest) -> Center | None:
    """The center the member works from: their choice, else their only center, else None."""
    choices = list(working_centers(request.membership))
    stored = request.session.get(SESSION_KEY, {}).get(str(request.practice.pk))
    for center in choices:
        if center.pk == stored:
            return center
    return choices[0] if len(choices) == 1 else None


def set_current_center(request: PracticeRequest, center: Center) -> None:
    """Remember `center` (one of `working_centers`, the caller checked) for this practice."""
    chosen = dict(request.session.get(SESSION_KEY, {}))
    chosen[str(request.practice.pk)] = center.pk
    request.session[SESSION_KEY] = chosen
