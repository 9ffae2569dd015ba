from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from carnet.workspace import views as workspace_views


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", workspace_views.home, name="home"),
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("app/<slug:practice_slug>/", include("carnet.workspace.urls")),
    # The private ICS feed, its help page and its settings page (under app/<slug>/).
    path("", include("carnet.feeds.urls")),
]
