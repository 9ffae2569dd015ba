from django.contrib import admin

from carnet.patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "practice", "mobile", "email")
    list_filter = ("practice",)
    search_fields = ("last_name", "first_name", "email")
