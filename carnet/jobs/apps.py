from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "carnet.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
    # No ready(): Huey (and the Redis and PostgreSQL clients it imports) loads on first use, by
    # the task backend when a job is enqueued and by `build_consumer` in processes that run
    # jobs, so web processes start faster.
