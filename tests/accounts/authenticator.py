"""An authenticator app for tests: the code it would show now, computed from the secret with
allauth's own HOTP function (RFC 6238 with allauth's period and digits)."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from carnet.accounts.models import User


def code_now(secret: str) -> str:
    """The code of the current period; waits for the next one when this one is about to end,
    so that the server checks it in the same period."""
    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def set_up_app(user: User) -> str:
    """Give the account an authenticator app and recovery codes (as the set-up page does); the
    app's secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return secret
