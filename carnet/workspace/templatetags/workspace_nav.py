"""The staff navigation: the links a member's role allows, asked of the policy module."""

from __future__ import annotations

from typing import Any

from django import template

from carnet.practices import policy

register = template.Library()


@register.inclusion_tag("workspace/_nav.html", takes_context=True)
def workspace_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    practice = getattr(request, "practice", None)
    if membership is None or practice is None:
        return {"practice": None}
    return {"practice": practice, "sees_patients": policy.can_see_patients(membership)}
