"""The development and test backends, and choosing a backend from the settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import override_settings

from carnet.notifications.sms import SmsUnavailable, memory, send_sms

MOBILE = "+33612345678"


def test_the_console_shows_the_text_and_a_masked_number(capsys: pytest.CaptureFixture[str]) -> None:
    with override_settings(SMS_BACKEND="console", SMS_FILE=""):
        receipt = send_sms(MOBILE, "Rappel : rendez-vous le 08/01/2030 à 14h30.")
    printed = capsys.readouterr().out
    assert "Rappel : rendez-vous le 08/01/2030 à 14h30." in printed
    assert "+336******78" in printed
    assert MOBILE not in printed
    assert (receipt.provider, receipt.status) == ("console", "delivered")


def test_the_file_outbox_keeps_each_message_under_the_data_dir(tmp_path: Path) -> None:
    with override_settings(SMS_BACKEND="console", SMS_FILE="sms/outbox.jsonl", DATA_DIR=tmp_path):
        first = send_sms(MOBILE, "one")
        send_sms(MOBILE, "two")
    lines = (tmp_path / "sms" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["to"], r["body"]) for r in records] == [(MOBILE, "one"), (MOBILE, "two")]
    assert records[0]["id"] == first.message_id


def test_the_memory_backend_is_an_outbox_for_tests() -> None:
    memory.outbox.clear()
    with override_settings(SMS_BACKEND="memory"):
        receipt = send_sms(MOBILE, "hello")
    assert memory.outbox == [memory.SentSms(receipt.message_id, MOBILE, "hello")]
    memory.outbox.clear()


def test_an_unknown_backend_is_a_temporary_failure_that_names_it() -> None:
    with override_settings(SMS_BACKEND="carrier-pigeon"), pytest.raises(SmsUnavailable) as error:
        send_sms(MOBILE, "hello")
    assert "carrier-pigeon" in str(error.value)
