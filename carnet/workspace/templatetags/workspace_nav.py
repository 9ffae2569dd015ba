"""The staff navigation: the links a member's role allows, asked of the policy module.

Each staff area adds one `NavLink` to `LINKS`: its URL name, its label and the policy question
that decides who sees it. The template only draws what this tag returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.practices import policy
from carnet.practices.models import Membership

register = template.Library()


def everyone(membership: Membership) -> bool:
    return True


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: str | Promise
    allowed: Callable[[Membership], bool] = everyone


LINKS: list[NavLink] = [
    NavLink("workspace:today", _("Today")),
    NavLink("workspace:patients", _("Patients"), policy.can_see_patients),
]


@register.inclusion_tag("workspace/_nav.html", takes_context=True)
def workspace_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    practice = getattr(request, "practice", None)
    if membership is None or practice is None:
        return {"practice": None, "links": []}
    current = getattr(getattr(request, "resolver_match", None), "view_name", None)
    links = [
        {
            "href": reverse(link.url_name, kwargs={"practice_slug": practice.slug}),
            "label": link.label,
            "current": link.url_name == current,
        }
        for link in LINKS
        if link.allowed(membership)
    ]
    return {"practice": practice, "links": links}
