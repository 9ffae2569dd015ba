"""A local Twilio: the Messages REST API's wire format, on 127.0.0.1, for tests.

What it speaks (https://www.twilio.com/docs/messaging/api/message-resource):

- POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From or
  MessagingServiceSid, Body, StatusCallback; HTTP Basic auth with the account SID and auth
  token (401 and error 20003 otherwise); 201 with the Message resource as JSON (sid "SM" + 32
  hex, status "queued", or "accepted" through a Messaging Service, num_segments, RFC 2822
  dates...); 400 with Twilio's error body {"code", "message", "more_info", "status"} for
  21604 (no To), 21603 (no From), 21602 (no Body), 21617 (too long), 21211 (invalid To),
  21614 (To is a landline), 21408 (the To region is not enabled on the account), 21609 (bad
  StatusCallback URL);
- GET .../Messages/{Sid}.json for a message sent here; 404 (20404) for anything else.

And what tests need besides: `fail_next` answers the next requests with a fault (500, 503, 429
with Retry-After, a garbage body), `latency` delays every answer, `requests` and `messages`
record what was received, and `deliver` POSTs the status callbacks (queued, sent, then
delivered, undelivered or failed) to the message's StatusCallback URL, signed with
X-Twilio-Signature as Twilio signs them.

Written from Twilio's documentation, independently of Carnet's client: the signature and the
segment count are computed here again on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import phonenumbers

API_VERSION = "2010-04-01"
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
MESSAGE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json$")

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def segments(body: str) -> int:
    if all(c in GSM7 or c in GSM7_EXTENDED for c in body):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in body)
        return 1 if units <= 160 else -(-units // 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def sign(url: str, params: dict[str, str], auth_token: str) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + name1 + value1 + ... sorted by name))."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(
        hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    ).decode()


def error_body(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass
class Fault:
    status: int
    code: int | None = None
    message: str = ""
    retry_after: str | None = None
    raw: bytes | None = None  # sent instead of a JSON body
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]
    answered: int = 0


@dataclass
class Message:
    sid: str
    account_sid: str
    to: str
    sender: str
    messaging_service_sid: str | None
    body: str
    status: str
    status_callback: str
    num_segments: int
    date_created: datetime
    error_code: int | None = None

    def resource(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        created = format_datetime(self.date_created)
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": created,
            "date_sent": None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.sender or None,
            "messaging_service_sid": self.messaging_service_sid,
            # A Messaging Service picks its sender later: Twilio answers 0 segments then.
            "num_media": "0",
            "num_segments": "0" if self.messaging_service_sid else str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


@dataclass
class StatusCallback:
    url: str
    params: dict[str, str]
    signature: str


@dataclass
class TwilioEmulator:
    account_sid: str = field(default_factory=lambda: new_sid("AC"))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    # ISO regions the account may send to (Twilio's geographic permissions); None: all.
    enabled_regions: set[str] | None = None
    latency: float = 0.0
    requests: list[ReceivedRequest] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- life ---------------------------------------------------------------------------------

    def start(self) -> TwilioEmulator:
        emulator = self

        class Handler(TwilioHandler):
            pass

        Handler.emulator = emulator
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the emulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- what tests arrange -----------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        code: int | None = None,
        message: str = "",
        retry_after: str | None = None,
        raw: bytes | None = None,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests with this fault instead of handling them."""
        with self._lock:
            for _ in range(times):
                self.faults.append(
                    Fault(status, code, message, retry_after, raw, delay, dict(headers or {}))
                )

    def take_fault(self) -> Fault | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # --- status callbacks ---------------------------------------------------------------------

    def callbacks(
        self, sid: str, final: str = "delivered", error_code: int | None = None
    ) -> list[StatusCallback]:
        """The status callbacks Twilio would POST for `sid`: queued, sent, then `final`."""
        message = self.messages[sid]
        steps = ["queued", "sent", final] if final != "failed" else ["queued", final]
        callbacks = []
        for status in steps:
            params = {
                "AccountSid": message.account_sid,
                "ApiVersion": API_VERSION,
                "From": message.sender,
                "MessageSid": sid,
                "MessageStatus": status,
                "SmsSid": sid,
                "SmsStatus": status,
                "To": message.to,
            }
            if message.messaging_service_sid:
                params["MessagingServiceSid"] = message.messaging_service_sid
            if status in {"undelivered", "failed"}:
                params["ErrorCode"] = str(error_code or 30003)
            url = message.status_callback
            callbacks.append(StatusCallback(url, params, sign(url, params, self.auth_token)))
        return callbacks

    def deliver(
        self, sid: str, final: str = "delivered", error_code: int | None = None
    ) -> list[int]:
        """POST the status callbacks of `sid` to its StatusCallback URL; their HTTP statuses."""
        answers = []
        for callback in self.callbacks(sid, final, error_code):
            request = urllib.request.Request(  # noqa: S310 (a test's own URL)
                callback.url,
                data=urllib.parse.urlencode(callback.params).encode(),
                method="POST",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": callback.signature,
                    "User-Agent": "TwilioProxy/1.1",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    answers.append(response.status)
            except urllib.error.HTTPError as error:
                answers.append(error.code)
            else:
                message = self.messages[sid]
                message.status = callback.params["MessageStatus"]
        return answers

    # --- the API ------------------------------------------------------------------------------

    def create_message(self, account: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        to = form.get("To", "").strip()
        sender = form.get("From", "").strip()
        service = form.get("MessagingServiceSid", "").strip()
        body = form.get("Body", "")
        callback = form.get("StatusCallback", "")
        if not to:
            return 400, error_body(21604, "A 'To' phone number is required.", 400)
        if not sender and not service:
            return 400, error_body(21603, "A 'From' phone number is required.", 400)
        if not body:
            return 400, error_body(21602, "Message body is required.", 400)
        if len(body) > 1600:
            return 400, error_body(
                21617, "The concatenated message body exceeds the 1600 character limit.", 400
            )
        try:
            number = phonenumbers.parse(to, None)
            valid = phonenumbers.is_valid_number(number) and to.startswith("+")
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            return 400, error_body(21211, f"Invalid 'To' Phone Number: {to}", 400)
        region = phonenumbers.region_code_for_number(number)
        if self.enabled_regions is not None and region not in self.enabled_regions:
            return 400, error_body(
                21408,
                "Permission to send an SMS has not been enabled for the region indicated by "
                f"the 'To' number: {to}.",
                400,
            )
        if phonenumbers.number_type(number) not in {
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        }:
            return 400, error_body(21614, f"'To' number {to} is not a valid mobile number", 400)
        if callback and urllib.parse.urlsplit(callback).scheme not in {"http", "https"}:
            return 400, error_body(21609, "Invalid StatusCallback url", 400)
        message = Message(
            sid=new_sid("SM"),
            account_sid=account,
            to=to,
            sender=sender,
            messaging_service_sid=service or None,
            body=body,
            status="accepted" if service else "queued",
            status_callback=callback,
            num_segments=segments(body),
            date_created=datetime.now(UTC),
        )
        with self._lock:
            self.messages[message.sid] = message
        return 201, message.resource()


class TwilioHandler(BaseHTTPRequestHandler):
    emulator: TwilioEmulator
    server_version = "TwilioEmulator/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def answer(self, status: int, payload: dict[str, Any] | bytes, **headers: str) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def authenticated_account(self) -> str | None:
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        emulator = self.emulator
        if hmac.compare_digest(user, emulator.account_sid) and hmac.compare_digest(
            password, emulator.auth_token
        ):
            return user
        return None

    def handle_api(self, method: str) -> None:
        emulator = self.emulator
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form_lists: dict[str, list[str]] = {}
        if self.headers.get_content_type() == "application/x-www-form-urlencoded":
            form_lists = urllib.parse.parse_qs(
                raw.decode("utf-8", "replace"), keep_blank_values=True
            )
        path = urllib.parse.urlsplit(self.path).path
        received = ReceivedRequest(method, path, dict(self.headers.items()), form_lists)
        emulator.record(received)
        if emulator.latency:
            time.sleep(emulator.latency)
        status, payload, headers = self.route(method, path, form_lists)
        received.answered = status
        self.answer(status, payload, **headers)

    def route(
        self, method: str, path: str, form_lists: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any] | bytes, dict[str, str]]:
        emulator = self.emulator
        fault = emulator.take_fault()
        if fault is not None:
            time.sleep(fault.delay)
            headers = dict(fault.headers)
            if fault.retry_after:
                headers["Retry-After"] = fault.retry_after
            if fault.raw is not None:
                return fault.status, fault.raw, headers
            code = fault.code or {429: 20429, 503: 20503}.get(fault.status, 20500)
            text = fault.message or {
                429: "Too Many Requests",
                503: "Service Unavailable",
            }.get(fault.status, "An internal server error has occurred")
            return fault.status, error_body(code, text, fault.status), headers
        account = self.authenticated_account()
        if account is None:
            body = error_body(20003, "Authenticate", 401)
            body["detail"] = "Your AccountSid or AuthToken was incorrect."
            return 401, body, {"WWW-Authenticate": 'Basic realm="Twilio API"'}
        not_found = error_body(20404, f"The requested resource {path} was not found", 404)
        created = MESSAGES.match(path)
        if created and method == "POST" and created["account"] == account:
            form = {name: values[-1] for name, values in form_lists.items()}
            status, payload = emulator.create_message(account, form)
            return status, payload, {}
        fetched = MESSAGE.match(path)
        if fetched and method == "GET" and fetched["account"] == account:
            message = emulator.messages.get(fetched["sid"])
            if message is not None:
                return 200, message.resource(), {}
        return 404, not_found, {}

    def do_POST(self) -> None:
        self.handle_api("POST")

    def do_GET(self) -> None:
        self.handle_api("GET")


@contextmanager
def running_twilio(**options: Any) -> Iterator[TwilioEmulator]:
    emulator = TwilioEmulator(**options).start()
    try:
        yield emulator
    finally:
        emulator.stop()
