"""`carnet feed-link EMAIL`: regenerate a practitioner's private calendar link, for support.

The old link stops working at once; the new one is printed, as https:// and webcal://. The
practitioner is found by the email of their practitioner sheet or of their login.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from carnet.feeds.links import feed_urls, issue_link
from carnet.scheduling.models import Practitioner


class Command(BaseCommand):
    help = "Regenerate a practitioner's private calendar feed link and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The practitioner's email, or their login's.")
        parser.add_argument(
            "--practice", help="The practice's slug, when the email is in several practices."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        found = Practitioner.objects.filter(
            Q(email__iexact=email) | Q(user__email__iexact=email)
        ).select_related("practice")
        if options["practice"]:
            found = found.filter(practice__slug=options["practice"])
        practitioners = list(found.distinct().order_by("practice__slug", "pk"))
        if not practitioners:
            where = f" in practice {options['practice']!r}" if options["practice"] else ""
            raise CommandError(f"No practitioner has the email {email!r}{where}.")
        if len(practitioners) > 1:
            listed = ", ".join(
                f"{p.display_name} (practice {p.practice.slug}, id {p.pk})" for p in practitioners
            )
            distinct_practices = len({p.practice_id for p in practitioners}) == len(practitioners)
            advice = (
                "Choose one with --practice SLUG."
                if distinct_practices
                else "Give them different emails in the admin."
            )
            raise CommandError(
                f"{len(practitioners)} practitioners have the email {email!r}: {listed}. {advice}"
            )
        practitioner = practitioners[0]
        urls = feed_urls(issue_link(practitioner, via="cli"))
        self.stdout.write(
            f"New calendar link of {practitioner.display_name} ({practitioner.practice.slug}); "
            "the previous link no longer works."
        )
        self.stdout.write(urls.https)
        self.stdout.write(urls.webcal)
