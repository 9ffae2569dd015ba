from django.urls import path

from carnet.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.today, name="today"),
    path("appointments/<uuid:public_id>/", views.appointment_detail, name="appointment_detail"),
]
