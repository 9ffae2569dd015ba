"""The practice's audit log, for owners and admins: who did what, when, from which center.

Read-only by construction: this page only lists (GET), no form changes an entry, and the
operators' admin shows entries without add, change or delete (carnet/practices/admin.py).
Known actions are named in words; the facts an entry recorded are shown with labels, the
others as they were stored, so that a new kind of entry is never hidden.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.practices import policy
from carnet.practices.models import AuditEntry
from carnet.practices.tenancy import PracticeRequest

PAGE_SIZE = 50

ACTIONS: dict[str, str | Promise] = {
    "calendar.requested": _("Asked to connect an agenda to Google Calendar"),
    "calendar.connected": _("Connected an agenda to Google Calendar"),
    "calendar.approved": _("Approved a calendar connection"),
    "calendar.denied": _("Refused a calendar connection"),
    "calendar.disconnected": _("Disconnected a calendar"),
    "calendar.choices": _("Changed a calendar connection's direction or privacy"),
    "calendar.broken": _("Google stopped accepting a calendar connection"),
    "calendar.chosen": _("Chose the existing Google calendar Carnet writes to"),
    "member.changed": _("Changed a member's role"),
    "member.removed": _("Removed a member"),
    "invitation.sent": _("Invited someone"),
    "invitation.accepted": _("Accepted an invitation"),
    "invitation.revoked": _("Withdrew an invitation"),
}

FACTS: dict[str, str | Promise] = {
    "practitioner": _("Agenda"),
    "account": _("Google account"),
    "center": _("From center"),
    "before": _("Before"),
    "after": _("After"),
    "remove_events": _("Events removed from Google"),
    "reason": _("Reason"),
    "direction": _("Changes made in Google"),
    "privacy": _("Appointment titles in Google"),
    "calendar": _("Google calendar"),
    "existing_calendar": _("Into an existing calendar"),
}
HIDDEN = {"practitioner_id", "center_id", "calendar_id"}


def _facts(detail: Any) -> list[tuple[str | Promise, str]]:
    if not isinstance(detail, dict):
        return [("", str(detail))]
    shown = []
    for key, value in detail.items():
        if key in HIDDEN or value in ("", None):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        shown.append((FACTS.get(key) or key, str(value)))
    return shown


def audit_log(request: PracticeRequest) -> HttpResponse:
    if not policy.can_read_audit_log(request.membership):
        raise Http404  # before the method: a denied member learns nothing
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "action": ACTIONS.get(entry.action, entry.action),
            "facts": _facts(entry.detail),
        }
        for entry in page
    ]
    return render(
        request,
        "workspace/settings/audit_log.html",
        {"practice": request.practice, "page": page, "rows": rows},
    )
