"""Fixtures for the ICS feed tests: ical.js run through node, as a real client reads the feed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ICALJS_DIR = Path(__file__).parent / "icaljs"

IcalJs = Callable[..., dict[str, Any]]


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def icaljs() -> IcalJs:
    """Return ``check(ics_bytes, from_=..., until=..., probes=...)`` running check.mjs.

    Installs ical.js (pinned in package.json and package-lock.json) on first use. Without
    node on PATH the ical.js tests are skipped locally but fail on CI, where a skip would
    hide that the feed was never read by a real client library.
    """
    node = shutil.which("node")
    if node is None:
        message = "node is not on PATH: the feed cannot be checked with ical.js"
        if _on_ci():
            pytest.fail(message)
        pytest.skip(message)
    if not (ICALJS_DIR / "node_modules" / "ical.js").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("node is installed but npm is not: cannot install ical.js")
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund"],
            cwd=ICALJS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm install failed in {ICALJS_DIR}:\n{done.stdout}\n{done.stderr}")

    def check(
        ics: bytes,
        *,
        from_: str | None = None,
        until: str | None = None,
        probes: dict[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        options = {"from": from_, "until": until, "probes": probes or {}}
        done = subprocess.run(
            [node, "check.mjs", json.dumps(options)],
            cwd=ICALJS_DIR,
            input=ics,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"ical.js could not read the feed:\n{done.stderr.decode()}")
        return json.loads(done.stdout)

    return check
