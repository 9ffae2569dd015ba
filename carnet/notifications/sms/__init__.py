"""SMS: the provider interface, the reminder's text and who may receive it.

What the rest of Carnet uses (the reminder sweep in carnet/notifications/):

- `send_sms(to_e164, body) -> SmsReceipt`, raising `SmsRejected` (do not retry) or
  `SmsUnavailable` (retry with backoff);
- `reminder_text(practice_name=, start_local=, language=)`: the reminder, one SMS segment;
- `sms_recipient_problem(mobile, practice_country)`: why a number cannot get it, or None;
- `practice_country(practice)`: the practice's ISO country code, from its time zone;
- `sms_segments(text)`: how many SMS a text costs.

The delivery status comes back through `views.twilio_status` (/sms/twilio/status).
"""

from carnet.notifications.sms.provider import (
    SmsError,
    SmsReceipt,
    SmsRejected,
    SmsUnavailable,
    mask_number,
    send_sms,
)
from carnet.notifications.sms.recipients import practice_country, sms_recipient_problem
from carnet.notifications.sms.reminder import reminder_text
from carnet.notifications.sms.segments import sms_segments

__all__ = [
    "SmsError",
    "SmsReceipt",
    "SmsRejected",
    "SmsUnavailable",
    "mask_number",
    "practice_country",
    "reminder_text",
    "send_sms",
    "sms_recipient_problem",
    "sms_segments",
]
