"""The SMS provider interface: one function to send, two exceptions that say whether to retry.

`send_sms` hands one text to the backend chosen by `settings.SMS_BACKEND` (CARNET_SMS_BACKEND):
"console" for development (prints, or appends to CARNET_SMS_FILE), "memory" for tests,
"twilio" for real messages. A backend either returns an `SmsReceipt` (the provider accepted the
message; delivery is reported later through the status callback) or raises:

- `SmsRejected`: the provider refused this message for good (invalid or landline number, region
  not enabled...). Retrying cannot help; the caller records the failure for staff.
- `SmsUnavailable`: the provider could not be reached or asked us to wait (timeouts, refused
  connections, 5xx, 429, credentials being fixed). The caller retries with backoff, at the
  earliest after `retry_after` seconds when the provider said so.

Messages are plain words for staff, in the active language. Phone numbers never reach the logs
whole (`mask_number`) and the provider's credentials never reach them at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext

logger = logging.getLogger("carnet.sms")


@dataclass(frozen=True)
class SmsReceipt:
    """The provider accepted the message: its name, its id for the message, its first status."""

    provider: str
    message_id: str
    status: str


class SmsError(Exception):
    """A message was not accepted; `message` says why, for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SmsRejected(SmsError):
    """Refused for good: do not retry this message."""


class SmsUnavailable(SmsError):
    """Not accepted for now: retry later (not before `retry_after` seconds, when set)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SmsBackend(Protocol):
    """What every provider implements (the same shape for each, like calsync's providers)."""

    name: str

    def send(self, to_e164: str, body: str) -> SmsReceipt: ...


def mask_number(number: str) -> str:
    """'+33612345678' -> '+336******78': enough to tell two patients apart in a log, no more."""
    text = (number or "").strip()
    if len(text) <= 6:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 6) + text[-2:]


def get_backend() -> SmsBackend:
    """The backend named by settings.SMS_BACKEND, built from the settings of this moment."""
    name = settings.SMS_BACKEND
    if name == "twilio":
        from carnet.notifications.sms.twilio import TwilioBackend

        return TwilioBackend.from_settings()
    if name == "console":
        from carnet.notifications.sms.console import ConsoleBackend

        return ConsoleBackend.from_settings()
    if name == "memory":
        from carnet.notifications.sms.memory import MemoryBackend

        return MemoryBackend()
    raise SmsUnavailable(
        gettext("SMS sending is not configured correctly (unknown backend “%(name)s”).")
        % {"name": name}
    )


def send_sms(to_e164: str, body: str) -> SmsReceipt:
    """Send `body` to `to_e164` through the configured provider.

    Returns once the provider has accepted the message. Raises SmsRejected (do not retry) or
    SmsUnavailable (retry with backoff). Never sends twice by itself: retries are the caller's,
    who holds the exactly-once log.
    """
    backend = get_backend()
    try:
        receipt = backend.send(to_e164, body)
    except SmsError as error:
        logger.warning(
            "SMS to %s through %s not accepted (%s): %s",
            mask_number(to_e164),
            backend.name,
            type(error).__name__,
            error.message,
        )
        raise
    logger.info(
        "SMS to %s accepted by %s as %s (%s)",
        mask_number(to_e164),
        receipt.provider,
        receipt.message_id,
        receipt.status,
    )
    return receipt
