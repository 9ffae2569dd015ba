"""The forms of "My appointments": a patient's details, and the new time of a move."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.patients.models import Patient

# Nobody alive was born before this; earlier dates are typing mistakes (1894 for 1994).
EARLIEST_BIRTH = date(1900, 1, 1)


class PatientDetailsForm(forms.ModelForm):  # type: ignore[type-arg]
    """Name, mobile, birth date and language of one patient the account manages.

    The mobile number is checked and normalised by the model (`Patient.clean`, with
    `carnet.patients.phones`), so it is the same rule as the staff forms and the admin.
    """

    class Meta:
        model = Patient
        fields = ("first_name", "last_name", "mobile", "birth_date", "language")
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["language"].help_text = _(
            "Reminders are sent in this language; empty: the practice's language."
        )

    def _clean_name(self, field: str) -> str:
        value: str = self.cleaned_data.get(field, "").strip()
        if not value:
            raise forms.ValidationError(_("Enter a name."), code="required")
        if "\x00" in value:
            raise forms.ValidationError(_("This name holds a character that is not allowed."))
        return value

    def clean_first_name(self) -> str:
        return self._clean_name("first_name")

    def clean_last_name(self) -> str:
        return self._clean_name("last_name")

    def clean_birth_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("birth_date")
        if value is None:
            return None
        if value > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        if value < EARLIEST_BIRTH:
            raise forms.ValidationError(_("Check the year of the birth date."))
        return value


class MoveForm(forms.Form):
    """The new start chosen among the listed free slots (an aware ISO 8601 time)."""

    start = forms.CharField(
        max_length=64,
        error_messages={
            "required": _("Choose one of the free times below."),
            "max_length": _("Choose one of the free times below."),
        },
    )

    def clean_start(self) -> datetime:
        text: str = self.cleaned_data["start"]
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            raise forms.ValidationError(_("Choose one of the free times below."), code="invalid")
        return value
