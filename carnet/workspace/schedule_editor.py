"""The weekly schedule editor: a practitioner's general schedule and an appointment type's own.

Both are a list of ranges (weekday, center, start, end) in the center's local time, edited as a
whole: a formset whose rows are checked one by one (the model's `clean()`: the end after the
start, a center of this practice) and together (`WeeklyScheduleFormSet`: no overlap on the same
day in the same center, reported beside both rows). A few empty rows are always offered, so the
page works without JavaScript; `workspace/schedule_editor.js` adds more on demand.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Model, QuerySet
from django.forms import inlineformset_factory

from carnet.practices.models import Center
from carnet.scheduling.forms import WeeklyScheduleFormSet
from carnet.scheduling.models import (
    AppointmentType,
    Practitioner,
    ScheduleLine,
    TypeScheduleLine,
)

# Empty rows offered under the saved ones: enough for a day with a break, in two centers.
EMPTY_ROWS = 3
PREFIX = "lines"


class LineForm(forms.ModelForm):  # type: ignore[type-arg]
    """One range. The centers offered are the practice's only: another practice's id is refused
    as an unknown choice before the model's own cross-practice check even runs."""

    class Meta:
        fields = ("weekday", "center", "start", "end")
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, centers: QuerySet[Center], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["center"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = centers
        choices = list(centers[:2])
        if len(choices) == 1:
            # One center: already chosen, so an untouched empty row stays "unchanged".
            field.initial = choices[0].pk


def schedule_formset(
    owner: Practitioner | AppointmentType, data: Any = None
) -> WeeklyScheduleFormSet:
    """The editor for `owner`'s weekly ranges (saved or not yet), bound to `data` if given."""
    line_model: type[Model] = ScheduleLine if isinstance(owner, Practitioner) else TypeScheduleLine
    formset_class = inlineformset_factory(
        type(owner),
        line_model,
        form=LineForm,
        formset=WeeklyScheduleFormSet,
        fields=LineForm.Meta.fields,
        extra=EMPTY_ROWS,
        can_delete=True,
    )
    centers = Center.objects.filter(practice_id=owner.practice_id).order_by("name")
    formset = formset_class(data, instance=owner, prefix=PREFIX, form_kwargs={"centers": centers})
    return cast(WeeklyScheduleFormSet, formset)


def save_schedule(formset: WeeklyScheduleFormSet, owner: Model) -> None:
    """Write the valid formset's ranges for `owner` (which may have just been created).

    Call inside the transaction that saved the owner, so that nothing is half-saved.
    """
    formset.instance = owner
    formset.save()
