"""The personal-event forms: an event (or a whole series), one occurrence, and what to delete.

Times are typed as local wall times in the practice's zone (the view activates it): Django's
`DateTimeField` turns them into aware instants and refuses a time that does not exist or is
ambiguous on a clock-change day. Repetition is chosen in plain words (`scheduling.repetition`)
and judged by the bounded recurrence engine (`recurrence.validate_rrule`) before the door sees
it; the door (`scheduling.personal_events`) then checks everything again and writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.scheduling.errors import BookingError
from carnet.scheduling.models import Practitioner
from carnet.scheduling.personal_events import TITLE_MAX_LENGTH
from carnet.scheduling.recurrence import validate_rrule
from carnet.scheduling.repetition import DAY_NAMES, MAX_COUNT, Repetition, describe, read_rrule

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

REPEAT_CHOICES = [
    ("none", gettext_lazy("Does not repeat")),
    ("daily", gettext_lazy("Every day")),
    ("weekly", gettext_lazy("Every week")),
    ("biweekly", gettext_lazy("Every 2 weeks")),
    ("monthly", gettext_lazy("Every month (same day of the month)")),
]
KEEP = "keep"
ENDS_CHOICES = [
    ("never", gettext_lazy("Never")),
    ("until", gettext_lazy("On a date")),
    ("count", gettext_lazy("After a number of times")),
]
# Door refusals name the input they are about; this is the form field that shows them.
REFUSAL_FIELDS = {"title": "title", "rrule": "repeat", "practitioner": "practitioner"}


def local_datetime_field(label: str | Promise) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )


class TimesForm(forms.Form):
    """A start and a later end; the base of both event forms."""

    start = local_datetime_field(gettext_lazy("Start"))
    end = local_datetime_field(gettext_lazy("End"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        return cleaned


class OccurrenceForm(TimesForm):
    """New times for one occurrence of a series ("this occurrence only")."""

    prefix = "occurrence"


class PersonalEventForm(TimesForm):
    """A personal event, or a recurring event's whole series.

    `practitioners` are those the member may choose (creation only: an event stays with its
    practitioner). `rule_zone` is the wall clock the repetition follows; `current_rule` the
    stored rule, offered as "keep" when it is not one of the plain choices.
    """

    title = forms.CharField(label=gettext_lazy("Title"), max_length=TITLE_MAX_LENGTH)
    practitioner = forms.ModelChoiceField(
        label=gettext_lazy("Practitioner"), queryset=Practitioner.objects.none()
    )
    repeat = forms.ChoiceField(
        label=gettext_lazy("Repeat"), choices=REPEAT_CHOICES, widget=forms.RadioSelect
    )
    days = forms.TypedMultipleChoiceField(
        label=gettext_lazy("On (weekly repetitions)"),
        choices=list(enumerate(DAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: the day of the first occurrence."),
    )
    ends = forms.ChoiceField(
        label=gettext_lazy("Ends"), choices=ENDS_CHOICES, widget=forms.RadioSelect, required=False
    )
    until = forms.DateField(
        label=gettext_lazy("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    count = forms.IntegerField(
        label=gettext_lazy("Number of times"), min_value=1, max_value=MAX_COUNT, required=False
    )

    field_order = ("title", "practitioner", "start", "end", "repeat", "days", "ends")

    def __init__(
        self,
        *args: Any,
        practitioners: QuerySet[Practitioner] | None,
        rule_zone: ZoneInfo,
        current_rule: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rule_zone = rule_zone
        self.current_rule = current_rule
        self.rrule = ""
        if practitioners is None:
            del self.fields["practitioner"]
        else:
            field = self.fields["practitioner"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = practitioners
        if current_rule and read_rrule(current_rule) is None:
            repeat = self.fields["repeat"]
            assert isinstance(repeat, forms.ChoiceField)
            repeat.choices = [
                (KEEP, _("Keep as it is: %(rule)s") % {"rule": describe(current_rule)}),
                *REPEAT_CHOICES,
            ]

    @classmethod
    def initial_for(cls, rule: str) -> dict[str, Any]:
        """The repetition fields that show a stored rule."""
        if not rule:
            return {"repeat": "none", "ends": "never"}
        repetition = read_rrule(rule)
        if repetition is None:
            return {"repeat": KEEP, "ends": "never"}
        return {
            "repeat": repetition.frequency,
            "days": list(repetition.days),
            "ends": repetition.ends,
            "until": repetition.until,
            "count": repetition.count,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start = cleaned.get("start")
        repeat = cleaned.get("repeat")
        if repeat == KEEP:
            self.rrule = self.current_rule
        elif repeat and repeat != "none" and isinstance(start, datetime):
            repetition = self._repetition(cleaned, start)
            if repetition is not None:
                self.rrule = repetition.rrule()
        if self.rrule and isinstance(start, datetime) and not self.errors:
            detail = validate_rrule(self.rrule, start, self.rule_zone)
            if detail:
                self.add_error(
                    "repeat", _("This repetition cannot be used: %(detail)s") % {"detail": detail}
                )
        return cleaned

    def _repetition(self, cleaned: dict[str, Any], start: datetime) -> Repetition | None:
        """The plain choice, or None after adding the error that says what is missing."""
        frequency = cleaned["repeat"]
        first = start.astimezone(self.rule_zone)
        days: tuple[int, ...] = ()
        if frequency in ("weekly", "biweekly"):
            days = tuple(sorted(set(cleaned.get("days") or []))) or (first.weekday(),)
            if first.weekday() not in days:
                self.add_error(
                    "days",
                    _(
                        "The first occurrence is on a %(day)s: tick that day too, or change "
                        "the start."
                    )
                    % {"day": DAY_NAMES[first.weekday()]},
                )
                return None
        ends = cleaned.get("ends") or "never"
        if ends == "until":
            until = cleaned.get("until")
            if until is None:
                if "until" not in self.errors:
                    self.add_error("until", _("Choose the last day of the repetition."))
                return None
            if until < first.date():
                self.add_error("until", _("The last day cannot be before the first occurrence."))
                return None
            return Repetition(frequency, days, "until", until=until)
        if ends == "count":
            count = cleaned.get("count")
            if count is None:
                if "count" not in self.errors:
                    self.add_error("count", _("Say how many times the event takes place."))
                return None
            return Repetition(frequency, days, "count", count=count)
        return Repetition(frequency, days)


class DeleteForm(forms.Form):
    """What to delete of a recurring event: one occurrence, or the whole series."""

    scope = forms.ChoiceField(
        choices=[
            ("occurrence", gettext_lazy("This occurrence")),
            ("series", gettext_lazy("The whole series")),
        ]
    )


def show_refusal(form: forms.Form, refusal: BookingError) -> None:
    """A door's refusal beside the field it is about (or above the form)."""
    field = REFUSAL_FIELDS.get(getattr(refusal, "field", ""), "")
    form.add_error(field if field in form.fields else None, str(refusal))
