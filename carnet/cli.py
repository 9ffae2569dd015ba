"""The `carnet` command: Django's management commands plus Carnet's own.

carnet demo [--port 8000]   seed the demo practice if absent, then serve web + embedded worker
carnet serve [--port 8000]  web + embedded job consumer, no seeding
carnet worker               a separate job consumer (with REDIS_URL, run as many as you like)
carnet feed-link EMAIL      regenerate a practitioner's private calendar link and print it
carnet migrate, carnet check --deploy, carnet createsuperuser, ...
"""

from __future__ import annotations

import os
import sys


def command_line(args: list[str]) -> list[str]:
    """`carnet feed-link` and `carnet feed_link` are one command: hyphens name Python modules."""
    args = list(args)
    position = 1 if args[:1] == ["help"] else 0
    if len(args) > position and not args[position].startswith("-"):
        args[position] = args[position].replace("-", "_")
    return args


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
    from django.core.management import execute_from_command_line
    from django_scopes import scopes_disabled

    # Commands act on any practice they are told about (ids, emails on the command line), so
    # they run unscoped on purpose; the web requests they serve run in threads of their own,
    # each scoped by the tenancy middleware.
    with scopes_disabled():
        execute_from_command_line(["carnet", *command_line(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
