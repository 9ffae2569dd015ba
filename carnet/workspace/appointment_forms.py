"""The staff appointment forms: book one (for a patient found or created inline), change one.

A form only collects and checks what was typed. Every write goes through the one door,
`carnet.scheduling.booking`; its refusals (`BookingError`) come back through `place_refusal`,
which puts each one, in words staff can act on, beside the field it is about.

Times are typed as a date and a wall-clock time in the chosen center's zone, which is where the
patient will look at the clock; `start()` makes the aware instant the door wants (a time that
the clocks skip is refused by the door, and shown beside the time field).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.utils.formats import time_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.patients.models import Patient
from carnet.patients.search import search_patients
from carnet.practices import policy
from carnet.practices.models import Center, Membership
from carnet.scheduling.booking import TARGET_CALENDAR_MAX_LENGTH
from carnet.scheduling.errors import BookingError, InvalidRange, InvalidValue, WrongPractice
from carnet.scheduling.inputs import NOTES_MAX_LENGTH
from carnet.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Practitioner,
)
from carnet.scheduling.models.appointment import OCCUPYING_STATUSES
from carnet.workspace.patients import PatientForm

# How many patients the picker lists for one search: a phone call names one person.
PICKER_SIZE = 20

# A few refusals read differently for staff than for a patient booking online.
STAFF_MESSAGES: dict[str, str | Promise] = {
    "slot_taken": _("The practitioner already has an appointment at this time."),
    "in_the_past": _("This time has already passed: choose a time to come."),
}
SLOT_TAKEN_AT = _("%(practitioner)s already has an appointment from %(start)s to %(end)s.")
OVERBOOK_HINT = _("Tick “Allow overlap” to book it anyway.")
ASK_TO_OVERBOOK = _("Only the practitioner or an administrator can book over another appointment.")

# Where each refusal goes when the error itself does not name a field.
FIELD_OF_CODE = {
    "not_offered": "appointment_type",
    "in_the_past": "time",
    "missing_center": "center",
}
FIELD_OF_RANGE = {"nonexistent": "time", "out_of_bounds": "date", "inverted": "duration"}


class NewPatientForm(PatientForm):
    """The patient record form, reduced to what a phone call gives; the same model validation
    (the mobile must be a mobile, stored E.164)."""

    class Meta(PatientForm.Meta):
        fields = ("first_name", "last_name", "email", "mobile")  # type: ignore[assignment]


class TypeChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _("%(name)s (%(minutes)d min)") % {
            "name": obj.name,
            "minutes": obj.duration_minutes,
        }


class AppointmentForm(forms.Form):
    """What booking and changing share: type, practitioner, center, time, options, notes.

    The choices are the member's own (`policy`): practitioners whose agenda they may change,
    centers they work in, the practice's active types; an id from outside is "not a valid
    choice", like a made-up one.
    """

    appointment_type = TypeChoiceField(queryset=AppointmentType.objects.none(), label=_("Type"))
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), label=_("Practitioner")
    )
    center = forms.ModelChoiceField(queryset=Center.objects.none(), label=_("Center"))
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        # Years the booking door handles (carnet.scheduling.inputs); beyond, dates overflow.
        validators=[
            MinValueValidator(date(1900, 1, 1)),
            MaxValueValidator(date(8999, 12, 31)),
        ],
    )
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    sms_reminder = forms.BooleanField(label=_("Send SMS reminder"), required=False, label_suffix="")
    sync_external = forms.BooleanField(
        label=_("Sync with external calendar"), required=False, label_suffix=""
    )
    target_calendar = forms.CharField(
        label=_("Calendar"),
        required=False,
        max_length=TARGET_CALENDAR_MAX_LENGTH,
        help_text=_("The external calendar the appointment is copied to."),
    )
    notes = forms.CharField(
        label=_("Private notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by staff only; never sent to the patient or to a calendar."),
    )
    allow_overlap = forms.BooleanField(
        label=_("Allow overlap"),
        required=False,
        label_suffix="",
        help_text=_("Book it even if the practitioner already has an appointment at that time."),
    )

    def __init__(
        self,
        *args: Any,
        membership: Membership,
        current: Appointment | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        # An appointment keeps its own type and practitioner even once they are retired.
        keep_type = Q(pk=current.appointment_type_id) if current else Q(pk__in=[])
        keep_practitioner = Q(pk=current.practitioner_id) if current else Q(pk__in=[])
        self.field("appointment_type").queryset = AppointmentType.objects.filter(
            Q(is_active=True) | keep_type, practice_id=membership.practice_id
        ).order_by("name")
        self.field("practitioner").queryset = (
            policy.managed_practitioners(membership)
            .filter(Q(is_active=True) | keep_practitioner)
            .order_by("display_name")
        )
        self.field("center").queryset = policy.booking_centers(membership).order_by("name")
        if not policy.can_overbook(membership):
            del self.fields["allow_overlap"]

    def field(self, name: str) -> forms.ModelChoiceField:  # type: ignore[type-arg]
        found = self.fields[name]
        assert isinstance(found, forms.ModelChoiceField)
        return found

    def choices_of(self, name: str) -> QuerySet[Any]:
        """The rows a choice field accepts (set in `__init__`, never None here)."""
        queryset = self.field(name).queryset
        assert queryset is not None
        return queryset

    @property
    def may_overbook(self) -> bool:
        return "allow_overlap" in self.fields

    def start(self) -> datetime:
        """The typed date and time, in the chosen center's zone (call once the form is valid)."""
        data = self.cleaned_data
        return datetime.combine(data["date"], data["time"], data["center"].zone)

    def place_refusal(self, error: BookingError, exclude: Appointment | None = None) -> None:
        """Show a refusal of the booking door beside the field it is about."""
        field: str | None = None
        if isinstance(error, WrongPractice | InvalidValue):
            field = error.field
        elif isinstance(error, InvalidRange):
            field = FIELD_OF_RANGE.get(error.kind)
        else:
            field = FIELD_OF_CODE.get(error.code or "")
        message = str(STAFF_MESSAGES.get(error.code or "", error))
        if error.code == "slot_taken":
            message = " ".join([self.conflict(exclude) or message, str(self.overbook_advice())])
        self.add_error(field if field in self.fields else None, message)

    def overbook_advice(self) -> str | Promise:
        return OVERBOOK_HINT if self.may_overbook else ASK_TO_OVERBOOK

    def conflict(self, exclude: Appointment | None) -> str | None:
        """The appointment that holds the time, in words, when the member may read it."""
        data = self.cleaned_data
        practitioner, center = data["practitioner"], data["center"]
        start = self.start()
        end = start + timedelta(minutes=self.minutes())
        found = (
            policy.visible_appointments(self.membership)
            .filter(
                practitioner=practitioner,
                status__in=OCCUPYING_STATUSES,
                start__lt=end,
                end__gt=start,
            )
            .exclude(pk=exclude.pk if exclude else 0)
            .order_by("start")
            .first()
        )
        if found is None:
            return None
        zone = center.zone
        return str(SLOT_TAKEN_AT) % {
            "practitioner": practitioner.display_name,
            "start": time_format(found.start.astimezone(zone), "H:i"),
            "end": time_format(found.end.astimezone(zone), "H:i"),
        }

    def minutes(self) -> int:
        """How long the appointment will last, as the door will make it."""
        return int(self.cleaned_data["appointment_type"].duration_minutes)


class NewAppointmentForm(AppointmentForm):
    """Book: an existing patient picked from a search, or a new one created inline.

    The picker lists the search's first results (and the patient already picked), never the
    whole practice; the field accepts any patient the member may book (`bookable_patients`).
    """

    EXISTING, NEW = "existing", "new"

    patient_mode = forms.ChoiceField(
        label=_("Patient"),
        choices=[(EXISTING, _("An existing patient")), (NEW, _("A new patient"))],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.none(),
        required=False,
        label=_("Existing patient"),
        empty_label=_("Choose a patient"),
    )

    field_order = ["patient_mode", "patient"]

    def __init__(self, *args: Any, membership: Membership, query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, membership=membership, **kwargs)
        bookable = policy.bookable_patients(membership)
        picker = self.field("patient")
        picker.queryset = bookable
        found = list(
            search_patients(bookable, query).order_by("last_name", "first_name", "pk")[:PICKER_SIZE]
        )
        picked_id = self.picked_id()
        picked = bookable.filter(pk=picked_id).first() if picked_id else None
        if picked is not None and picked not in found:
            found.insert(0, picked)
        picker.widget.choices = [("", picker.empty_label)] + [
            (patient.pk, self.patient_label(patient)) for patient in found
        ]
        self.found_count = len(found)

    def picked_id(self) -> int | None:
        value = self.data.get("patient") if self.is_bound else self.initial.get("patient")
        value = getattr(value, "pk", value)
        try:
            return int(value) if value else None
        except (TypeError, ValueError):
            return None

    @staticmethod
    def patient_label(patient: Patient) -> str:
        contact = patient.mobile or patient.email
        name = f"{patient.last_name} {patient.first_name}".strip()
        return f"{name} – {contact}" if contact else name

    def creates_patient(self) -> bool:
        return self.data.get("patient_mode") == self.NEW if self.is_bound else False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = data.get("patient_mode") == self.EXISTING and not data.get("patient")
        if missing and "patient" not in self.errors:
            self.add_error("patient", _("Choose the patient, or create a new one."))
        return data


class ChangeAppointmentForm(AppointmentForm):
    """Change a booked appointment: move it, retype it, lengthen it, its options and status."""

    duration = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=24 * 60,
        help_text=_("Changing the type sets its duration unless you change this too."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (value, label)
            for value, label in AppointmentStatus.choices
            if value != AppointmentStatus.CANCELLED
        ],
    )

    field_order = ["appointment_type", "practitioner", "center", "date", "time", "duration"]

    def __init__(self, *args: Any, membership: Membership, current: Appointment, **kwargs: Any):
        zone = current.center.zone
        local = current.start.astimezone(zone)
        initial = {
            "appointment_type": current.appointment_type_id,
            "practitioner": current.practitioner_id,
            "center": current.center_id,
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration": int((current.end - current.start).total_seconds() // 60),
            "sms_reminder": current.sms_reminder,
            "sync_external": current.sync_external,
            "target_calendar": current.target_calendar,
            "notes": current.notes,
            "status": current.status,
            # Overbooking is asked for again at each new place (the booking door's rule).
            "allow_overlap": False,
        }
        super().__init__(*args, membership=membership, current=current, initial=initial, **kwargs)
        self.current = current

    def end(self) -> datetime | None:
        """None (the type's duration) when the type changed and the duration was left alone."""
        data = self.cleaned_data
        retyped = data["appointment_type"].pk != self.current.appointment_type_id
        if retyped and "duration" not in self.changed_data:
            return None
        return self.start() + timedelta(minutes=data["duration"])

    def minutes(self) -> int:
        end = self.end()
        return super().minutes() if end is None else int(self.cleaned_data["duration"])

    def moves(self) -> bool:
        """Whether the time, place, practitioner, type or length changed: a reschedule."""
        # A center in another zone at the same wall time is another instant: `center` is listed.
        moved = {"appointment_type", "practitioner", "center", "date", "time", "duration"}
        return bool(moved & set(self.changed_data))
