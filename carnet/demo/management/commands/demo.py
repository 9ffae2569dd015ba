"""`carnet demo`: migrate, seed the demo practice if it is absent, print the logins, serve.

Unless a real Google client is configured (CARNET_GOOGLE_CLIENT_ID), the demo also runs the
Google Calendar emulator and connects the demo midwife's agenda to it (see
carnet/demo/emulated_google.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from carnet.emulators.google_calendar import GoogleCalendarEmulator
    from carnet.practices.models import Practice


class Command(BaseCommand):
    help = "Start Carnet with a demo practice (seeded once) and its embedded worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--google-port",
            type=int,
            default=0,
            help="Port of the emulated Google Calendar (default: any free port).",
        )
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
        emulator = self._google(practice, options["google_port"], f"{base}/healthz")
        try:
            serve(
                host=options["host"],
                port=options["port"],
                threads=8,
                embedded_worker=True,
                job_threads=2,
                stdout=self.stdout.write,
            )
        finally:
            if emulator is not None:
                emulator.stop()

    def _google(
        self, practice: Practice, port: int, health_url: str
    ) -> GoogleCalendarEmulator | None:
        """The emulated Google Calendar with the midwife's agenda connected, unless real Google."""
        from carnet.demo import emulated_google

        if not emulated_google.emulator_wanted():
            self.stdout.write(
                _("Google Calendar: the Google client configured (CARNET_GOOGLE_CLIENT_ID).")
            )
            return None
        emulated_google.revoke_earlier_connections(practice)
        emulator = emulated_google.start_emulator(port, practice.time_zone)
        self.stdout.write(
            _("Google Calendar (emulated): %(url)s") % {"url": emulated_google.page_url(emulator)}
        )
        practitioner = emulated_google.demo_practitioner(practice)
        if practitioner is not None:
            self.stdout.write(
                _("  synced both ways with the agenda of %(name)s (Google account %(account)s)")
                % {"name": practitioner.display_name, "account": emulated_google.DEMO_ACCOUNT}
            )
            emulated_google.connect_when_served(practitioner, emulator, health_url)
        return emulator
