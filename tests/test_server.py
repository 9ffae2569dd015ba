"""`carnet serve` as it runs in production: real waitress, real signals, a real proxy's headers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from carnet.server import adopt_served_address, served_site_url
from tests.serving import (
    carnet,
    enqueue,
    free_port,
    get,
    isolated_env,
    migrated_env,
    start,
    stop,
    wait_for,
    wait_until_serving,
)

PRODUCTION = {
    "CARNET_DEBUG": "0",
    "CARNET_SECRET_KEY": "a-production-secret-for-the-proxy-tests-0123456789-abcdefghij",
    "CARNET_SITE_URL": "https://carnet.example.org",
    "CARNET_ALLOWED_HOSTS": "carnet.example.org,127.0.0.1",
    # A page that shows the request as Django sees it (tests/proxy_settings.py).
    "DJANGO_SETTINGS_MODULE": "tests.proxy_settings",
}
PROXIED = {
    "Host": "carnet.example.org",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "carnet.example.org",
    # The client claims an address; the proxy appends the one it saw: only that one counts.
    "X-Forwarded-For": "10.6.6.6, 203.0.113.7",
}


def serve(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    server = start("serve", "--port", str(port), *extra, env=env)
    wait_until_serving(port, server)
    return server, port


def echo(port: int, headers: dict[str, str]) -> dict[str, str]:
    status, _headers, body = get(port, "/echo", headers)
    assert status == 200, body
    return dict(line.split("=", 1) for line in body.decode().splitlines())


# --- stopping -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_sigterm_lets_the_job_in_flight_finish_and_exits_cleanly(
    tmp_path: Path, command: str
) -> None:
    """`carnet serve` (its embedded consumer) and `carnet worker` stop like a service should."""
    env = migrated_env(tmp_path)
    if command == "serve":
        process, _port = serve(env)
    else:
        process = start("worker", "--threads", "1", env=env)
    marker = tmp_path / "job-done"
    runs = Path(f"{marker}.runs")
    try:
        enqueue(
            env,
            "from tests.jobs.probe_tasks import slow_touch_file;"
            f"slow_touch_file.enqueue({str(marker)!r}, 2.0)",
        )
        assert wait_for(runs.exists), f"{command} never started the job"
        assert not marker.exists()
    finally:
        code, _out, err = stop(process)
    assert marker.exists(), "the job running at SIGTERM was cut short"
    assert marker.read_text() == str(process.pid)
    assert runs.read_text().split() == [str(process.pid)], "it ran once"
    assert code == 0, err
    assert "signal only works" not in err
    assert "Traceback" not in err


def test_a_job_overrunning_the_shutdown_timeout_goes_back_on_the_queue(tmp_path: Path) -> None:
    env = migrated_env(tmp_path, CARNET_JOBS_SHUTDOWN_TIMEOUT="0.5")
    server, _port = serve(env)
    marker = tmp_path / "job-done"
    runs = Path(f"{marker}.runs")
    try:
        enqueue(
            env,
            "from tests.jobs.probe_tasks import slow_touch_file;"
            f"slow_touch_file.enqueue({str(marker)!r}, 600.0)",
        )
        assert wait_for(runs.exists)
    finally:
        code, _out, err = stop(server, timeout=15)
    assert code == 0, err
    assert not marker.exists()

    # The next consumer to start finds the job on the queue and runs it.
    worker = start("worker", "--threads", "1", "--no-periodic", env=env)
    try:
        assert wait_for(marker.exists), "the interrupted job was lost"
    finally:
        code, _out, err = stop(worker)
    assert code == 0, err
    assert runs.read_text().split() == [str(server.pid), str(worker.pid)]


def test_serve_without_embedded_worker_stops_on_sigint(tmp_path: Path) -> None:
    import signal

    server, port = serve(isolated_env(tmp_path), "--no-worker")
    assert get(port, "/healthz")[0] == 200
    code, _out, err = stop(server, signum=signal.SIGINT)
    assert code == 0, err
    assert "Traceback" not in err


# --- the site address -------------------------------------------------------------------------


def test_links_follow_the_port_served_unless_the_site_url_is_set(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    seeded = carnet("demo", "--seed-only", env=env)
    assert seeded.returncode == 0, seeded.stderr
    made = carnet("feed-link", "sagefemme@demo.carnet.local", env=env)
    assert made.returncode == 0, made.stderr
    feed_path = "/feeds/" + made.stdout.split("/feeds/")[1].split()[0]

    server, port = serve(env)
    try:
        status, _headers, body = get(port, feed_path)
    finally:
        stop(server)
    assert status == 200, body
    feed = body.decode().replace("\r\n ", "")  # unfold iCalendar lines
    assert f"http://127.0.0.1:{port}/app/demo/appointments/" in feed
    assert "localhost:8000" not in feed

    env["CARNET_SITE_URL"] = "https://agenda.example.org"
    # The feed view keeps fingerprints in the cache for minutes, whatever SITE_URL was.
    shutil.rmtree(tmp_path / "cache")
    server, port = serve(env)
    try:
        status, _headers, body = get(port, feed_path)
    finally:
        stop(server)
    feed = body.decode().replace("\r\n ", "")
    assert "https://agenda.example.org/app/demo/appointments/" in feed
    assert f":{port}/" not in feed


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:9000"),
        ("0.0.0.0", "http://localhost:9000"),  # noqa: S104
        ("::1", "http://[::1]:9000"),
        ("carnet.lan", "http://carnet.lan:9000"),
    ],
)
def test_served_site_url(host: str, expected: str) -> None:
    assert served_site_url(host, 9000) == expected


def test_the_feed_link_shown_on_the_page_carries_the_served_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from carnet.feeds.links import feed_urls

    monkeypatch.delenv("CARNET_SITE_URL", raising=False)
    with override_settings(SITE_URL="http://localhost:8000"):
        adopt_served_address("127.0.0.1", 9000)
        assert feed_urls("token").https == "http://127.0.0.1:9000/feeds/token.ics"
        assert feed_urls("token").webcal == "webcal://127.0.0.1:9000/feeds/token.ics"


# --- behind a TLS proxy -------------------------------------------------------------------


def test_behind_the_trusted_proxy_https_is_seen_without_a_redirect_loop(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, CARNET_BEHIND_PROXY="1", **PRODUCTION)
    server, port = serve(env, "--no-worker")
    try:
        status, headers, _body = get(port, "/accounts/login/", PROXIED)
        seen = echo(port, PROXIED)
    finally:
        code, _out, err = stop(server)
    assert status == 200, headers
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert seen == {
        "scheme": "https",
        "secure": "True",
        "host": "carnet.example.org",
        "remote_addr": "203.0.113.7",
        "forwarded_for": "203.0.113.7",
    }
    assert code == 0, err


def test_without_the_proxy_setting_forwarded_headers_are_dropped(tmp_path: Path) -> None:
    """What happened before CARNET_BEHIND_PROXY configured waitress: a 301 to itself."""
    env = isolated_env(tmp_path, **PRODUCTION)
    server, port = serve(env, "--no-worker")
    try:
        status, headers, _body = get(port, "/accounts/login/", PROXIED)
        seen = echo(port, PROXIED)
    finally:
        stop(server)
    assert status == 301
    assert headers["location"] == "https://carnet.example.org/accounts/login/"
    assert seen["scheme"] == "http"
    assert seen["remote_addr"] == "127.0.0.1"
    assert seen["forwarded_for"] == ""


def test_a_client_that_is_not_the_trusted_proxy_cannot_spoof_its_address(tmp_path: Path) -> None:
    env = isolated_env(
        tmp_path, CARNET_BEHIND_PROXY="1", CARNET_TRUSTED_PROXY="192.0.2.1", **PRODUCTION
    )
    server, port = serve(env, "--no-worker")
    try:
        status, _headers, _body = get(port, "/accounts/login/", PROXIED)
        seen = echo(port, PROXIED)
    finally:
        code, _out, err = stop(server)
    assert status == 301, "a direct client sending X-Forwarded-Proto is still plain http"
    assert seen["remote_addr"] == "127.0.0.1"
    assert seen["forwarded_for"] == "", "the forged header never reaches Django"
    assert seen["scheme"] == "http"
    assert code == 0, err
