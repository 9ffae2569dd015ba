from django.contrib import admin

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
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ("display_name", "profession", "practice", "booking_horizon_days", "is_active")
    list_filter = ("practice", "is_active")
    search_fields = ("display_name", "email")
    inlines = [ScheduleLineInline, ScheduleExceptionInline]


class TypeScheduleLineInline(admin.TabularInline):
    model = TypeScheduleLine
    formset = WeeklyScheduleFormSet
    extra = 0


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "practice", "duration_minutes", "online_booking", "sms_reminder")
    list_filter = ("practice", "online_booking")
    filter_horizontal = ("practitioners",)
    inlines = [TypeScheduleLineInline]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: appointments are written by the booking services only (one door per change)."""

    list_display = ("start", "patient", "practitioner", "appointment_type", "status", "source")
    list_filter = ("practice", "status", "source")
    date_hierarchy = "start"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class PersonalEventOverrideInline(admin.TabularInline):
    model = PersonalEventOverride
    extra = 0


@admin.register(PersonalEvent)
class PersonalEventAdmin(admin.ModelAdmin):
    list_display = ("title", "practitioner", "start", "rrule")
    list_filter = ("practice",)
    inlines = [PersonalEventOverrideInline]


@admin.register(ScheduleLine)
class ScheduleLineAdmin(admin.ModelAdmin):
    list_display = ("practitioner", "weekday", "start", "end", "center")
    list_filter = ("practitioner__practice",)


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ("practitioner", "kind", "start", "end", "center")
