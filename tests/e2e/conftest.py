"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium); no browser download.

What every browser test gets from here:

- `page`: a fresh English-speaking tab that watches what a user would notice going wrong. Any
  403 or 5xx answer, JavaScript error or console error (a Content Security Policy violation is
  one) fails the test at teardown, so a flow that "passed" over a broken button cannot.
- `log_in(page, live_server, email)`: logs in through the real login form, as a user does.
- `small_practice`: a practice with an owner, a practitioner (with a login) and an assistant
  managing that practitioner's agenda, one center, and a few appointments later today.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from carnet.accounts.models import User
from carnet.patients.models import Patient
from carnet.practices.models import Center, Membership, Practice, Role
from carnet.scheduling.models import Appointment, Practitioner
from tests import factories

CHROMIUM = os.environ.get("CARNET_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "a long pass phrase for tests"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
    # around it are ordinary synchronous ones. Only for the browser tests, never elsewhere.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@dataclass
class BrowserWatch:
    """What went wrong in a tab, as the browser saw it: bad answers, console and page errors."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))

    def _on_response(self, response: Any) -> None:
        if response.status == 403 or response.status >= 500:
            self.problems.append(f"{response.status} for {response.request.method} {response.url}")

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            source = message.location.get("url") or ""
            self.problems.append(f"console error on {message.page.url} ({source}): {message.text}")

    def take(self) -> list[str]:
        """The problems seen so far, forgetting them (for a test that provokes one on purpose)."""
        seen, self.problems = self.problems, []
        return seen


@pytest.fixture
def browser_watch() -> BrowserWatch:
    return BrowserWatch()


@pytest.fixture
def page(browser: Any, browser_watch: BrowserWatch) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    page = context.new_page()
    browser_watch.attach(page)
    yield page
    context.close()
    if browser_watch.problems:
        pytest.fail("the browser saw:\n" + "\n".join(browser_watch.problems))


def log_in(page: Any, live_server: Any, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a user would, and wait until it has answered."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    # Still on an account page (the form again, "verify your email"...): not logged in.
    assert "/accounts/" not in page.url, f"{email} could not log in: {page.url}"


def log_in_with_code(
    page: Any, live_server: Any, email: str, secret: str, password: str = PASSWORD
) -> None:
    """Log in to an account protected by an authenticator app: password, then the app's code
    (computed from its secret, as the app would)."""
    from tests.accounts.authenticator import code_now

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    assert page.url.endswith("/accounts/2fa/authenticate/"), f"no code asked: {page.url}"
    page.fill("input[name=code]", code_now(secret))
    with page.expect_navigation():
        page.click("form:has(input[name=code]) [type=submit]")
    assert "/accounts/" not in page.url, f"{email} could not log in: {page.url}"


def confirm_password(page: Any, live_server: Any, password: str = PASSWORD) -> None:
    """Enter the password again (allauth asks for it before two-factor settings change); for the
    next few minutes, those pages show themselves instead of asking."""
    page.goto(f"{live_server.url}/accounts/reauthenticate/")
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")


@dataclass
class SmallPractice:
    """One practice with each staff role, filled with plausibly long French names."""

    practice: Practice
    center: Center
    practitioner: Practitioner
    owner: User
    practitioner_user: User
    assistant: User
    patient: Patient
    appointments: list[Appointment]

    @property
    def accounts(self) -> dict[str, User]:
        return {
            Role.OWNER: self.owner,
            Role.PRACTITIONER: self.practitioner_user,
            Role.ASSISTANT: self.assistant,
        }


def _zone_in_working_hours(now: datetime) -> str:
    """A time zone where it is daytime now, so that 'later today' holds a few appointments."""
    candidates = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "Pacific/Honolulu")
    for name in candidates:
        if 6 <= now.astimezone(ZoneInfo(name)).hour < 18:
            return name
    return candidates[0]


def build_small_practice() -> SmallPractice:
    from carnet.scheduling import booking

    now = timezone.now()
    practice = factories.practice(
        "Maison de santé pluriprofessionnelle des Lilas",
        time_zone=_zone_in_working_hours(now),
        language="en",
    )
    center = factories.center(practice, "Centre médical Saint-Jean-de-la-Ruelle")
    owner = factories.user("owner@example.org", password=PASSWORD)
    practitioner_user = factories.user("claire.morel-lefebvre@example.org", password=PASSWORD)
    assistant = factories.user("assistant@example.org", password=PASSWORD)
    Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
    Membership.objects.create(user=practitioner_user, practice=practice, role=Role.PRACTITIONER)
    assisting = Membership.objects.create(user=assistant, practice=practice, role=Role.ASSISTANT)
    practitioner = factories.practitioner(
        practice,
        "Dr Claire Morel-Lefebvre",
        profession="Sage-femme échographiste",
        user=practitioner_user,
    )
    assisting.practitioners.add(practitioner)
    assisting.centers.add(center)
    kind = factories.appointment_type(
        practice, [practitioner], name="Première consultation prénatale", duration_minutes=30
    )
    patient = factories.patient(practice, first_name="Marie-Amélie", last_name="Fontaine-Delacroix")
    first = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    appointments = [
        booking.book(
            practice,
            appointment_type=kind,
            patient=patient,
            start=first + timedelta(minutes=40 * n),
            practitioner=practitioner,
            center=center,
            actor=owner,
        ).appointment
        for n in range(3)
    ]
    return SmallPractice(
        practice, center, practitioner, owner, practitioner_user, assistant, patient, appointments
    )


@pytest.fixture
def small_practice(transactional_db: None) -> SmallPractice:
    try:
        from django_scopes import scopes_disabled
    except ImportError:  # pragma: no cover - django-scopes is a dependency
        return build_small_practice()
    with scopes_disabled():
        return build_small_practice()


@pytest.fixture
def artifacts_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $CARNET_ARTIFACTS_DIR (CI keeps it) or the test's tmp_path."""
    chosen = os.environ.get("CARNET_ARTIFACTS_DIR")
    directory = Path(chosen) if chosen else tmp_path / "artifacts"
    directory.mkdir(parents=True, exist_ok=True)
    return directory
