"""`carnet add_practice NAME SLUG`: create a practice, its first center and its owner login.

For operators setting up a new customer from a shell. Everything is validated like the admin
forms do, and nothing is saved unless all of it is valid.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.practices.models import Center, Membership, Practice, Role


class Command(BaseCommand):
    help = "Create a practice with its first center and owner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The practice's name.")
        parser.add_argument("slug", help="The booking address, e.g. cabinet-dupont.")
        parser.add_argument("--time-zone", default="Europe/Paris")
        parser.add_argument("--language", default="fr", choices=["fr", "es", "en"])
        parser.add_argument("--center", default="", help="First center's name (default: NAME).")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        practice = Practice(
            name=options["name"],
            slug=options["slug"],
            time_zone=options["time_zone"],
            language=options["language"],
        )
        errors = collect_errors(practice)
        if errors:
            raise CommandError("\n".join(errors))
        with transaction.atomic():
            practice.save()
            center = Center(
                practice=practice,
                name=options["center"] or practice.name,
                time_zone=practice.time_zone,
            )
            center.full_clean()
            center.save()
            owner = User.objects.filter(email__iexact=options["owner_email"]).first()
            if owner is None:
                owner = User(email=options["owner_email"])
                owner.set_password(options["owner_password"])
                errors = collect_errors(owner)
                if errors:
                    raise CommandError("\n".join(errors))
                owner.save()
            Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
        self.stdout.write(
            _("Practice “%(name)s” created at /app/%(slug)s/.")
            % {"name": practice.name, "slug": practice.slug}
        )


def collect_errors(instance: Any) -> list[str]:
    """Every validation message of a model instance, prefixed with the field it concerns."""
    try:
        instance.full_clean()
    except ValidationError as error:
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return []
