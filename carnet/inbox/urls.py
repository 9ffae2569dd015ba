from django.urls import path

from carnet.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.notifications, name="list"),
]
