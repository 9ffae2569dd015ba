from django.urls import path

from carnet.feeds import views

app_name = "feeds"

urlpatterns = [
    # Any token shape reaches the view, so a malformed token gets the same 404 as the others.
    path("feeds/<str:token>.ics", views.feed, name="feed"),
    path("help/calendar-feed/", views.help_page, name="help"),
    path(
        "app/<slug:practice_slug>/practitioners/<int:practitioner_id>/calendar-feed/",
        views.feed_settings,
        name="settings",
    ),
]
