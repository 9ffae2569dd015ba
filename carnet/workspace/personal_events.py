"""Staff pages for personal events: a practitioner's busy time (lunch, meetings, holidays).

A list of a practitioner's upcoming events, a form to create one (possibly repeating), a form to
change one, and a page to delete one. For an occurrence of a series (`?occurrence=<its original
start, ISO>`, as the agenda links it) the member chooses "this occurrence" or "the whole series".

Who may do what comes from `carnet.practices.policy` (`managed_personal_events`): admins every
practitioner's, a practitioner their own, an assistant those of the practitioners they are
linked to; anything else is a 404, like another practice's event. Every write goes through the
door, `carnet.scheduling.personal_events`, which checks everything again and writes nothing when
it refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from carnet.practices import policy
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling import personal_events
from carnet.scheduling.errors import BookingError
from carnet.scheduling.models import PersonalEvent, Practitioner
from carnet.scheduling.personal_event_occurrences import Occurrence, in_window
from carnet.scheduling.personal_events import PersonalEventResult, is_occurrence
from carnet.scheduling.recurrence import RecurringEvent, occurrences, read_exdates
from carnet.scheduling.repetition import describe
from carnet.workspace.personal_event_forms import (
    LOCAL_FORMAT,
    DeleteForm,
    OccurrenceForm,
    PersonalEventForm,
    show_refusal,
)

# How far ahead the list looks.
UPCOMING = timedelta(days=60)
DEFAULT_LENGTH = timedelta(hours=1)


def personal_event_list(request: PracticeRequest) -> HttpResponse:
    membership = request.membership
    if not policy.can_manage_personal_events(membership):
        raise Http404
    practitioners = list(policy.managed_practitioners(membership).order_by("display_name"))
    chosen = _chosen_practitioner(request, practitioners)
    now = timezone.now()
    found: list[Occurrence] = []
    if chosen is not None:
        events = (
            policy.managed_personal_events(membership)
            .filter(practitioner=chosen, start__lt=now + UPCOMING)
            .filter(~Q(rrule="") | Q(end__gt=now))
            .prefetch_related("overrides")
        )
        found = in_window(events, now, now + UPCOMING)
    rows = [
        {
            "occurrence": occurrence,
            "repeats": describe(occurrence.event.rrule),
            "query": _occurrence_query(occurrence),
        }
        for occurrence in found
    ]
    return render(
        request,
        "workspace/personal_events/list.html",
        {
            "practice": request.practice,
            "zone": request.practice.zone,
            "practitioners": practitioners,
            "chosen": chosen,
            "rows": rows,
            "days": UPCOMING.days,
        },
    )


def personal_event_new(request: PracticeRequest) -> HttpResponse:
    membership = request.membership
    if not policy.can_manage_personal_events(membership):
        raise Http404
    practice = request.practice
    practitioners = policy.managed_practitioners(membership).order_by("display_name")
    chosen = _chosen_practitioner(request, list(practitioners))
    with timezone.override(practice.zone):
        start = _local_start(request.GET.get("start", ""), practice.zone)
        initial: dict[str, Any] = {
            "practitioner": chosen,
            "start": start,
            "end": start + DEFAULT_LENGTH,
            **PersonalEventForm.initial_for(""),
        }
        form = PersonalEventForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            practitioners=practitioners,
            rule_zone=practice.zone,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                result = personal_events.create(
                    practice,
                    practitioner=data["practitioner"],
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                    time_zone=practice.time_zone,
                    rrule=form.rrule,
                    actor=request.user,
                )
            except BookingError as refusal:
                show_refusal(form, refusal)
            else:
                return _done(request, result, _("Personal event created: %(title)s."))
        return render(
            request,
            "workspace/personal_events/form.html",
            {"practice": practice, "form": form, "creating": True, "back": _back(request, chosen)},
        )


def personal_event_edit(request: PracticeRequest, event_id: int) -> HttpResponse:
    practice = request.practice
    event = _managed_event(request, event_id)
    occurrence = _named_occurrence(request, event)
    scope = request.POST.get("scope") if request.method == "POST" else None
    with timezone.override(practice.zone):
        initial = {"title": event.title, "start": event.start, "end": event.end}
        series_form = PersonalEventForm(
            request.POST if scope != "occurrence" and request.method == "POST" else None,
            initial={**initial, **PersonalEventForm.initial_for(event.rrule)},
            practitioners=None,
            rule_zone=event.zone,
            current_rule=event.rrule,
        )
        occurrence_form = None
        if occurrence is not None:
            occurrence_form = OccurrenceForm(
                request.POST if scope == "occurrence" else None,
                initial={"start": occurrence.start, "end": occurrence.end},
            )
        if occurrence is not None and occurrence_form is not None and occurrence_form.is_bound:
            if occurrence_form.is_valid():
                try:
                    result = personal_events.move_occurrence(
                        practice,
                        event,
                        _original(occurrence),
                        start=occurrence_form.cleaned_data["start"],
                        end=occurrence_form.cleaned_data["end"],
                        actor=request.user,
                    )
                except BookingError as refusal:
                    show_refusal(occurrence_form, refusal)
                else:
                    return _done(request, result, _("Occurrence moved: %(title)s."))
        elif series_form.is_bound and series_form.is_valid():
            data = series_form.cleaned_data
            try:
                result = personal_events.change(
                    practice,
                    event,
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                    rrule=series_form.rrule,
                    actor=request.user,
                )
            except BookingError as refusal:
                show_refusal(series_form, refusal)
            else:
                message = _("Series saved: %(title)s.") if event.rrule else _("Saved: %(title)s.")
                return _done(request, result, message)
        return render(
            request,
            "workspace/personal_events/form.html",
            {
                "practice": practice,
                "event": event,
                "form": series_form,
                "occurrence": occurrence,
                "occurrence_form": occurrence_form,
                "occurrence_query": _occurrence_query(occurrence) if occurrence else "",
                "creating": False,
                "back": _back(request, event.practitioner),
            },
        )


def personal_event_delete(request: PracticeRequest, event_id: int) -> HttpResponse:
    practice = request.practice
    event = _managed_event(request, event_id)
    occurrence = _named_occurrence(request, event)
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (occurrence is None or form.is_valid()):
        one = occurrence is not None and form.cleaned_data["scope"] == "occurrence"
        try:
            if one and occurrence is not None:
                result = personal_events.cancel_occurrence(
                    practice, event, _original(occurrence), actor=request.user
                )
            else:
                result = personal_events.delete(practice, event, actor=request.user)
        except BookingError as refusal:
            show_refusal(form, refusal)
        else:
            if one:
                message = _("Occurrence deleted: %(title)s.")
            elif event.rrule:
                message = _("Series deleted: %(title)s.")
            else:
                message = _("Deleted: %(title)s.")
            return _done(request, result, message)
    return render(
        request,
        "workspace/personal_events/delete.html",
        {
            "practice": practice,
            "zone": practice.zone,
            "event": event,
            "repeats": describe(event.rrule),
            "occurrence": occurrence,
            "form": form,
            "back": _back(request, event.practitioner),
        },
    )


# --- what the pages share -------------------------------------------------------------------


def _managed_event(request: PracticeRequest, event_id: int) -> PersonalEvent:
    return get_object_or_404(
        policy.managed_personal_events(request.membership).select_related("practitioner"),
        pk=event_id,
    )


def _chosen_practitioner(
    request: PracticeRequest, practitioners: list[Practitioner]
) -> Practitioner | None:
    """`?practitioner=<id>` among those the member manages (else 404); by default the member's
    own sheet, or the first."""
    text = request.GET.get("practitioner", "")
    if text:
        chosen = next((p for p in practitioners if str(p.pk) == text), None)
        if chosen is None:
            raise Http404
        return chosen
    own = next((p for p in practitioners if p.user_id == request.user.pk), None)
    return own or (practitioners[0] if practitioners else None)


def _named_occurrence(request: PracticeRequest, event: PersonalEvent) -> Occurrence | None:
    """The occurrence `?occurrence=<original start>` names, with its current times.

    Ignored for an event that does not repeat (there is only the event); a 404 for a time the
    series does not have, or an occurrence already deleted.
    """
    text = request.GET.get("occurrence", "").strip().replace(" ", "+")
    if not text or not event.rrule:
        return None
    try:
        original = datetime.fromisoformat(text)
    except ValueError:
        raise Http404 from None
    if original.tzinfo is None:
        raise Http404
    try:
        original = original.astimezone(UTC)
        excluded, _unread = read_exdates(event.exdates, event.zone)
        if original in set(excluded) or not is_occurrence(event, original):
            raise Http404
    except OverflowError:  # year 1 or 9999: no series has an occurrence there
        raise Http404 from None
    override = event.overrides.filter(recurrence_id=original).first()
    if override is not None:
        if override.cancelled or override.start is None or override.end is None:
            raise Http404
        return Occurrence(event, override.start, override.end, original, moved=True)
    plain = RecurringEvent(event.start, event.end, event.zone, event.rrule)
    length = event.end - event.start
    for start, end in occurrences(plain, original, original + length + timedelta(seconds=1)):
        if start == original:
            return Occurrence(event, start, end, original)
    raise Http404


def _original(occurrence: Occurrence) -> datetime:
    """The original start naming an occurrence of a series (`_named_occurrence` sets it)."""
    if occurrence.recurrence_id is None:
        raise Http404
    return occurrence.recurrence_id


def _occurrence_query(occurrence: Occurrence) -> str:
    """`occurrence=...` naming this occurrence in links, or "" for a one-off event."""
    if occurrence.recurrence_id is None:
        return ""
    moment = occurrence.recurrence_id.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"occurrence={moment}"


def _local_start(text: str, zone: Any) -> datetime:
    """`?start=YYYY-MM-DDTHH:MM` in the practice's zone (as the agenda links it), else the next
    whole hour."""
    try:
        given = datetime.strptime(text, LOCAL_FORMAT)
        if 1900 <= given.year <= 8999:  # an end an hour later must still be a date
            return given.replace(tzinfo=zone)
    except ValueError:
        pass
    now = timezone.now().astimezone(zone)
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _back(request: PracticeRequest, practitioner: Practitioner | None) -> str:
    """Where to go once done: `?next=` when it is a page of this practice (the agenda that
    opened the form), else the practitioner's list."""
    wanted = request.GET.get("next", "")
    home = f"/app/{request.practice.slug}/"
    if wanted.startswith(home) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    target = reverse("workspace:personal_events", kwargs={"practice_slug": request.practice.slug})
    return f"{target}?practitioner={practitioner.pk}" if practitioner is not None else target


def _done(request: PracticeRequest, result: PersonalEventResult, message: str) -> HttpResponse:
    messages.success(request, message % {"title": result.event.title})
    for warning in result.warnings:
        messages.warning(request, str(warning.message))
    return redirect(_back(request, result.event.practitioner))
