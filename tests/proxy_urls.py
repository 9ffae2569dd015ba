"""Carnet's URLs plus `/echo` (see tests/proxy_settings.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from carnet.urls import urlpatterns as carnet_urlpatterns


def echo(request: HttpRequest) -> HttpResponse:
    seen = {
        "scheme": request.scheme,
        "secure": str(request.is_secure()),
        "host": request.get_host(),
        "remote_addr": request.META.get("REMOTE_ADDR", ""),
        "forwarded_for": request.META.get("HTTP_X_FORWARDED_FOR", ""),
    }
    return HttpResponse("\n".join(f"{k}={v}" for k, v in seen.items()), content_type="text/plain")


urlpatterns = [path("echo", echo), *carnet_urlpatterns]
