"""Running the real `carnet` command in a subprocess, as an operator would, for the tests.

Each test gets its own data directory (SQLite database, SQLite job queue, file cache) and its
own queue name, so it meets neither the other tests nor a running demo.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `carnet` process on SQLite in `data_dir`, plus `extra`."""
    env = {
        **os.environ,
        "CARNET_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
        "CARNET_QUEUE_NAME": f"carnet-test-{uuid.uuid4().hex[:12]}",
    }
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DJANGO_SETTINGS_MODULE",
        "CARNET_SITE_URL",
        "CARNET_BEHIND_PROXY",
    ):
        env.pop(name, None)
    env.update(extra)
    return env


def migrated_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """`isolated_env` with its database migrated: periodic jobs may run and need the tables."""
    env = isolated_env(data_dir, **extra)
    done = carnet("migrate", "-v0", env=env)
    assert done.returncode == 0, done.stderr
    return env


def carnet(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carnet.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a long-running `carnet` command (serve, worker); stdout and stderr are piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "carnet.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def wait_until_serving(port: int, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"carnet stopped early:\n{process.stderr.read()}")  # type: ignore[union-attr]
        try:
            get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered on port {port} within {timeout} s")


def wait_for(predicate: Callable[[], object], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def enqueue(env: dict[str, str], statement: str) -> None:
    """Enqueue jobs from another process, into the queue of the `carnet` process using `env`."""
    code = f"import django; django.setup(); {statement}"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "carnet.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def stop(
    process: subprocess.Popen[str], timeout: float = 30, signum: int = signal.SIGTERM
) -> tuple[int, str, str]:
    """SIGTERM (as a service manager stops Carnet) or `signum`; the exit code and the output."""
    if process.poll() is None:
        process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as late:
        process.kill()
        _out, err = process.communicate()
        message = f"carnet did not stop within {timeout} s of the signal:\n{err}"
        raise AssertionError(message) from late
    return process.returncode, out, err
