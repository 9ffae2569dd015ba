"""Twilio's status callback: the delivery status of the SMS Carnet sent, stored on its log row.

Twilio POSTs (form-encoded) MessageSid, MessageStatus (queued, sent, delivered, undelivered,
failed...) and ErrorCode to the StatusCallback URL given with each message. The view is public
and CSRF-exempt, so it believes nothing until the X-Twilio-Signature matches the auth token
(403 otherwise), and it answers every malformed request with a 4xx, never a 500.
"""

from __future__ import annotations

import contextlib
import logging
import re

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from carnet.notifications.sms.signature import is_valid_signature

logger = logging.getLogger("carnet.sms")

MESSAGE_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
# Every value of a Message resource's status (Twilio's "Message status values").
KNOWN_STATUSES = frozenset(
    {
        "accepted",
        "scheduled",
        "canceled",
        "queued",
        "sending",
        "sent",
        "failed",
        "delivered",
        "undelivered",
        "receiving",
        "received",
        "read",
        "partially_delivered",
    }
)


def signed_urls(request: HttpRequest) -> list[str]:
    """The URLs Twilio may have signed: the one configured for callbacks (what Twilio was told
    to call, whatever proxies sit in between), then the one this request arrived at."""
    urls = [settings.TWILIO_STATUS_CALLBACK] if settings.TWILIO_STATUS_CALLBACK else []
    with contextlib.suppress(SuspiciousOperation):  # a Host header not in ALLOWED_HOSTS
        urls.append(request.build_absolute_uri())
    return urls


@csrf_exempt
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Record the status Twilio reports for one message; 204 when stored or unknown."""
    if request.method != "POST":
        response = HttpResponse(status=405)
        response["Allow"] = "POST"
        return response
    content_type = request.content_type or ""
    if content_type != "application/x-www-form-urlencoded":
        return HttpResponse("Expected a form-encoded body.", status=400, content_type="text/plain")
    try:
        params = [(name, value) for name, values in request.POST.lists() for value in values]
    except (RequestDataTooBig, SuspiciousOperation, BadRequest, ValueError):
        return HttpResponse("Unreadable body.", status=400, content_type="text/plain")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not is_valid_signature(signature, signed_urls(request), params, settings.TWILIO_AUTH_TOKEN):
        logger.warning("SMS status callback refused: bad or missing X-Twilio-Signature")
        return HttpResponse("Invalid signature.", status=403, content_type="text/plain")
    message_id = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "").strip().lower()
    if not MESSAGE_SID.match(message_id) or status not in KNOWN_STATUSES:
        return HttpResponse("Missing MessageSid or MessageStatus.", status=400)
    # Imported here: the URL conf must load even where the notification log cannot (yet).
    from carnet.notifications.log import record_sms_status

    known = record_sms_status(message_id, status)
    if not known:
        # Not ours (anymore): Twilio must not retry, there is nothing to update.
        logger.info("SMS status %s for unknown message %s ignored", status, message_id)
    error_code = request.POST.get("ErrorCode", "")
    if error_code:
        logger.info("SMS %s is %s (Twilio error %s)", message_id, status, error_code[:10])
    return HttpResponse(status=204)
