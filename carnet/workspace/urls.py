from django.urls import path

from carnet.workspace import patients, views

app_name = "workspace"

urlpatterns = [
    path("", views.today, name="today"),
    path("appointments/<uuid:public_id>/", views.appointment_detail, name="appointment_detail"),
    path("patients/", patients.patient_list, name="patients"),
    path("patients/new/", patients.patient_new, name="patient_new"),
    path("patients/<int:patient_id>/", patients.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient_edit"),
]
