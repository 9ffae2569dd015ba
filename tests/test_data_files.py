"""The SQLite database holds patient data: nobody but its owner may read it or its directory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_carnet(data_dir: Path, *args: str) -> None:
    env = {**os.environ, "CARNET_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "carnet.cli", *args],
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
        # The usual umask, under which files are created readable by everyone.
        preexec_fn=lambda: os.umask(0o022),
    )


def test_a_new_database_and_its_directory_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run_carnet(data_dir, "migrate", "-v0")
    database = data_dir / "carnet.sqlite3"
    assert mode(database) == 0o600
    assert mode(data_dir) == 0o700
    for journal in (data_dir / "carnet.sqlite3-wal", data_dir / "carnet.sqlite3-shm"):
        if journal.exists():
            assert mode(journal) & 0o077 == 0


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run_carnet(data_dir, "migrate", "-v0")
    database = data_dir / "carnet.sqlite3"
    os.chmod(database, 0o644)
    os.chmod(data_dir, 0o755)  # noqa: S103  (the old, too open, state under test)
    run_carnet(data_dir, "migrate", "-v0")
    assert mode(database) == 0o600
    assert mode(data_dir) == 0o700
