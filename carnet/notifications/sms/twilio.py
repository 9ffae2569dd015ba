"""Twilio's Messages REST API, spoken over the standard library's urllib.

One request per message: POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json, form
fields To, From (or MessagingServiceSid), Body and StatusCallback, HTTP Basic authentication
with the account SID and auth token. 201 answers the message resource (its `sid` and first
`status`); errors answer {"code", "message", "more_info", "status"} with Twilio's error codes,
which `refusal` sorts into SmsRejected (do not retry) and SmsUnavailable (retry later).

The base URL is a setting (CARNET_TWILIO_API_URL) so that the test emulator, or another
Twilio-compatible gateway, takes Twilio's place. Redirects are refused: the Authorization
header must only ever go to the configured host.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from carnet.notifications.sms.provider import SmsError, SmsReceipt, SmsRejected, SmsUnavailable

API_VERSION = "2010-04-01"
MAX_ANSWER_BYTES = 64 * 1024


# Twilio error codes (https://www.twilio.com/docs/api/errors) that Carnet explains to staff.
# All are refusals of this one message; a 4xx with another code is a refusal too, with its code.
def reason_for(code: int) -> str | None:
    """The translated explanation of a Twilio error code, if Carnet knows it."""
    reasons = {
        21211: gettext("The SMS provider says the patient's number is not a valid phone number."),
        21604: gettext("The patient's mobile number is missing."),
        21614: gettext("The SMS provider says the patient's number is not a mobile number."),
        21408: gettext(
            "The SMS provider's account is not allowed to send SMS to this patient's country."
        ),
        21612: gettext("The SMS provider cannot deliver messages to this number."),
        21610: gettext("The patient has unsubscribed from SMS from this practice (replied STOP)."),
        21608: gettext(
            "The SMS provider's trial account may only send SMS to numbers verified with it."
        ),
        21602: gettext("The SMS provider refused an empty message."),
        21617: gettext("The SMS provider refused the message because it is too long."),
        21212: gettext("The SMS sender number (CARNET_TWILIO_FROM) is not valid."),
        21603: gettext("No SMS sender is configured (CARNET_TWILIO_FROM)."),
        21606: gettext(
            "The SMS sender number (CARNET_TWILIO_FROM) cannot send SMS for this account."
        ),
        21659: gettext(
            "The SMS sender number (CARNET_TWILIO_FROM) does not belong to this account."
        ),
    }
    return reasons.get(code)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is for an API: credentials stay with one host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class TwilioBackend:
    account_sid: str
    auth_token: str = field(repr=False)
    sender: str
    api_url: str = "https://api.twilio.com"
    status_callback: str = ""
    timeout: float = 10.0
    name: str = "twilio"

    @classmethod
    def from_settings(cls) -> TwilioBackend:
        return cls(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            sender=settings.TWILIO_FROM,
            api_url=settings.TWILIO_API_URL,
            status_callback=settings.TWILIO_STATUS_CALLBACK,
            timeout=settings.SMS_TIMEOUT,
        )

    @property
    def messages_url(self) -> str:
        account = urllib.parse.quote(self.account_sid, safe="")
        return f"{self.api_url.rstrip('/')}/{API_VERSION}/Accounts/{account}/Messages.json"

    def form(self, to_e164: str, body: str) -> dict[str, str]:
        fields = {"To": to_e164, "Body": body}
        # A Messaging Service SID (MG + 32 hex) lets Twilio pick the sender from its pool.
        if self.sender.startswith("MG") and len(self.sender) == 34:
            fields["MessagingServiceSid"] = self.sender
        else:
            fields["From"] = self.sender
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        return fields

    def send(self, to_e164: str, body: str) -> SmsReceipt:
        if not (self.account_sid and self.auth_token and self.sender):
            raise SmsUnavailable(
                gettext(
                    "SMS sending through Twilio is not configured (CARNET_TWILIO_ACCOUNT_SID, "
                    "CARNET_TWILIO_AUTH_TOKEN and CARNET_TWILIO_FROM are needed)."
                )
            )
        if urllib.parse.urlsplit(self.api_url).scheme not in {"https", "http"}:
            raise SmsUnavailable(gettext("CARNET_TWILIO_API_URL must be an http or https address."))
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.messages_url,
            data=urllib.parse.urlencode(self.form(to_e164, body)).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": "Carnet",
            },
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return self.receipt(response.status, read_limited(response))
        except urllib.error.HTTPError as error:
            with error:
                raise refusal(error.code, read_limited(error), error.headers) from None
        except TimeoutError as error:
            raise SmsUnavailable(
                gettext("The SMS provider did not answer in time; the message will be retried.")
            ) from error
        except (urllib.error.URLError, OSError) as error:
            if isinstance(getattr(error, "reason", None), TimeoutError):
                raise SmsUnavailable(
                    gettext("The SMS provider did not answer in time; the message will be retried.")
                ) from error
            raise SmsUnavailable(
                gettext("Carnet could not reach the SMS provider; the message will be retried.")
            ) from error

    def receipt(self, status: int, raw: bytes) -> SmsReceipt:
        answer = parse_json(raw)
        sid = answer.get("sid")
        if status // 100 != 2 or not isinstance(sid, str) or not sid:
            raise SmsUnavailable(
                gettext(
                    "The SMS provider's answer could not be understood; the message will be "
                    "retried."
                )
            )
        message_status = answer.get("status")
        return SmsReceipt(
            provider=self.name,
            message_id=sid,
            status=message_status if isinstance(message_status, str) else "queued",
        )


def read_limited(stream: IO[bytes]) -> bytes:
    return stream.read(MAX_ANSWER_BYTES)


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def retry_after_seconds(headers: Message | None) -> float | None:
    """Retry-After in seconds, whether given as seconds or as an HTTP date."""
    value = (headers.get("Retry-After") if headers is not None else None) or ""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def refusal(status: int, raw: bytes, headers: Message | None) -> SmsError:
    """The exception for an error answer: SmsRejected for this message's faults, else retry."""
    answer = parse_json(raw)
    code = answer.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    if status == 429:
        return SmsUnavailable(
            gettext("The SMS provider asks Carnet to slow down; the message will be retried."),
            retry_after=retry_after_seconds(headers),
        )
    if status in {401, 403}:
        return SmsUnavailable(
            gettext(
                "The SMS provider refused Carnet's credentials; an administrator must check "
                "CARNET_TWILIO_ACCOUNT_SID and CARNET_TWILIO_AUTH_TOKEN."
            )
        )
    if status == 404:
        return SmsUnavailable(
            gettext(
                "The SMS provider does not know Carnet's account; an administrator must check "
                "CARNET_TWILIO_ACCOUNT_SID and CARNET_TWILIO_API_URL."
            )
        )
    if status < 400:  # a redirect, refused above: the API URL is not Twilio's
        return SmsUnavailable(
            gettext(
                "The SMS provider's answer could not be understood; an administrator must "
                "check CARNET_TWILIO_API_URL."
            )
        )
    if status == 408 or status >= 500:
        return SmsUnavailable(
            gettext(
                "The SMS provider had a temporary problem (HTTP %(status)s); the message will "
                "be retried."
            )
            % {"status": status},
            retry_after=retry_after_seconds(headers),
        )
    if code is not None:
        known = reason_for(code)
        if known is not None:
            return SmsRejected(known)
        return SmsRejected(
            gettext("The SMS provider refused the message (Twilio error %(code)s).")
            % {"code": code}
        )
    return SmsRejected(
        gettext("The SMS provider refused the message (HTTP %(status)s).") % {"status": status}
    )
