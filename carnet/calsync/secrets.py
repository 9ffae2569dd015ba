"""Calendar tokens encrypted at rest: a refresh token is a key to a practitioner's calendar.

Keys come from `CARNET_TOKEN_KEYS` (comma-separated Fernet keys, newest first, so that a key
can be rotated: new tokens use the first, old ones still decrypt with the others). Without it,
a development key is derived from `SECRET_KEY`; `manage.py check --deploy` warns about that.
Tokens never appear in logs or error messages: `TokenUnreadable` says which, not what.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class TokenUnreadable(Exception):
    """A stored token that no configured key decrypts (the keys changed): reconnect."""


def derived_key(secret: str) -> bytes:
    """A Fernet key derived from `secret` (the development default)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"carnet calendar tokens")
    return base64.urlsafe_b64encode(raw.derive(secret.encode()))


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    return MultiFernet([Fernet(derived_key(secret_key))])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.CALENDAR_TOKEN_KEYS), str(settings.SECRET_KEY))


def seal(token: str) -> str:
    """The token, encrypted for storage."""
    return _current().encrypt(token.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The stored token in clear, for one request to the provider."""
    try:
        return _current().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise TokenUnreadable("the stored calendar token cannot be decrypted") from error
