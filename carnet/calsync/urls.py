from django.urls import path

from carnet.calsync import views

app_name = "calsync"

# Google's callbacks: fixed addresses, registered with Google (docs/calendar-sync.md).
urlpatterns = [
    path("google/callback", views.google_callback, name="google_callback"),
    path("google/notify", views.google_notify, name="google_notify"),
]
