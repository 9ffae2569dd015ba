"""The Twilio backend against a local Twilio (tests/emulators/twilio.py), and the status callback.

Each error a real account meets (invalid, landline or foreign numbers, wrong credentials, rate
limits, outages, a gateway that hangs) must end as SmsRejected (do not retry) or SmsUnavailable
(retry), with a message staff understand; the delivery status Twilio reports must reach the
notification log, and nobody but Twilio may report one.
"""

from __future__ import annotations

import base64
import logging
import socket
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carnet.notifications.models import Channel, Kind, Notification, Status
from carnet.notifications.sms import SmsRejected, SmsUnavailable, send_sms
from carnet.notifications.sms.signature import twilio_signature
from carnet.scheduling.booking import book
from tests import factories
from tests.emulators.twilio import TwilioEmulator, running_twilio

FRENCH_MOBILE = "+33612345678"
FRENCH_LANDLINE = "+33142685300"
SPANISH_MOBILE = "+34612345678"
SENDER = "+33700000001"
CALLBACK_PATH = "/sms/twilio/status"
CALLBACK_URL = f"http://testserver{CALLBACK_PATH}"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def twilio() -> Iterator[TwilioEmulator]:
    with (
        running_twilio() as emulator,
        override_settings(
            SMS_BACKEND="twilio",
            TWILIO_ACCOUNT_SID=emulator.account_sid,
            TWILIO_AUTH_TOKEN=emulator.auth_token,
            TWILIO_FROM=SENDER,
            TWILIO_API_URL=emulator.url,
            TWILIO_STATUS_CALLBACK=CALLBACK_URL,
            SMS_TIMEOUT=2.0,
        ),
    ):
        yield emulator


def refusal(error: pytest.ExceptionInfo[Exception]) -> str:
    return str(error.value)


# --- sending ------------------------------------------------------------------------------------


def test_an_accepted_message_returns_twilios_sid_and_status(twilio: TwilioEmulator) -> None:
    receipt = send_sms(FRENCH_MOBILE, "Rappel : rendez-vous le 08/01/2030 à 14h30.")

    assert receipt.provider == "twilio"
    assert receipt.status == "queued"
    message = twilio.messages[receipt.message_id]
    assert receipt.message_id.startswith("SM") and len(receipt.message_id) == 34
    assert message.to == FRENCH_MOBILE
    assert message.sender == SENDER
    assert message.body == "Rappel : rendez-vous le 08/01/2030 à 14h30."
    assert message.status_callback == CALLBACK_URL
    assert message.num_segments == 1
    (request,) = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_a_messaging_service_sid_is_sent_as_such(twilio: TwilioEmulator) -> None:
    service = "MG" + "a" * 32
    with override_settings(TWILIO_FROM=service):
        receipt = send_sms(FRENCH_MOBILE, "Hello")
    assert receipt.status == "accepted"
    form = twilio.requests[0].form
    assert form["MessagingServiceSid"] == [service]
    assert "From" not in form


@pytest.mark.parametrize(
    ("number", "regions", "message"),
    [
        ("+3361234", None, "not a valid phone number"),
        (FRENCH_LANDLINE, None, "not a mobile number"),
        (SPANISH_MOBILE, {"FR"}, "not allowed to send SMS to this patient's country"),
    ],
)
def test_a_refused_recipient_is_a_permanent_refusal_in_plain_words(
    twilio: TwilioEmulator, number: str, regions: set[str] | None, message: str
) -> None:
    twilio.enabled_regions = regions
    with pytest.raises(SmsRejected) as error:
        send_sms(number, "Hello")
    assert message in refusal(error)
    assert twilio.messages == {}


def test_an_empty_body_is_refused_for_good(twilio: TwilioEmulator) -> None:
    with pytest.raises(SmsRejected, match="empty message"):
        send_sms(FRENCH_MOBILE, "")


def test_an_unknown_twilio_error_code_is_still_a_refusal_with_its_code(
    twilio: TwilioEmulator,
) -> None:
    twilio.fail_next(400, code=21999, message="Something new")
    with pytest.raises(SmsRejected, match=r"Twilio error 21999"):
        send_sms(FRENCH_MOBILE, "Hello")


def test_wrong_credentials_are_retried_and_say_what_to_check(twilio: TwilioEmulator) -> None:
    with (
        override_settings(TWILIO_AUTH_TOKEN="not-the-token"),
        pytest.raises(SmsUnavailable) as error,
    ):
        send_sms(FRENCH_MOBILE, "Hello")
    assert "CARNET_TWILIO_AUTH_TOKEN" in refusal(error)
    assert "not-the-token" not in refusal(error)
    assert twilio.requests[0].answered == 401


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_temporary(twilio: TwilioEmulator, status: int) -> None:
    twilio.fail_next(status)
    with pytest.raises(SmsUnavailable, match=f"HTTP {status}"):
        send_sms(FRENCH_MOBILE, "Hello")
    # The next attempt goes through: nothing was lost.
    assert send_sms(FRENCH_MOBILE, "Hello").message_id in twilio.messages


def test_too_many_requests_is_temporary_and_carries_retry_after(twilio: TwilioEmulator) -> None:
    twilio.fail_next(429, retry_after="30")
    with pytest.raises(SmsUnavailable, match="slow down") as error:
        send_sms(FRENCH_MOBILE, "Hello")
    assert error.value.retry_after == 30.0


def test_an_unreadable_success_is_temporary_not_a_crash(twilio: TwilioEmulator) -> None:
    twilio.fail_next(201, raw=b"<html>proxy error</html>")
    with pytest.raises(SmsUnavailable, match="could not be understood"):
        send_sms(FRENCH_MOBILE, "Hello")


def test_an_unreadable_refusal_is_still_a_refusal(twilio: TwilioEmulator) -> None:
    twilio.fail_next(400, raw=b"\xff\xfe not json")
    with pytest.raises(SmsRejected, match="HTTP 400"):
        send_sms(FRENCH_MOBILE, "Hello")


def test_a_gateway_that_hangs_costs_the_timeout_not_forever(twilio: TwilioEmulator) -> None:
    twilio.latency = 3.0
    began = time.monotonic()
    with override_settings(SMS_TIMEOUT=0.3), pytest.raises(SmsUnavailable, match="in time"):
        send_sms(FRENCH_MOBILE, "Hello")
    assert time.monotonic() - began < 2.0


def test_an_unreachable_gateway_is_temporary() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        override_settings(
            SMS_BACKEND="twilio",
            TWILIO_ACCOUNT_SID="AC" + "0" * 32,
            TWILIO_AUTH_TOKEN="token",
            TWILIO_FROM=SENDER,
            TWILIO_API_URL=f"http://127.0.0.1:{port}",
        ),
        pytest.raises(SmsUnavailable, match="could not reach"),
    ):
        send_sms(FRENCH_MOBILE, "Hello")


def test_missing_configuration_is_said_plainly() -> None:
    with (
        override_settings(SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN=""),
        pytest.raises(SmsUnavailable, match="CARNET_TWILIO_ACCOUNT_SID"),
    ):
        send_sms(FRENCH_MOBILE, "Hello")


def test_logs_never_hold_the_token_or_the_whole_number(
    twilio: TwilioEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="carnet.sms")
    send_sms(FRENCH_MOBILE, "Hello")
    with pytest.raises(SmsRejected):
        send_sms(FRENCH_LANDLINE, "Hello")
    assert "+336******78" in caplog.text
    assert FRENCH_MOBILE not in caplog.text
    assert FRENCH_LANDLINE not in caplog.text
    assert twilio.auth_token not in caplog.text


# --- the status callback ------------------------------------------------------------------------


def notification_for(message_id: str) -> Notification:
    """A sent SMS reminder in the log, as the sweep leaves it after Twilio accepted it."""
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(practice, [doctor], sms_reminder=True)
    start = datetime(2030, 1, 8, 9, 0, tzinfo=PARIS)
    appointment = book(
        practice,
        appointment_type=kind,
        patient=factories.patient(practice, mobile=FRENCH_MOBILE),
        practitioner=doctor,
        start=start,
        now=start - timedelta(days=2),
    ).appointment
    return Notification.objects.create(
        practice=practice,
        appointment=appointment,
        kind=Kind.REMINDER_SMS,
        channel=Channel.SMS,
        for_date=date(2030, 1, 8),
        status=Status.SENT,
        next_attempt_at=timezone.now(),
        provider="twilio",
        provider_message_id=message_id,
        provider_status="queued",
    )


def post_callback(client: Client, params: dict[str, str], signature: str) -> int:
    response = client.post(
        CALLBACK_PATH,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("final", "provider_status", "status"),
    [("delivered", "delivered", Status.SENT), ("undelivered", "undelivered", Status.FAILED)],
)
def test_the_delivery_status_reaches_the_notification_log(
    twilio: TwilioEmulator, client: Client, final: str, provider_status: str, status: str
) -> None:
    receipt = send_sms(FRENCH_MOBILE, "Hello")
    row = notification_for(receipt.message_id)

    for callback in twilio.callbacks(receipt.message_id, final):
        assert post_callback(client, callback.params, callback.signature) == 204

    row.refresh_from_db()
    assert (row.provider_status, row.status) == (provider_status, status)


@pytest.mark.django_db
def test_a_late_callback_does_not_undo_the_final_status(
    twilio: TwilioEmulator, client: Client
) -> None:
    """Twilio does not promise the order of callbacks: "sent" arriving after "delivered"."""
    receipt = send_sms(FRENCH_MOBILE, "Hello")
    row = notification_for(receipt.message_id)
    queued, sent, delivered = twilio.callbacks(receipt.message_id, "delivered")
    for callback in (queued, delivered, sent):
        assert post_callback(client, callback.params, callback.signature) == 204
    row.refresh_from_db()
    assert (row.provider_status, row.status) == ("delivered", Status.SENT)


@pytest.mark.django_db
def test_a_status_for_a_message_carnet_does_not_know_is_acknowledged(
    twilio: TwilioEmulator, client: Client
) -> None:
    receipt = send_sms(FRENCH_MOBILE, "Hello")
    for callback in twilio.callbacks(receipt.message_id):
        assert post_callback(client, callback.params, callback.signature) == 204


@pytest.mark.django_db
def test_a_forged_status_is_refused_and_changes_nothing(
    twilio: TwilioEmulator, client: Client
) -> None:
    receipt = send_sms(FRENCH_MOBILE, "Hello")
    row = notification_for(receipt.message_id)
    (*_, callback) = twilio.callbacks(receipt.message_id, "undelivered")
    forged_with_another_token = twilio_signature(CALLBACK_URL, callback.params.items(), "guess")
    tampered = callback.params | {"MessageSid": "SM" + "0" * 32}

    assert post_callback(client, callback.params, "") == 403
    assert post_callback(client, callback.params, forged_with_another_token) == 403
    assert post_callback(client, callback.params, callback.signature[:-2] + "x=") == 403
    assert post_callback(client, tampered, callback.signature) == 403
    row.refresh_from_db()
    assert (row.provider_status, row.status) == ("queued", Status.SENT)


def test_twilios_documented_example_signature() -> None:
    # https://www.twilio.com/docs/usage/security: Twilio's own worked example.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature(url, params.items(), "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


@pytest.mark.django_db
def test_the_callback_accepts_posts_only(twilio: TwilioEmulator, client: Client) -> None:
    assert client.get(CALLBACK_PATH).status_code == 405


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "application/json",
            "text/plain; charset=utf-8",
            "",
        ]
    ),
    signature=st.text(max_size=40),
)
def test_garbage_never_makes_the_callback_fail(
    twilio: TwilioEmulator, body: bytes, content_type: str, signature: str
) -> None:
    client = Client(raise_request_exception=False)
    response = client.generic(
        "POST",
        CALLBACK_PATH,
        data=body,
        content_type=content_type,
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code in {400, 403}


@pytest.mark.django_db
def test_signed_garbage_is_a_bad_request_not_an_error(twilio: TwilioEmulator) -> None:
    client = Client(raise_request_exception=False)
    for params in (
        {},
        {"MessageSid": "SM1"},
        {"MessageSid": "", "MessageStatus": "delivered"},
        {"MessageSid": "SM" + "a" * 32, "MessageStatus": "exploded"},
        {"MessageSid": "../../etc", "MessageStatus": "delivered"},
    ):
        signature = twilio_signature(CALLBACK_URL, params.items(), twilio.auth_token)
        assert post_callback(client, params, signature) == 400


@pytest.mark.django_db(transaction=True)
def test_the_emulator_posts_signed_callbacks_over_http(
    twilio: TwilioEmulator, live_server: object
) -> None:
    callback_url = f"{live_server.url}{CALLBACK_PATH}"  # type: ignore[attr-defined]
    with override_settings(TWILIO_STATUS_CALLBACK=callback_url):
        receipt = send_sms(FRENCH_MOBILE, "Hello")
        row = notification_for(receipt.message_id)
        assert twilio.deliver(receipt.message_id, "delivered") == [204, 204, 204]
    row.refresh_from_db()
    assert row.provider_status == "delivered"


def test_a_redirect_is_not_followed_with_the_credentials(twilio: TwilioEmulator) -> None:
    twilio.fail_next(307, raw=b"", headers={"Location": "http://127.0.0.1:9/steal"})
    with pytest.raises(SmsUnavailable, match="CARNET_TWILIO_API_URL"):
        send_sms(FRENCH_MOBILE, "Hello")
    assert len(twilio.requests) == 1
