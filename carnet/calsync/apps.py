from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalsyncConfig(AppConfig):
    name = "carnet.calsync"
    label = "calsync"
    verbose_name = _("Calendar sync")

    def ready(self) -> None:
        # Every process (web, workers) must know the consumer: register it here.
        from carnet.calsync import checks  # noqa: F401 - registers the deployment check
        from carnet.calsync.consumer import CONSUMER
        from carnet.scheduling import consumers

        consumers.register(CONSUMER)
