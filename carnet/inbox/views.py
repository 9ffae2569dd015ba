"""The notifications page: a member's own notifications, newest first.

Opening one (its button posts the id) marks it read and goes where it leads; "Mark all as
read" marks the rest. A member only ever reaches their own rows: another member's id is a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from carnet.inbox.models import StaffNotification
from carnet.inbox.notices import text
from carnet.practices.tenancy import PracticeRequest

PAGE_SIZE = 100


@require_http_methods(["GET", "POST"])
def notifications(request: PracticeRequest) -> HttpResponse:
    mine = StaffNotification.objects.filter(recipient=request.membership)
    here = redirect("inbox:list", practice_slug=request.practice.slug)
    if request.method == "POST":
        if "all" in request.POST:
            mine.filter(read_at__isnull=True).update(read_at=timezone.now())
            return here
        try:
            notice = mine.get(pk=int(request.POST.get("open", "")))
        except (ValueError, StaffNotification.DoesNotExist):
            raise Http404 from None
        if notice.read_at is None:
            mine.filter(pk=notice.pk).update(read_at=timezone.now())
        safe = url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None)
        return redirect(notice.link) if notice.link and safe else here
    shown = list(mine[:PAGE_SIZE])
    return render(
        request,
        "inbox/notifications.html",
        {
            "practice": request.practice,
            "notices": [(notice, text(notice)) for notice in shown],
            "unread": any(notice.read_at is None for notice in shown),
        },
    )
