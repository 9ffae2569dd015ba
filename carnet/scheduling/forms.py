"""Form pieces shared by the admin and the staff settings pages."""

from __future__ import annotations

from typing import Any

from django.forms import BaseInlineFormSet

from carnet.scheduling.weekly import LineValues, overlap_message, overlapping_pairs


class WeeklyScheduleFormSet(BaseInlineFormSet):
    """Edits a whole weekly schedule and refuses overlapping ranges among the submitted rows.

    Each overlap is reported on both rows at fault, so the person sees which lines to correct;
    nothing is saved while one remains (the formset is invalid).
    """

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        form.instance.checked_as_set = True
        return form

    def kept_rows(self) -> list[tuple[Any, LineValues]]:
        """The rows that will be saved (not deleted, not left empty), with their values."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or (not form.has_changed() and not form.instance.pk):
                continue
            if data.get("start") and data.get("end") and data.get("weekday") is not None:
                center = data.get("center")
                values = LineValues(
                    data["weekday"], data["start"], data["end"], center and center.pk
                )
                rows.append((form, values))
        return rows

    def clean(self) -> None:
        super().clean()
        rows = self.kept_rows()
        lines = [values for _form, values in rows]
        for first, second in overlapping_pairs(lines):
            message = overlap_message(lines[first], lines[second])
            for index in (first, second):
                form = rows[index][0]
                if message not in form.non_field_errors():
                    form.add_error(None, message)
