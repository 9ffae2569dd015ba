"""The iframe snippet shown to a practice's admins on the settings' booking page."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.urls import reverse

from carnet.practices import policy

register = template.Library()


@register.inclusion_tag("portal/embed_snippet.html", takes_context=True)
def booking_embed_snippet(context: dict[str, Any]) -> dict[str, Any]:
    """Nothing for members who cannot manage the practice; else the code to paste."""
    request = context.get("request")
    membership = context.get("membership")
    practice = context.get("practice")
    if request is None or membership is None or practice is None:
        return {"show": False}
    if not policy.can_manage_practice(membership):
        return {"show": False}
    page = request.build_absolute_uri(
        reverse("portal:start", kwargs={"booking_slug": practice.slug})
    )
    return {
        "show": True,
        "page": page,
        "frame_url": page + "?embed=1",
        "script_url": request.build_absolute_uri(static("portal/embed.js")),
        "origins": practice.booking_embed_origins.split(),
        "practice": practice,
    }
