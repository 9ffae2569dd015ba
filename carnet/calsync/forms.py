"""The forms of the calendar sync page: connect a practitioner, and a connection's choices."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from carnet.calsync.models import CalendarConnection, Direction
from carnet.practices.models import Center
from carnet.scheduling.models import Practitioner


class ConnectForm(forms.Form):
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), label=_("Agenda to connect")
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
