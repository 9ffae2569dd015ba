"""`carnet demo`: migrate, seed the demo practice if it is absent, print the logins, serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Start Carnet with a demo practice (seeded once) and its embedded worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--seed-only", action="store_true", help="Seed the demo practice, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from carnet.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
        from carnet.server import serve, served_site_url

        call_command("migrate", interactive=False, verbosity=0)
        practice, created = seed_demo()
        base = served_site_url(options["host"], options["port"])
        self.stdout.write(
            _("Demo practice “%(name)s” %(state)s.")
            % {"name": practice.name, "state": _("created") if created else _("already present")}
        )
        self.stdout.write(_("Staff workspace: %(url)s") % {"url": f"{base}/app/{practice.slug}/"})
        self.stdout.write(_("Log in at:       %(url)s") % {"url": f"{base}/accounts/login/"})
        self.stdout.write(_("Technical admin: %(url)s") % {"url": f"{base}/admin/"})
        for role, email in DEMO_LOGINS.items():
            self.stdout.write(f"  {role:<13} {email} / {DEMO_PASSWORD}")
        if options["seed_only"]:
            return
        serve(
            host=options["host"],
            port=options["port"],
            threads=8,
            embedded_worker=True,
            job_threads=2,
            stdout=self.stdout.write,
        )
