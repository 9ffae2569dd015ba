from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "carnet.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from carnet import data_files
        from carnet.accounts import checks  # noqa: F401  (registers the deploy checks)

        # The project package is no app of its own; accounts, the first of Carnet's apps to
        # load, keeps the patient data files private from the first connection on.
        connection_created.connect(data_files.restrict_sqlite_files, dispatch_uid="carnet-private")
