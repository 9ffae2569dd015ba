from django.urls import path

from carnet.calsync import governance_views, views

app_name = "calendar_sync"

urlpatterns = [
    path("", views.calendar_sync, name="page"),
    path("<int:connection_id>/choices/", views.connection_choices, name="choices"),
    path("<int:connection_id>/disconnect/", views.disconnect, name="disconnect"),
    path("<int:connection_id>/calendar/", views.pick_calendar, name="pick_calendar"),
    path("<int:connection_id>/approval/", governance_views.approval, name="approval"),
    path("health/", governance_views.health, name="health"),
    path("center/", governance_views.switch_center, name="center"),
]
