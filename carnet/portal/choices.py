"""What the patient picked so far (center, type, practitioner or "any", week, start), read from
the query string or the form, each id checked against the page's practice.

Every value comes from the browser, so every one is untrusted: an id that is not a number, is
unknown, or belongs to another practice gets the door's own `WrongPractice` sentence (the same
for all three, so nobody learns which ids exist elsewhere); a type that is not offered online
gets `NotOnlineBookable`; a start that cannot be read gets a sentence saying so. Nothing here
writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from carnet.portal.slots import week_start_of
from carnet.practices.models import Center, Practice
from carnet.scheduling.errors import NotOffered, NotOnlineBookable, WrongPractice
from carnet.scheduling.inputs import as_id, checked_instant
from carnet.scheduling.models import AppointmentType, Practitioner

__all__ = ["ANY", "Selection", "UnreadableValue", "online_types", "read_selection", "read_start"]

ANY = "any"
# The longest booking horizon a practitioner can set is far below this; a week asked for beyond
# it is shown as the current week instead of computing years of nothing.
FURTHEST_WEEK = timedelta(days=2 * 366)


class UnreadableValue(ValidationError):
    """A value the browser sent that is not what the page could have sent (hand-made or cut)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="unreadable")


@dataclass
class Selection:
    """The patient's choices; `practitioner=None` with `any_practitioner` is "any"."""

    centers: list[Center]
    center: Center | None = None
    appointment_type: AppointmentType | None = None
    practitioner: Practitioner | None = None
    any_practitioner: bool = True
    week: date | None = None
    practitioners: list[Practitioner] = field(default_factory=list)

    def query(self, **changes: object) -> dict[str, str]:
        """The query string values that reproduce this selection (for links and forms)."""
        values: dict[str, str] = {}
        if self.center is not None:
            values["center"] = str(self.center.pk)
        if self.appointment_type is not None:
            values["type"] = str(self.appointment_type.pk)
            values["practitioner"] = (
                str(self.practitioner.pk) if self.practitioner is not None else ANY
            )
        if self.week is not None:
            values["week"] = self.week.isoformat()
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = str(value)
        return values


def online_types(practice: Practice) -> QuerySet[AppointmentType]:
    """The types patients may book on this practice's site: active and allowed online."""
    return AppointmentType.objects.filter(
        practice=practice, online_booking=True, is_active=True
    ).order_by("name", "pk")


def _one(model: Any, practice: Practice, raw: object, name: str) -> Any:
    """The practice's row with that id; any other value is "does not exist in this practice"."""
    pk = as_id(raw)
    found = model._default_manager.filter(practice=practice, pk=pk).first() if pk else None
    if found is None:
        raise WrongPractice(name)
    return found


def read_week(raw: str | None, today: date) -> date:
    """The Monday of the asked week; the current week when none, or when out of any horizon."""
    this_week = week_start_of(today)
    if not raw:
        return this_week
    try:
        asked = date.fromisoformat(raw.strip()[:10])
    except ValueError as error:
        raise UnreadableValue(
            str(_("This week could not be read; pick a date from the calendar."))
        ) from error
    week = week_start_of(asked)
    if week < this_week or week - this_week > FURTHEST_WEEK:
        return this_week
    return week


def read_selection(practice: Practice, params: QueryDict, today: date) -> Selection:
    """Read and check center, type, practitioner and week; raise a `ValidationError` subclass
    with the sentence to show when one is wrong."""
    centers = list(Center.objects.filter(practice=practice).order_by("name", "pk"))
    selection = Selection(centers=centers)
    if params.get("center"):
        selection.center = _one(Center, practice, params.get("center"), "center")
    elif len(centers) == 1:
        selection.center = centers[0]
    if params.get("type"):
        kind: AppointmentType = _one(
            AppointmentType, practice, params.get("type"), "appointment_type"
        )
        if not (kind.online_booking and kind.is_active):
            raise NotOnlineBookable()
        selection.appointment_type = kind
        selection.practitioners = list(
            kind.practitioners.filter(practice=practice, is_active=True).order_by(
                "display_name", "pk"
            )
        )
    raw_practitioner = (params.get("practitioner") or ANY).strip()
    if raw_practitioner != ANY:
        practitioner: Practitioner = _one(Practitioner, practice, raw_practitioner, "practitioner")
        if selection.appointment_type is not None and practitioner not in selection.practitioners:
            raise NotOffered()
        selection.practitioner = practitioner
        selection.any_practitioner = False
    selection.week = read_week(params.get("week"), today)
    return selection


def read_start(raw: str | None) -> datetime:
    """The slot's start as the page sent it (ISO 8601 with its offset), checked as the door does."""
    # A "+" typed or pasted into an address arrives as a space.
    text = (raw or "").strip().replace(" ", "+")
    if not text or len(text) > 40:
        raise UnreadableValue(str(_("This time could not be read; pick a slot from the calendar.")))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise UnreadableValue(
            str(_("This time could not be read; pick a slot from the calendar."))
        ) from error
    return checked_instant(moment)
