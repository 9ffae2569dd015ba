"""The test backend (CARNET_SMS_BACKEND=memory): messages kept in this process, like mail.outbox.

Tests read `outbox` and empty it with `outbox.clear()`. `fail_with`, when set, is raised by the
next sends instead (an SmsRejected or SmsUnavailable), to exercise the caller's retries.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from carnet.notifications.sms.provider import SmsError, SmsReceipt


@dataclass(frozen=True)
class SentSms:
    message_id: str
    to: str
    body: str


outbox: list[SentSms] = []
fail_with: SmsError | None = None
_lock = threading.Lock()


class MemoryBackend:
    name = "memory"

    def send(self, to_e164: str, body: str) -> SmsReceipt:
        if fail_with is not None:
            raise fail_with
        message_id = f"memory-{uuid.uuid4().hex}"
        with _lock:
            outbox.append(SentSms(message_id=message_id, to=to_e164, body=body))
        return SmsReceipt(provider=self.name, message_id=message_id, status="delivered")
