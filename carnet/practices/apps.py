from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "carnet.practices"
    label = "practices"
    verbose_name = _("Practices")

    def ready(self) -> None:
        from carnet.practices import boundaries

        boundaries.connect()
