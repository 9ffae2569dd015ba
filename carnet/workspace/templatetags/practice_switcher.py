"""The practice switcher in the header: a member of several practices goes from one to another.

The header shows the current practice's name; for a member of several practices, that name
opens the list of their practices, each a link to its day page. Only the user's own memberships
are read, across practices: the one place a staff page looks outside its practice's scope, so
explicitly unscoped (see carnet/practices/tenancy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django_scopes import scopes_disabled

from carnet.practices.models import Membership, Practice

register = template.Library()


@dataclass(frozen=True)
class PracticeChoice:
    name: str
    href: str
    current: bool


def practice_choices(user_id: int, current: Practice) -> list[PracticeChoice]:
    """The practices this user is a member of, by name, the current one marked."""
    with scopes_disabled():  # the user's own memberships, across practices
        practices = list(
            Practice.objects.filter(
                pk__in=Membership.objects.filter(user_id=user_id).values("practice_id")
            ).order_by("name", "pk")
        )
    return [
        PracticeChoice(
            name=practice.name,
            href=reverse("workspace:today", kwargs={"practice_slug": practice.slug}),
            current=practice.pk == current.pk,
        )
        for practice in practices
    ]


@register.inclusion_tag("workspace/_practice_switcher.html", takes_context=True)
def practice_switcher(context: template.Context) -> dict[str, Any]:
    """The current practice's name; the switcher for members of more than one practice."""
    request = context.get("request")
    practice = getattr(request, "practice", None) or context.get("practice")
    membership = getattr(request, "membership", None)
    choices: list[PracticeChoice] = []
    if membership is not None and practice is not None:
        choices = practice_choices(membership.user_id, practice)
    return {"practice": practice, "choices": choices if len(choices) > 1 else []}
