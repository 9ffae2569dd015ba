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


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["carnet", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
