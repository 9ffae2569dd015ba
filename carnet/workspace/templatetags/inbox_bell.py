"""The notification bell in the staff header: a link to the notifications page, with the count
of unread ones. Drawn only on staff pages (a request with a practice member); one COUNT query."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from carnet.inbox.notices import unread_count

register = template.Library()


@register.inclusion_tag("workspace/_inbox_bell.html", takes_context=True)
def inbox_bell(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    practice = getattr(request, "practice", None)
    if membership is None or practice is None:
        return {"href": ""}
    href = reverse("inbox:list", kwargs={"practice_slug": practice.slug})
    return {
        "href": href,
        "unread": unread_count(membership),
        "current": getattr(request, "path", "") == href,
    }
