"""The operators' admin of scheduling data (superusers only).

Times are shown and entered in the practice's zone (`PracticeTimeAdmin`); references across
practices are refused by the models' `clean()` and, for many-to-many links, by the forms.
Appointments are read-only here: they change through the booking services only.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from carnet.practices.admin_tools import PracticeTimeAdmin, SamePracticeLinksForm
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
    model = PersonalEventOverride
    extra = 0


@admin.register(PersonalEvent)
class PersonalEventAdmin(PracticeTimeAdmin):
    list_display = ("title", "practitioner", "local_start", "rrule")
    list_filter = ("practice",)
    inlines = [PersonalEventOverrideInline]

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
