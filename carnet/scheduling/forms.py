"""Form pieces shared by the admin and (later) the staff settings pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet

from carnet.scheduling.weekly import LineValues, overlap_errors


class WeeklyScheduleFormSet(BaseInlineFormSet):
    """Edits a whole weekly schedule and refuses overlapping ranges among the submitted rows."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        form.instance.checked_as_set = True
        return form

    def clean(self) -> None:
        super().clean()
        lines = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or (not form.has_changed() and not form.instance.pk):
                continue
            if data.get("start") and data.get("end") and data.get("weekday") is not None:
                center = data.get("center")
                lines.append(
                    LineValues(data["weekday"], data["start"], data["end"], center and center.pk)
                )
        errors = overlap_errors(lines)
        if errors:
            raise ValidationError(errors)
