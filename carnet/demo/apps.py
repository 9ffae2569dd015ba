from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Holds the demo seed and the `demo` command; it has no models of its own."""

    name = "carnet.demo"
    label = "demo"
    verbose_name = _("Demo practice")
