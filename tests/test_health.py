"""`/healthz` says which dependency is down, with real unreachable services, not mocks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from huey import RedisHuey
from redis import ConnectionPool

from tests.serving import REPO

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: a real Redis client meets a real refused connection.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
CACHE_DOWN = {
    "default": {
        "BACKEND": "carnet.cache.FailSafeRedisCache",
        "LOCATION": UNREACHABLE_REDIS,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def queue_down(monkeypatch: pytest.MonkeyPatch) -> None:
    unreachable = RedisHuey(
        "healthz-test", connection_pool=ConnectionPool.from_url(UNREACHABLE_REDIS)
    )
    monkeypatch.setattr("carnet.jobs.queue.huey", unreachable)


def test_all_up_is_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@override_settings(CACHES=CACHE_DOWN)
def test_cache_down_is_503_naming_the_cache(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.decode().splitlines() == [
        "down: cache",
        "database: ok",
        "cache: down",
        "queue: ok",
    ]


@pytest.mark.usefixtures("queue_down")
def test_queue_down_is_503_naming_the_queue(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.decode().splitlines()[0] == "down: queue"


@override_settings(CACHES=CACHE_DOWN)
@pytest.mark.usefixtures("queue_down")
def test_redis_down_names_cache_and_queue(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.decode().splitlines()[0] == "down: cache, queue"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_load_balancers_probing_plain_http_get_an_answer_not_a_redirect(client: Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_everything_down(tmp_path: Path) -> None:
    """A process whose database and Redis are both unreachable still answers, naming all three."""
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code); print(r.content.decode())"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "carnet.settings",
        "CARNET_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://carnet@127.0.0.1:1/carnet",
        "REDIS_URL": UNREACHABLE_REDIS,
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["503", "down: database, cache, queue"]
