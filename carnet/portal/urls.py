from django.urls import path

from carnet.portal import views

app_name = "portal"

# The slug is read by the tenancy middleware (BOOKING_PATH), which scopes the request to the
# practice and removes it from the view's arguments. Named `booking_slug`, not the staff pages'
# `practice_slug`: these pages need no membership (tests/practices/test_tenancy.py tells apart).
urlpatterns = [
    path("<slug:booking_slug>/", views.start, name="start"),
    path("<slug:booking_slug>/slots.json", views.slots_json, name="slots"),
    path("<slug:booking_slug>/confirm/", views.confirm, name="confirm"),
    path("<slug:booking_slug>/done/<uuid:public_id>/", views.done, name="done"),
    path(
        "<slug:booking_slug>/done/<uuid:public_id>/appointment.ics",
        views.appointment_ics,
        name="ics",
    ),
]
