from django.urls import path

from carnet.workspace import (
    agenda,
    api_tokens,
    appointment_types,
    appointments,
    audit_log,
    centers,
    checklist,
    members,
    patients,
    personal_events,
    practice_settings,
    sheets,
    views,
)

app_name = "workspace"

urlpatterns = [
    path("", views.today, name="today"),
    path("agenda/", agenda.agenda, name="agenda"),
    path("appointments/<uuid:public_id>/", views.appointment_detail, name="appointment_detail"),
    path("appointments/new/", appointments.appointment_new, name="appointment_new"),
    path(
        "appointments/<uuid:public_id>/edit/",
        appointments.appointment_edit,
        name="appointment_edit",
    ),
    path(
        "appointments/<uuid:public_id>/cancel/",
        appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path("settings/", practice_settings.settings_page, name="settings"),
    path("settings/audit/", audit_log.audit_log, name="audit"),
    path("getting-started/", checklist.checklist, name="checklist"),
    path("settings/members/", members.member_list, name="members"),
    path("settings/members/<int:membership_id>/", members.member_edit, name="member_edit"),
    path("settings/booking-page/", practice_settings.booking_page, name="booking_page"),
    path("settings/practitioners/", sheets.practitioner_list, name="practitioners"),
    path(
        "settings/practitioners/<int:practitioner_id>/",
        sheets.practitioner_sheet,
        name="practitioner_sheet",
    ),
    path("settings/types/", appointment_types.type_list, name="appointment_types"),
    path("settings/types/new/", appointment_types.type_new, name="appointment_type_new"),
    path(
        "settings/types/<int:type_id>/", appointment_types.type_edit, name="appointment_type_edit"
    ),
    path("settings/api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("settings/centers/", centers.center_list, name="centers"),
    path("settings/centers/new/", centers.center_new, name="center_new"),
    path("settings/centers/<int:center_id>/", centers.center_edit, name="center_edit"),
    path("patients/", patients.patient_list, name="patients"),
    path("patients/new/", patients.patient_new, name="patient_new"),
    path("patients/<int:patient_id>/", patients.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient_edit"),
    path("personal-events/", personal_events.personal_event_list, name="personal_events"),
    path("personal-events/new/", personal_events.personal_event_new, name="personal_event_new"),
    path(
        "personal-events/<int:event_id>/",
        personal_events.personal_event_edit,
        name="personal_event_edit",
    ),
    path(
        "personal-events/<int:event_id>/delete/",
        personal_events.personal_event_delete,
        name="personal_event_delete",
    ),
]
