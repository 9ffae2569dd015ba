from django.urls import path

from carnet.portal.mine import views

app_name = "mine"

urlpatterns = [
    path("", views.appointments, name="appointments"),
    path("appointments/<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<uuid:public_id>/move/", views.move, name="move"),
    path("patients/<int:patient_id>/", views.patient, name="patient"),
]
