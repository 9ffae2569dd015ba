"""`carnet add_practice` never hands a practice to an account whose address nobody proved.

The attack: sign up with a future owner's address before the operator creates the practice;
the command used to adopt that account, ignore --owner-password, and the attacker owned the
practice.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from carnet.accounts.models import User
from carnet.practices.models import Practice, Role
from tests import factories

REPO = Path(__file__).resolve().parents[2]
OPERATORS_PASSWORD = "the operator's pass phrase"
ATTACKERS_PASSWORD = "the attacker's pass phrase"


def add_practice(*extra: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    call_command(
        "add_practice",
        "Cabinet Martin",
        "martin",
        "--owner-email",
        "owner@example.org",
        *extra,
        stdout=out,
        stdin=io.StringIO(stdin or ""),
    )
    return out.getvalue()


@pytest.mark.django_db
def test_an_account_signed_up_in_advance_is_taken_back_from_whoever_made_it() -> None:
    attacker = Client()
    attacker.post(
        "/accounts/signup/",
        {
            "email": "owner@example.org",
            "password1": ATTACKERS_PASSWORD,
            "password2": ATTACKERS_PASSWORD,
        },
    )
    account = User.objects.get(email="owner@example.org")
    # A session from before verification was mandatory (or any other way in): it must end.
    attacker.force_login(account)

    output = add_practice("--owner-password-stdin", stdin=OPERATORS_PASSWORD + "\n")

    account.refresh_from_db()
    assert Practice.objects.get(slug="martin").memberships.get(role=Role.OWNER).user == account
    assert not account.check_password(ATTACKERS_PASSWORD)
    assert account.check_password(OPERATORS_PASSWORD)
    assert EmailAddress.objects.get(user=account).verified
    assert "never verified" in output
    response = attacker.get("/app/martin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Client().login(email="owner@example.org", password=ATTACKERS_PASSWORD)
    owner = Client()
    owner.post("/accounts/login/", {"login": "owner@example.org", "password": OPERATORS_PASSWORD})
    assert owner.get("/app/martin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "This password is entirely numeric."),
        ("password", "This password is too common."),
        ("short", "This password is too short."),
        ("owner@example.org", "The password is too similar to the email address."),
    ],
)
def test_a_weak_password_is_refused_and_nothing_is_saved(password: str, reason: str) -> None:
    with pytest.raises(CommandError) as error:
        add_practice("--owner-password", password)
    assert reason in str(error.value)
    assert not Practice.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_password_can_come_from_standard_input() -> None:
    add_practice("--owner-password-stdin", stdin=OPERATORS_PASSWORD + "\n")
    owner = User.objects.get(email="owner@example.org")
    assert owner.check_password(OPERATORS_PASSWORD)
    assert EmailAddress.objects.get(user=owner).verified


@pytest.mark.django_db
def test_without_a_terminal_or_stdin_option_the_command_says_how_to_give_the_password() -> None:
    with pytest.raises(CommandError) as error:
        add_practice()
    assert "--owner-password-stdin" in str(error.value)
    assert not Practice.objects.exists()


@pytest.mark.django_db
def test_a_verified_account_keeps_its_own_password() -> None:
    factories.user("owner@example.org", password="the owner's own pass phrase")
    output = add_practice("--owner-password", OPERATORS_PASSWORD)
    owner = User.objects.get(email="owner@example.org")
    assert owner.check_password("the owner's own pass phrase")
    assert Practice.objects.get(slug="martin").memberships.get().user == owner
    assert "keeps its own password" in output


@pytest.mark.django_db
def test_a_deactivated_account_is_refused() -> None:
    factories.user("owner@example.org", is_active=False)
    with pytest.raises(CommandError) as error:
        add_practice("--owner-password", OPERATORS_PASSWORD)
    assert "deactivated" in str(error.value)
    assert not Practice.objects.exists()


def test_the_command_asks_for_the_password_in_a_terminal(tmp_path: Path) -> None:
    """A real terminal (a pseudo-terminal), so getpass reads it without echo, twice."""
    env = {**os.environ, "CARNET_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "carnet.cli"]
    subprocess.run([*command, "migrate", "-v0"], cwd=REPO, env=env, check=True, timeout=120)
    add = [*command, "add_practice", "Cabinet", "cabinet", "--owner-email", "o@example.org"]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pseudo-terminal
        os.chdir(REPO)
        os.execve(sys.executable, add, env)  # noqa: S606  (no shell: argv as given)
    transcript = since_answer = b""
    answered = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the child closed the terminal: it is done
            break
        if not chunk:
            break
        transcript += chunk
        since_answer += chunk
        if answered < 2 and since_answer.rstrip().endswith(b":"):  # a prompt, in any language
            os.write(terminal, OPERATORS_PASSWORD.encode() + b"\n")
            answered += 1
            since_answer = b""
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, transcript.decode(errors="replace")
    assert answered == 2
    assert OPERATORS_PASSWORD.encode() not in transcript  # not echoed
    check = (
        "import django; django.setup();"
        "from carnet.accounts.models import User;"
        f"print(User.objects.get(email='o@example.org').check_password({OPERATORS_PASSWORD!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "carnet.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "True", result.stderr
