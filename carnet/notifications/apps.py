from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "carnet.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Every process (web, workers) must know the consumer: register it here.
        from carnet.notifications.events import CONSUMER
        from carnet.scheduling import consumers

        consumers.register(CONSUMER)
