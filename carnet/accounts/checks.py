"""Deployment checks about what keeps accounts safe.

The secret key signs sessions, password-reset links and email-verification links: with the
public development key anyone can forge them. Django only warns about a weak key; `carnet check
--deploy` makes it an error, so a deployment script that stops on errors stops here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

DEVELOPMENT_KEY_PREFIX = "django-insecure-"


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key = str(getattr(settings, "SECRET_KEY", ""))
    if key.startswith(DEVELOPMENT_KEY_PREFIX) or len(key) < 50 or len(set(key)) < 5:
        return [
            Error(
                "SECRET_KEY is the public development key, or too short to keep sessions and "
                "password-reset links from being forged.",
                hint="Set CARNET_SECRET_KEY to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="carnet.E001",
            )
        ]
    return []
