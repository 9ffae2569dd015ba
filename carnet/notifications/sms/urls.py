from django.urls import path

from carnet.notifications.sms import views

app_name = "sms"

urlpatterns = [
    # Public: Twilio calls it; the view checks Twilio's signature before believing anything.
    path("sms/twilio/status", views.twilio_status, name="twilio_status"),
]
