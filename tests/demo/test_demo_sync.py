"""`carnet demo` shows two-way Google Calendar sync with the emulator, no Google account needed.

The real command runs in a subprocess with its own data directory, as a new user would start
it. What a user would notice is checked from outside: the emulator's page and state over HTTP
(the page's forms are what a user clicks), and Carnet's SQLite database read directly.
"""

# ruff: noqa: S310 - every URL opened here is the local demo's own emulator

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from carnet.demo.seed import DEMO_LOGINS
from tests.serving import free_port, isolated_env, start, stop, wait_for, wait_until_serving

PARIS = ZoneInfo("Europe/Paris")
PAGE = "/_emulator/calendar"
LIVE = ("pending", "active", "broken")


@dataclass
class Demo:
    process: subprocess.Popen[str]
    port: int
    google_port: int
    data_dir: Path

    @property
    def google(self) -> str:
        return f"http://127.0.0.1:{self.google_port}"

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.data_dir / "carnet.sqlite3", timeout=10)

    def state(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.google + "/_emulator/state", timeout=10) as answer:
            return dict(json.load(answer))

    def post(self, path: str, fields: dict[str, str]) -> int:
        """Submit one of the page's forms, as the browser would (the 303 is not followed)."""
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.google + path, data=data, method="POST")
        try:
            with _no_redirects.open(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as answer:
            return answer.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


_no_redirects = urllib.request.build_opener(_NoRedirect)


def start_demo(data_dir: Path, **env: str) -> Demo:
    port, google_port = free_port(), free_port()
    process = start(
        "demo",
        "--port",
        str(port),
        "--google-port",
        str(google_port),
        env=isolated_env(data_dir, **env),
    )
    wait_until_serving(port, process, timeout=120)
    return Demo(process, port, google_port, data_dir)


def midwife(demo: Demo) -> int:
    with contextlib.closing(demo.db()) as db:
        row = db.execute(
            "SELECT p.id FROM scheduling_practitioner p JOIN accounts_user u ON p.user_id = u.id "
            "WHERE u.email = ?",
            (DEMO_LOGINS["practitioner"],),
        ).fetchone()
    return int(row[0])


def connections(demo: Demo) -> list[tuple[int, str, str, str]]:
    with contextlib.closing(demo.db()) as db:
        return list(
            db.execute(
                "SELECT id, state, refresh_token, direction FROM calsync_calendarconnection "
                "ORDER BY id"
            )
        )


def synced_future_appointments(demo: Demo) -> set[uuid.UUID]:
    """What the backfill must have sent: the midwife's future, synced, not cancelled visits."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    with contextlib.closing(demo.db()) as db:
        rows = db.execute(
            "SELECT public_id FROM scheduling_appointment WHERE practitioner_id = ? "
            "AND sync_external AND status != 'cancelled' AND \"end\" > ?",
            (midwife(demo), now),
        )
        return {uuid.UUID(row[0]) for row in rows}


def carnet_calendars(demo: Demo) -> list[dict[str, Any]]:
    return [c for c in demo.state()["calendars"] if c["summary"].startswith("Carnet - ")]


def google_appointments(calendar: dict[str, Any]) -> list[uuid.UUID]:
    """The appointment each live event of the calendar stands for (a list: duplicates show)."""
    return [
        uuid.UUID(event["extendedProperties"]["private"]["carnetAppointment"])
        for event in calendar["events"]
        if event.get("status") != "cancelled"
        and "carnetAppointment" in event.get("extendedProperties", {}).get("private", {})
    ]


def backfilled(demo: Demo) -> bool:
    """The first sync is over: the appointments are in Google, and the calendar is watched
    (the push channel opens once the backfill is done)."""
    calendars = carnet_calendars(demo)
    expected = synced_future_appointments(demo)
    if len(calendars) != 1 or not set(google_appointments(calendars[0])) >= expected:
        return False
    channels = json.load(urllib.request.urlopen(demo.google + "/_emulator/channels", timeout=10))
    return any(channel["active"] for channel in channels["channels"])


def personal_events(demo: Demo, title: str) -> list[tuple[str, str]]:
    with contextlib.closing(demo.db()) as db:
        return list(
            db.execute(
                'SELECT start, "end" FROM scheduling_personalevent '
                "WHERE title = ? AND practitioner_id = ?",
                (title, midwife(demo)),
            )
        )


def appointment_start(demo: Demo, public_id: uuid.UUID) -> datetime:
    with contextlib.closing(demo.db()) as db:
        row = db.execute(
            "SELECT start FROM scheduling_appointment WHERE public_id = ?", (public_id.hex,)
        ).fetchone()
    return datetime.fromisoformat(row[0]).replace(tzinfo=UTC)


def events_path(calendar_id: str, *rest: str) -> str:
    parts = [calendar_id, "events", *rest]
    return PAGE + "/" + "/".join(urllib.parse.quote(part, safe="") for part in parts)


def local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-sync")


@pytest.fixture(scope="module")
def demo(data_dir: Path) -> Iterator[Demo]:
    running = start_demo(data_dir)
    try:
        # The engine paces the backfill under Google's quota (5 writes a second).
        assert wait_for(lambda: backfilled(running), timeout=90), running.state()
        yield running
    finally:
        stop(running.process)


def test_the_demo_connects_the_midwife_to_the_emulator(demo: Demo) -> None:
    with urllib.request.urlopen(demo.google + PAGE, timeout=10) as answer:
        page = answer.read().decode()
    assert "Google Calendar (emulated)" in page
    assert "Carnet - Camille Martin" in page
    [(_id, state, refresh_token, direction)] = connections(demo)
    assert (state, direction) == ("active", "two_way")
    assert refresh_token and "refresh" not in refresh_token  # sealed, not the token itself


def test_the_future_synced_appointments_are_in_google_once(demo: Demo) -> None:
    [calendar] = carnet_calendars(demo)
    assert calendar["owner"] == DEMO_LOGINS["practitioner"]
    assert calendar["timeZone"] == "Europe/Paris"
    in_google = google_appointments(calendar)
    expected = synced_future_appointments(demo)
    assert len(expected) > 10
    assert sorted(in_google) == sorted(expected)
    channels = json.load(urllib.request.urlopen(demo.google + "/_emulator/channels", timeout=10))
    [channel] = [c for c in channels["channels"] if c["active"]]
    assert channel["address"] == f"http://127.0.0.1:{demo.port}/calsync/google/notify"


def test_an_event_added_in_google_blocks_time_in_carnet(demo: Demo) -> None:
    [calendar] = carnet_calendars(demo)
    day = datetime.now(PARIS).date() + timedelta(days=3)
    status = demo.post(
        events_path(calendar["id"]),
        {"title": "Dentiste", "start": f"{day}T07:00", "end": f"{day}T08:00"},
    )
    assert status == 303
    assert wait_for(lambda: personal_events(demo, "Dentiste"), timeout=5), "not pulled in 5 s"
    [(start, end)] = personal_events(demo, "Dentiste")
    start_at = datetime.fromisoformat(start).replace(tzinfo=UTC).astimezone(PARIS)
    assert (start_at.date(), start_at.hour) == (day, 7)
    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == timedelta(hours=1)


def test_moving_an_appointment_in_google_moves_it_in_carnet(demo: Demo) -> None:
    [calendar] = carnet_calendars(demo)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    event = min(
        (
            e
            for e in calendar["events"]
            if e.get("status") != "cancelled"
            and datetime.fromisoformat(e["start"]["dateTime"]) > tomorrow
        ),
        key=lambda e: datetime.fromisoformat(e["start"]["dateTime"]),
    )
    public_id = uuid.UUID(event["extendedProperties"]["private"]["carnetAppointment"])
    before = datetime.fromisoformat(event["start"]["dateTime"])
    # 21:00 the same day: after opening hours, so no other appointment is there.
    after = before.astimezone(PARIS).replace(hour=21, minute=0)
    assert (
        demo.post(events_path(calendar["id"], event["id"], "move"), {"start": local(after)}) == 303
    )
    assert wait_for(lambda: appointment_start(demo, public_id) == after, timeout=5), (
        appointment_start(demo, public_id),
        after,
    )


def test_a_second_start_connects_afresh_without_duplicates(demo: Demo, data_dir: Path) -> None:
    first = connections(demo)
    with contextlib.closing(demo.db()) as db:
        personal_before = db.execute("SELECT COUNT(*) FROM scheduling_personalevent").fetchone()
    stop(demo.process)

    again = start_demo(data_dir)
    try:
        assert wait_for(lambda: backfilled(again), timeout=90), again.state()
        time.sleep(1)  # notifications of the backfill's own writes come back: nothing to apply
        rows = connections(again)
        live = [row for row in rows if row[1] in LIVE]
        assert len(live) == 1 and live[0][1] == "active"
        assert live[0][0] not in {row[0] for row in first}
        revoked = [row for row in rows if row[0] in {r[0] for r in first}]
        assert all(state == "revoked" and not token for _id, state, token, _d in revoked)

        [calendar] = carnet_calendars(again)
        in_google = google_appointments(calendar)
        assert len(in_google) == len(set(in_google))
        assert set(in_google) == synced_future_appointments(again)
        with contextlib.closing(again.db()) as db:
            personal_after = db.execute("SELECT COUNT(*) FROM scheduling_personalevent").fetchone()
        assert personal_after == personal_before
    finally:
        stop(again.process)


def test_with_a_real_google_client_the_demo_starts_no_emulator(tmp_path: Path) -> None:
    demo = start_demo(tmp_path, CARNET_GOOGLE_CLIENT_ID="real.apps.googleusercontent.com")
    try:
        with pytest.raises(OSError):
            urllib.request.urlopen(demo.google + PAGE, timeout=2)
        assert connections(demo) == []
    finally:
        _code, out, _err = stop(demo.process)
    assert "CARNET_GOOGLE_CLIENT_ID" in out
    assert "(emulated)" not in out
