"""OAuth tokens are stored encrypted, and keys can be rotated."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from carnet.calsync.secrets import TokenUnreadable, seal, unseal

TOKEN = "1//0refresh-token-of-a-practitioner"


def test_a_sealed_token_does_not_show_the_token_and_opens_again() -> None:
    sealed = seal(TOKEN)
    assert TOKEN not in sealed
    assert "refresh" not in sealed
    assert unseal(sealed) == TOKEN


def test_tokens_sealed_with_an_old_key_still_open_after_rotation() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(CALENDAR_TOKEN_KEYS=[old]):
        sealed = seal(TOKEN)
    with override_settings(CALENDAR_TOKEN_KEYS=[new, old]):
        assert unseal(sealed) == TOKEN
        assert unseal(seal(TOKEN)) == TOKEN


def test_a_token_sealed_with_a_forgotten_key_is_unreadable_without_saying_it() -> None:
    with override_settings(CALENDAR_TOKEN_KEYS=[Fernet.generate_key().decode()]):
        sealed = seal(TOKEN)
    with (
        override_settings(CALENDAR_TOKEN_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(TokenUnreadable) as raised,
    ):
        unseal(sealed)
    assert TOKEN not in str(raised.value)
