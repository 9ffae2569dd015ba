"""The confirm form: who the appointment is for (one of the account's patients, or someone new).

A new patient gives a first and last name, a mobile number (checked as a mobile, stored E.164,
so SMS reminders reach it) and a birth date. Each field says what is wrong with it; nothing is
saved until the booking door accepts the slot (see `views.confirm`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from carnet.notifications.sms.recipients import practice_country
from carnet.patients.models import Patient
from carnet.patients.phones import normalize_mobile
from carnet.practices.models import Practice

__all__ = ["NEW", "PatientChoiceForm"]

NEW = "new"
EARLIEST_BIRTH = date(1900, 1, 1)


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValidationError(_("This field contains a character that cannot be stored."))
    return " ".join(value.split())


class PatientChoiceForm(forms.Form):
    patient = forms.ChoiceField(label=_("Who is the appointment for?"), widget=forms.RadioSelect)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    mobile = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        help_text=_("For the SMS reminder, such as 06 12 34 56 78."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        practice: Practice,
        patients: QuerySet[Patient],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.today = today
        self.patients = {str(patient.pk): patient for patient in patients}
        choices = [(pk, patient.full_name) for pk, patient in self.patients.items()]
        choices.append((NEW, str(_("Someone new"))))
        field = self.fields["patient"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.initial = choices[0][0]
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"

    def clean_first_name(self) -> str:
        return _clean_text(self.cleaned_data.get("first_name") or "")

    def clean_last_name(self) -> str:
        return _clean_text(self.cleaned_data.get("last_name") or "")

    def clean_mobile(self) -> str:
        raw = self.cleaned_data.get("mobile") or ""
        if "\x00" in raw:
            raise ValidationError(_("This field contains a character that cannot be stored."))
        return normalize_mobile(raw, practice_country(self.practice) or "FR")

    def clean_birth_date(self) -> date | None:
        born = self.cleaned_data.get("birth_date")
        if born is not None and not EARLIEST_BIRTH <= born <= self.today:
            raise ValidationError(_("Enter a birth date between 1900 and today."))
        return born

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("patient") == NEW:
            required = {
                "first_name": _("Enter the patient's first name."),
                "last_name": _("Enter the patient's last name."),
                "mobile": _("Enter a mobile number, for the SMS reminder."),
                "birth_date": _("Enter the patient's birth date."),
            }
            for name, message in required.items():
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(name, message)
        return cleaned

    def chosen_patient(self) -> Patient | None:
        """The existing patient picked, or None for someone new (after `is_valid()`)."""
        return self.patients.get(self.cleaned_data["patient"])

    def new_patient(self, account: Any, language: str) -> Patient:
        """The unsaved new patient, managed by `account` (their email reaches it)."""
        data = self.cleaned_data
        return Patient(
            practice=self.practice,
            first_name=data["first_name"],
            last_name=data["last_name"],
            mobile=data["mobile"],
            birth_date=data["birth_date"],
            language=language,
            account=account,
        )
