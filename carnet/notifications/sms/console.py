"""The development backend: SMS printed to the console, or appended to a file under the data dir.

The console shows a masked number (a server's output ends up in its logs); the file is the
development outbox, in the private data directory, one JSON object per line with the whole
number, so that a developer (or a test) can read exactly what was sent.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from carnet.notifications.sms.provider import SmsReceipt, mask_number

_write_lock = threading.Lock()


@dataclass
class ConsoleBackend:
    path: Path | None = None
    name: str = "console"

    @classmethod
    def from_settings(cls) -> ConsoleBackend:
        configured = settings.SMS_FILE
        if not configured:
            return cls()
        # A relative name lives in the data directory, which only Carnet's user can read.
        return cls(path=Path(settings.DATA_DIR) / configured)

    def send(self, to_e164: str, body: str) -> SmsReceipt:
        message_id = f"console-{uuid.uuid4().hex}"
        if self.path is None:
            sys.stdout.write(f"--- SMS {message_id} to {mask_number(to_e164)} ---\n{body}\n---\n")
            sys.stdout.flush()
        else:
            record = {
                "id": message_id,
                "to": to_e164,
                "body": body,
                "sent_at": datetime.now(UTC).isoformat(),
            }
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with _write_lock, self.path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(record, ensure_ascii=False) + "\n")
        return SmsReceipt(provider=self.name, message_id=message_id, status="delivered")
