"""The operators' admin of scheduling data (superusers only).

Times are shown and entered in the practice's zone (`PracticeTimeAdmin`); references across
practices are refused by the models' `clean()` and, for many-to-many links, by the forms.
Appointments are read-only here: they change through the booking services only.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from carnet.practices.admin_tools import PracticeTimeAdmin, SamePracticeLinksForm
from carnet.scheduling import personal_events
from carnet.scheduling.forms import WeeklyScheduleFormSet
from carnet.scheduling.models import (
    Appointment,
    AppointmentType,
    PersonalEvent,
    PersonalEventOverride,
    Practitioner,
    ScheduleException,
    ScheduleLine,
    TypeScheduleLine,
)


class ScheduleLineInline(admin.TabularInline):
    model = ScheduleLine
    formset = WeeklyScheduleFormSet
    extra = 0


class ScheduleExceptionInline(admin.TabularInline):
    model = ScheduleException
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(PracticeTimeAdmin):
    list_display = ("display_name", "profession", "practice", "booking_horizon_days", "is_active")
    list_filter = ("practice", "is_active")
    search_fields = ("display_name", "email")
    inlines = [ScheduleLineInline, ScheduleExceptionInline]


class TypeScheduleLineInline(admin.TabularInline):
    model = TypeScheduleLine
    formset = WeeklyScheduleFormSet
    extra = 0


class AppointmentTypeForm(SamePracticeLinksForm):
    practice_links = ("practitioners",)


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    form = AppointmentTypeForm
    list_display = ("name", "practice", "duration_minutes", "online_booking", "sms_reminder")
    list_filter = ("practice", "online_booking")
    filter_horizontal = ("practitioners",)
    inlines = [TypeScheduleLineInline]


@admin.register(Appointment)
class AppointmentAdmin(PracticeTimeAdmin):
    """Read-only: appointments are written by the booking services only (one door per change)."""

    list_display = (
        "local_start",
        "patient",
        "practitioner",
        "appointment_type",
        "status",
        "source",
    )
    list_filter = ("practice", "status", "source")
    date_hierarchy = "start"

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, obj: Appointment) -> str:
        return self.local_time(obj, obj.start)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PersonalEventOverrideInline(admin.TabularInline):
    """Shown, not edited: single occurrences change through the personal-event door."""

    model = PersonalEventOverride
    extra = 0
    can_delete = False
    readonly_fields = ("recurrence_id", "start", "end", "cancelled")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PersonalEvent)
class PersonalEventAdmin(PracticeTimeAdmin):
    list_display = ("title", "practitioner", "local_start", "rrule")
    list_filter = ("practice",)
    inlines = [PersonalEventOverrideInline]
    # EXDATEs come from calendars and from "this occurrence" edits, never typed by hand.
    readonly_fields = ("exdates",)

    def get_readonly_fields(self, request: HttpRequest, obj: PersonalEvent | None = None) -> Any:
        # An event stays with its practice and practitioner; create a new one to move it.
        fixed = ("practice", "practitioner") if obj is not None else ()
        return (*self.readonly_fields, *fixed)

    def save_model(self, request: HttpRequest, obj: PersonalEvent, form: Any, change: bool) -> None:
        """Saved through the personal-event door, so the practitioner's lock, the outbox and the
        audit log apply to operators too (the form has already run the model's checks)."""
        fields = {name: getattr(obj, name) for name in ("title", "start", "end", "time_zone")}
        if change:
            personal_events.change(
                obj.practice, obj.pk, rrule=obj.rrule, actor=request.user, **fields
            )
            return
        result = personal_events.create(
            obj.practice,
            practitioner=obj.practitioner_id,
            rrule=obj.rrule,
            actor=request.user,
            **fields,
        )
        obj.pk = result.event.pk
        obj.public_id = result.event.public_id

    def delete_model(self, request: HttpRequest, obj: PersonalEvent) -> None:
        personal_events.delete(obj.practice, obj.pk, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for event in queryset.select_related("practice"):
            self.delete_model(request, event)

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, obj: PersonalEvent) -> str:
        return self.local_time(obj, obj.start)


@admin.register(ScheduleLine)
class ScheduleLineAdmin(admin.ModelAdmin):
    list_display = ("practitioner", "weekday", "start", "end", "center")
    list_filter = ("practitioner__practice",)


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(PracticeTimeAdmin):
    practice_path = "practitioner__practice"
    list_display = ("practitioner", "kind", "local_start", "local_end", "center")
    list_filter = ("practitioner__practice",)

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, obj: ScheduleException) -> str:
        return self.local_time(obj, obj.start)

    @admin.display(description=_("end"), ordering="end")
    def local_end(self, obj: ScheduleException) -> str:
        return self.local_time(obj, obj.end)
