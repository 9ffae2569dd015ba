from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "carnet.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # The Huey tasks must be registered in every process that may consume them.
        import carnet.jobs.backend
        import carnet.jobs.periodic  # noqa: F401
