"""The data directory and the SQLite database hold patient data: only their owner may read them.

The data directory is narrowed to 0700, and the database file (with its -wal and -shm companions)
to 0600, whenever a connection opens it, whatever the umask of the process that created it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

PRIVATE_FILE = stat.S_IRUSR | stat.S_IWUSR
PRIVATE_DIRECTORY = stat.S_IRWXU


def make_private(path: Path, mode: int) -> None:
    """Narrow a file's or directory's permissions to its owner (never widen them)."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & ~mode:
        os.chmod(path, current & mode)


def restrict_sqlite_files(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created handler: the SQLite file and its journals readable by the owner only."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    database = Path(name)
    data_dir = Path(settings.DATA_DIR)
    if database.resolve().parent == data_dir.resolve():  # never narrow a directory we don't own
        make_private(data_dir, PRIVATE_DIRECTORY)
    for path in (database, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")):
        make_private(path, PRIVATE_FILE)
