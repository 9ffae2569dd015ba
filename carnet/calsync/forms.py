"""The forms of the calendar sync page: connect a practitioner, and a connection's choices."""

from __future__ import annotations

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from carnet.calsync.google.client import CalendarEntry
from carnet.calsync.models import CalendarConnection, Direction
from carnet.practices.models import Center
from carnet.scheduling.models import Practitioner


class CalendarChoice(models.TextChoices):
    """Where Carnet writes: the narrow scope's own calendar, or one the account already has
    (which needs the broad `calendar` scope: docs/calendar-sync.md)."""

    NEW = (
        "new",
        _("A new calendar just for Carnet (recommended: Carnet sees nothing else of your account)"),
    )
    EXISTING = (
        "existing",
        _(
            "One of my existing calendars (Carnet will be allowed to see and change all your "
            "calendars)"
        ),
    )


class ConnectForm(forms.Form):
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), label=_("Agenda to connect")
    )
    calendar = forms.ChoiceField(
        choices=CalendarChoice.choices,
        initial=CalendarChoice.NEW,
        widget=forms.RadioSelect,
        label=_("Where Carnet writes"),
        required=False,  # left out: the dedicated calendar, the narrowest choice
    )
    direction = forms.ChoiceField(
        choices=Direction.choices, initial=Direction.TWO_WAY, label=_("Changes made in Google")
    )
    privacy = forms.ChoiceField(
        choices=CalendarConnection._meta.get_field("privacy").choices,  # type: ignore[arg-type]
        label=_("Appointment titles in Google"),
    )

    # Only when the member works in several centers: the request records where it was made
    # from, and an admin approves it from that center (docs/calendar-sync.md, "Governance").
    center = forms.ModelChoiceField(
        queryset=Center.objects.none(), label=_("Working from which center"), required=True
    )

    def __init__(
        self,
        *args: object,
        practitioners: object,
        centers: QuerySet[Center] | None = None,
        current_center: Center | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["practitioner"].queryset = practitioners  # type: ignore[attr-defined]
        if centers is None or centers.count() < 2:
            del self.fields["center"]
        else:
            self.fields["center"].queryset = centers  # type: ignore[attr-defined]
            self.fields["center"].initial = current_center
        self.fields["direction"].choices = [  # type: ignore[attr-defined]
            (Direction.TWO_WAY, _("Both ways: changes made in Google come back to Carnet")),
            (Direction.ONE_WAY, _("One way: Carnet's version always wins")),
        ]


class ChoicesForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CalendarConnection
        fields = ["direction", "privacy"]
        labels = {
            "direction": _("Changes made in Google"),
            "privacy": _("Appointment titles in Google"),
        }


class PickCalendarForm(forms.Form):
    """One of the account's calendars Carnet may write to, as Google listed them just now: an id
    that is not among them (forged, or no longer writable) is refused."""

    calendar_id = forms.ChoiceField(widget=forms.RadioSelect, label=_("Calendar"))

    def __init__(self, *args: object, calendars: list[CalendarEntry], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["calendar_id"].choices = [  # type: ignore[attr-defined]
            (
                entry.id,
                _("%(name)s (main calendar)") % {"name": entry.summary}
                if entry.primary
                else entry.summary,
            )
            for entry in calendars
        ]
