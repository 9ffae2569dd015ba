"""Feed links: 256-bit tokens stored only as hashes, rotation, turning off, the CLI."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from carnet import cli
from carnet.feeds.feed import find_source
from carnet.feeds.links import disable_link, feed_urls, hash_token, issue_link, link_for
from carnet.feeds.models import FeedLink
from carnet.practices.models import AuditEntry
from tests import factories
from tests.feeds.feed_data import (  # noqa: F401  (autouse fixtures)
    Agenda,
    _feed_defaults,
    agenda_fixture,
    build_agenda,
)

pytestmark = pytest.mark.django_db


def _database_text() -> str:
    """Every value of the rows a link touches, as one string to search for a secret."""
    rows = [*FeedLink.objects.values(), *AuditEntry.objects.values()]
    return repr(rows)


def test_only_the_hash_of_the_token_is_stored(agenda: Agenda) -> None:
    token = issue_link(agenda.practitioner, actor=agenda.owner)
    link = FeedLink.objects.get(practitioner=agenda.practitioner)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in _database_text()
    assert link.enabled and link.rotated_at is not None


def test_token_is_256_random_bits_in_a_short_url_without_names(agenda: Agenda) -> None:
    tokens = {issue_link(agenda.practitioner) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes, base64url
    urls = feed_urls(tokens.pop())
    assert urls.https.startswith("https://carnet.example.org/feeds/")
    assert urls.https.endswith(".ics")
    assert urls.webcal == "webcal://" + urls.https.removeprefix("https://")
    assert len(urls.https) < 256 and len(urls.webcal) < 256
    for name in ("Alice", "Durand", "Jeanne", "Martin", agenda.practice.slug):
        assert name.lower() not in urls.https.lower()


def test_regenerating_stops_the_old_link_at_once(agenda: Agenda) -> None:
    old = issue_link(agenda.practitioner)
    assert find_source(old) is not None
    new = issue_link(agenda.practitioner)
    assert find_source(old) is None
    assert find_source(new) is not None
    assert FeedLink.objects.count() == 1


def test_turning_off_forgets_the_token(agenda: Agenda) -> None:
    token = issue_link(agenda.practitioner)
    disable_link(agenda.practitioner)
    link = FeedLink.objects.get()
    assert not link.enabled and link.token_hash is None
    assert find_source(token) is None
    again = issue_link(agenda.practitioner)
    assert again != token and find_source(again) is not None and find_source(token) is None


def test_disabled_link_with_a_hash_is_not_found(agenda: Agenda) -> None:
    token = issue_link(agenda.practitioner)
    FeedLink.objects.update(enabled=False)
    assert find_source(token) is None


def test_inactive_practitioner_has_no_feed(agenda: Agenda) -> None:
    token = issue_link(agenda.practitioner)
    agenda.practitioner.is_active = False
    agenda.practitioner.save()
    assert find_source(token) is None


def test_link_settings_start_off_with_the_name_and_busy(agenda: Agenda) -> None:
    link = link_for(agenda.practitioner)
    assert (link.enabled, link.token_hash) == (False, None)
    assert (link.title_choice, link.personal_choice) == ("name", "busy")


def test_changes_are_audited_without_the_token(agenda: Agenda) -> None:
    token = issue_link(agenda.practitioner, actor=agenda.owner)
    issue_link(agenda.practitioner, actor=agenda.owner)
    disable_link(agenda.practitioner, actor=agenda.owner)
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["feed_link.enabled", "feed_link.regenerated", "feed_link.disabled"]
    assert token not in _database_text()


def test_hash_is_hex_sha256() -> None:
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()


# --- carnet feed-link EMAIL ---------------------------------------------------------------


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cli_regenerates_by_the_practitioner_email(agenda: Agenda) -> None:
    first = issue_link(agenda.practitioner)
    agenda.practitioner.email = "alice.durand@example.org"
    agenda.practitioner.save()
    output = _run("feed_link", "Alice.Durand@example.org")
    https = re.search(r"^https://\S+\.ics$", output, re.M)
    webcal = re.search(r"^webcal://\S+\.ics$", output, re.M)
    assert https and webcal
    token = https.group(0).rsplit("/", 1)[1].removesuffix(".ics")
    assert find_source(token) is not None
    assert find_source(first) is None  # the old link stopped
    assert webcal.group(0).endswith(f"/feeds/{token}.ics")


def test_cli_finds_the_practitioner_by_their_login_email(agenda: Agenda) -> None:
    agenda.practitioner.email = ""
    agenda.practitioner.save()
    output = _run("feed_link", agenda.owner.email)
    assert "https://carnet.example.org/feeds/" in output


def test_cli_refuses_an_unknown_email(agenda: Agenda) -> None:
    with pytest.raises(CommandError, match=r"No practitioner has the email 'nobody@example\.org'"):
        _run("feed_link", "nobody@example.org")
    assert not FeedLink.objects.exists()


def test_cli_refuses_an_ambiguous_email_then_takes_the_practice() -> None:
    one = build_agenda()
    two = build_agenda()
    for agenda in (one, two):
        agenda.practitioner.email = "shared@example.org"
        agenda.practitioner.save()
    with pytest.raises(CommandError, match=r"2 practitioners .*--practice SLUG"):
        _run("feed_link", "shared@example.org")
    assert not FeedLink.objects.exists()
    output = _run("feed_link", "shared@example.org", "--practice", two.practice.slug)
    assert "https://" in output
    assert FeedLink.objects.get().practitioner == two.practitioner


def test_there_is_one_feed_link_command() -> None:
    commands = get_commands()
    assert commands["feed_link"] == "carnet.feeds"
    assert "feed-link" not in commands  # no second module answering to the other spelling


def test_cli_exits_non_zero_with_the_error(
    agenda: Agenda, capsys: pytest.CaptureFixture[str]
) -> None:
    other = factories.practitioner(agenda.practice, email="twin@example.org")
    factories.practitioner(agenda.practice, email="twin@example.org")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["feed-link", "twin@example.org"])  # the spelling the documentation uses
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert "2 practitioners have the email 'twin@example.org'" in error
    assert f"id {other.pk}" in error
