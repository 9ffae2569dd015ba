"""`carnet add_practice NAME SLUG`: create a practice, its first center and its owner login.

For operators setting up a new customer from a shell. Everything is validated like the admin
forms do (the password by Django's password validators too), and nothing is saved unless all of
it is valid.

The owner's address is never handed over on someone else's word. If an account with that address
exists but was never verified (anyone can sign up with a future owner's address), the operator's
word wins: its password becomes the one given here, which ends all its sessions, and the address
is marked verified, since the operator vouches for it. Refusing instead would leave the operator
stuck with an account nobody can prove is theirs; resetting takes it from whoever made it. A
verified account is the owner's own: it keeps its password.

The password is read from a prompt (in a terminal), from standard input with
`--owner-password-stdin`, or from `--owner-password` (visible to other users of the machine in
the process list: for scripts in throw-away environments only).
"""

from __future__ import annotations

import getpass
import sys
from typing import IO, Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.accounts.verification import is_verified, take_over_unverified, vouch_for
from carnet.practices.models import Center, Membership, Practice, Role


class Command(BaseCommand):
    help = "Create a practice with its first center and owner."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The practice's name.")
        parser.add_argument("slug", help="The booking address, e.g. cabinet-dupont.")
        parser.add_argument("--time-zone", default="Europe/Paris")
        parser.add_argument("--language", default="fr", choices=["fr", "es", "en"])
        parser.add_argument("--center", default="", help="First center's name (default: NAME).")
        parser.add_argument("--owner-email", required=True)
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--owner-password",
            help="The owner's password (visible in the process list; prefer the prompt).",
        )
        source.add_argument(
            "--owner-password-stdin",
            action="store_true",
            help="Read the owner's password from the first line of standard input.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        practice = Practice(
            name=options["name"],
            slug=options["slug"],
            time_zone=options["time_zone"],
            language=options["language"],
        )
        errors = collect_errors(practice)
        owner = User.objects.filter(email__iexact=options["owner_email"]).first()
        existing = owner is not None
        taking_over = owner is not None and not is_verified(owner)
        if owner is not None and not owner.is_active:
            errors.append(
                _("The account of %(email)s is deactivated: reactivate it in the admin first.")
                % {"email": owner.email}
            )
        if owner is None:
            owner = User(email=options["owner_email"])
            errors += collect_errors(owner, exclude=["password"])
        password = ""
        # No prompt for a command that fails anyway; a password on the command line is checked.
        if (taking_over or not existing) and (not errors or options["owner_password"]):
            password = self.read_password(options)
            errors += password_errors(password, owner)
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
            if not existing:
                owner.set_password(password)
                owner.save()
                vouch_for(owner)
            elif taking_over:
                take_over_unverified(owner, password)
            Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
        if taking_over:
            self.stdout.write(
                _(
                    "%(email)s had signed up but never verified the address: the account now has "
                    "the password given here, its sessions are ended and the address is verified."
                )
                % {"email": owner.email}
            )
        elif existing and (options["owner_password"] or options["owner_password_stdin"]):
            self.stdout.write(
                _("%(email)s already has a verified account: it keeps its own password.")
                % {"email": owner.email}
            )
        self.stdout.write(
            _("Practice “%(name)s” created at /app/%(slug)s/.")
            % {"name": practice.name, "slug": practice.slug}
        )

    def read_password(self, options: dict[str, Any]) -> str:
        """The password from argv, standard input or a prompt, in that order of request."""
        if options["owner_password"] is not None:
            return str(options["owner_password"])
        stdin: IO[str] = options.get("stdin") or sys.stdin
        if options["owner_password_stdin"]:
            return stdin.readline().rstrip("\r\n")
        if not stdin.isatty():
            raise CommandError(
                _(
                    "Give the owner's password: run the command in a terminal to be asked for "
                    "it, or pass --owner-password-stdin and write it on standard input."
                )
            )
        first = getpass.getpass(_("Owner's password: "))
        if getpass.getpass(_("Owner's password (again): ")) != first:
            raise CommandError(_("The two passwords differ."))
        return first


def password_errors(password: str, owner: User) -> list[str]:
    """Django's password validators, as on the sign-up form."""
    if not password:
        return [_("The owner's password is empty.")]
    try:
        password_validation.validate_password(password, user=owner)
    except ValidationError as error:
        return [f"{_('password')}: {message}" for message in error.messages]
    return []


def collect_errors(instance: Any, exclude: list[str] | None = None) -> list[str]:
    """Every validation message of a model instance, prefixed with the field it concerns."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return []
