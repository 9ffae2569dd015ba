from django.urls import path

from carnet.notifications import views

app_name = "notifications"

urlpatterns = [
    # The link in patients' emails. Any token shape reaches the view, which answers 404 itself.
    path("my-appointment/<str:token>/", views.appointment, name="appointment"),
]
