"""The `carnet` command as an operator uses it: serve with its embedded worker, check --deploy."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def carnet(*args: str, env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carnet.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "CARNET_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    for name in ("DATABASE_URL", "REDIS_URL", "CARNET_QUEUE_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env


def test_serve_answers_http_and_its_embedded_worker_runs_jobs(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    assert carnet("migrate", "-v0", env=sqlite_env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "carnet.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=sqlite_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    marker = tmp_path / "job-ran"
    try:
        status = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and status != 200:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/accounts/login/")
                status = connection.getresponse().status
            except OSError:
                time.sleep(0.1)
        assert status == 200
        enqueue = (
            "import django; django.setup();"
            "from tests.jobs.probe_tasks import touch_file;"
            f"touch_file.enqueue({str(marker)!r})"
        )
        result = subprocess.run(
            [sys.executable, "-c", enqueue],
            cwd=REPO,
            env={**sqlite_env, "DJANGO_SETTINGS_MODULE": "carnet.settings"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not marker.exists():
            time.sleep(0.1)
        assert marker.exists(), "the worker embedded in `carnet serve` did not run the job"
        assert marker.read_text() == str(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_check_deploy_passes_with_production_values(sqlite_env: dict[str, str]) -> None:
    env = {
        **sqlite_env,
        "CARNET_DEBUG": "0",
        "CARNET_SECRET_KEY": "k" * 20 + "-production-secret-from-the-vault-0123456789",
        "CARNET_SITE_URL": "https://carnet.example.org",
        "CARNET_ALLOWED_HOSTS": "carnet.example.org",
        "CARNET_TOKEN_KEYS": "Vq6x9C0m7d5bq4W3n3N2Qe9kKZ8m0cM0hXWm1Q9rjXk=",
    }
    result = carnet("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_calendar_tokens_use_a_derived_key(
    sqlite_env: dict[str, str],
) -> None:
    env = {
        **sqlite_env,
        "CARNET_DEBUG": "0",
        "CARNET_SECRET_KEY": "k" * 20 + "-production-secret-from-the-vault-0123456789",
        "CARNET_SITE_URL": "https://carnet.example.org",
        "CARNET_ALLOWED_HOSTS": "carnet.example.org",
    }
    result = carnet("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "carnet.W101" in result.stdout + result.stderr


def test_check_deploy_flags_development_defaults(sqlite_env: dict[str, str]) -> None:
    result = carnet("check", "--deploy", "--fail-level", "WARNING", env=sqlite_env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_check_deploy_fails_on_the_public_development_key(sqlite_env: dict[str, str]) -> None:
    """An error, not a warning: `check --deploy` with its default fail level stops on it."""
    env = {
        **sqlite_env,
        "CARNET_DEBUG": "0",
        "CARNET_SITE_URL": "https://carnet.example.org",
        "CARNET_ALLOWED_HOSTS": "carnet.example.org",
    }
    env.pop("CARNET_SECRET_KEY", None)
    result = carnet("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "carnet.E001" in result.stdout + result.stderr
    real_key = {"CARNET_SECRET_KEY": "k" * 20 + "-production-secret-from-the-vault-0123456789"}
    result = carnet("check", "--deploy", env={**env, **real_key})
    assert result.returncode == 0, result.stdout + result.stderr


def test_django_commands_are_reachable_through_carnet(sqlite_env: dict[str, str]) -> None:
    result = carnet("help", env=sqlite_env)
    for command in ("demo", "serve", "worker", "migrate", "add_practice"):
        assert command in result.stdout


@pytest.mark.parametrize("spelling", ["feed-link", "feed_link"])
def test_feed_link_answers_to_both_spellings(sqlite_env: dict[str, str], spelling: str) -> None:
    assert carnet("demo", "--seed-only", env=sqlite_env).returncode == 0
    result = carnet(spelling, "sagefemme@demo.carnet.local", env=sqlite_env)
    assert result.returncode == 0, result.stderr
    assert "/feeds/" in result.stdout and "webcal://" in result.stdout
    assert "feed_link" in carnet("help", env=sqlite_env).stdout
    assert "EMAIL" in carnet("help", "feed-link", env=sqlite_env).stdout.upper()


def test_command_line_maps_hyphens_to_the_module_name() -> None:
    from carnet.cli import command_line

    assert command_line(["feed-link", "a@b.c"]) == ["feed_link", "a@b.c"]
    assert command_line(["help", "feed-link"]) == ["help", "feed_link"]
    assert command_line(["--version"]) == ["--version"]
    assert command_line([]) == []
