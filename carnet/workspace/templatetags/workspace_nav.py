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
    NavLink("workspace:agenda", _("Agenda")),
    NavLink("workspace:patients", _("Patients"), policy.can_see_patients),
    NavLink("workspace:practitioners", _("Practitioners"), policy.can_see_sheets),
    NavLink("workspace:personal_events", _("Personal events"), policy.can_manage_personal_events),
    NavLink("workspace:settings", _("Settings"), policy.can_manage_practice),
    NavLink("workspace:api_tokens", _("API tokens")),
]


@register.inclusion_tag("workspace/_nav.html", takes_context=True)
def workspace_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    practice = getattr(request, "practice", None)
    if membership is None or practice is None:
        return {"practice": None, "links": []}
    links: list[dict[str, Any]] = [
        {
            "href": reverse(link.url_name, kwargs={"practice_slug": practice.slug}),
            "label": link.label,
        }
        for link in LINKS
        if link.allowed(membership)
    ]
    # The page's section: the link whose address starts the path the most (a patient's page is
    # under "Patients"; the day page's address starts every path: it wins where no other does).
    path = getattr(request, "path", "")
    section = max(
        (link["href"] for link in links if path.startswith(link["href"])),
        key=len,
        default=None,
    )
    for link in links:
        link["current"] = link["href"] == section
    return {"practice": practice, "links": links}
