"""What every admin page of practice data shares: the practice's time zone, no mixed tenants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.practices.boundaries import CROSS_PRACTICE_LINKS, cross_practice_choices
from carnet.practices.models import Practice


class PracticeTimeAdmin(admin.ModelAdmin):
    """Show and enter an object's times in its practice's zone, not in UTC.

    The change form runs in the zone of the object's practice (for a new object, of the practice
    or practitioner chosen in the submitted form), so a 09:00 typed by an operator in Paris is
    09:00 in Paris; lists show each row's times in its own practice's zone.
    """

    # The path from the object to its practice, as in a query ("practitioner__practice").
    practice_path = "practice"

    def practice_of(self, obj: models.Model | None) -> Practice | None:
        for name in self.practice_path.split("__"):
            if obj is None:
                return None
            obj = getattr(obj, name, None)
        return obj if isinstance(obj, Practice) else None

    def zone_of(self, obj: models.Model | None) -> ZoneInfo | None:
        practice = self.practice_of(obj)
        return practice.zone if practice else None

    def _chosen_practice(self, request: HttpRequest) -> Practice | None:
        """For a new object: the practice reached from the first field of `practice_path`."""
        first, _sep, rest = self.practice_path.partition("__")
        value = request.POST.get(first) or request.GET.get(first)
        if not value or not value.isdigit():
            return None
        related = self.model._meta.get_field(first).related_model
        if not (isinstance(related, type) and issubclass(related, models.Model)):
            return None
        chosen: Any = related._base_manager.filter(pk=int(value)).first()
        if isinstance(chosen, Practice):
            return chosen
        for name in rest.split("__") if rest else ():
            chosen = getattr(chosen, name, None)
        return chosen if isinstance(chosen, Practice) else None

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id:
            obj = self.get_object(request, unquote(object_id))
            practice = self.practice_of(obj)
            title = str(obj) if obj else ""
        else:
            practice = self._chosen_practice(request)
            title = ""
        zone = practice.zone if practice else None
        note = (
            _("Times are in %(zone)s, the practice's time zone.") % {"zone": zone.key}
            if zone
            else _("Times are in the time zone of the practice you choose.")
        )
        context = {**(extra_context or {}), "subtitle": f"{title} – {note}" if title else note}
        with timezone.override(zone or UTC):
            response = super().changeform_view(request, object_id, form_url, context)
            # A TemplateResponse renders later, outside this zone: render it now, inside.
            if isinstance(response, TemplateResponse):
                response.render()
            return response

    def local_time(self, obj: models.Model, value: datetime | None) -> str:
        if value is None:
            return "-"
        zone = self.zone_of(obj) or UTC
        local = value.astimezone(zone)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


class SamePracticeLinksForm(forms.ModelForm):
    """Refuses many-to-many choices from another practice than the form's `practice`."""

    practice_links: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        practice = cleaned.get("practice") or getattr(self.instance, "practice", None)
        if practice is None:
            return cleaned
        for name in self.practice_links:
            strangers = cross_practice_choices(practice, cleaned.get(name) or ())
            if strangers:
                self.add_error(name, CROSS_PRACTICE_LINKS % {"names": ", ".join(strangers)})
        return cleaned
