"""Deployment check: calendar tokens must not be sealed with a key derived from the default."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_token_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.CALENDAR_TOKEN_KEYS:
        return []
    return [
        Warning(
            "Calendar tokens are encrypted with a key derived from SECRET_KEY: changing the "
            "secret key would then make every calendar connection unreadable.",
            hint="Set CARNET_TOKEN_KEYS to a Fernet key, e.g. the output of `python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`.",
            id="carnet.W101",
        )
    ]
