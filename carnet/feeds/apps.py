from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "carnet.feeds"
    label = "feeds"
    verbose_name = _("Feeds")

    def ready(self) -> None:
        from carnet.feeds import changes

        changes.connect()
