"""A real SMTP server for the tests (aiosmtpd), in a thread of the test process.

It records every message it accepted (parsed with the email package), can refuse some
addresses (550 permanent, 451 temporary) and can hold messages in DATA (to kill a sender in the
middle of one); a held message is then answered 451 and not recorded: it was never accepted.
"""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from tests.serving import free_port


@dataclass
class Sink:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP answer
    holding: threading.Event = field(default_factory=threading.Event)
    held: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        answer = self.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.holding.is_set():
            with self.lock:
                self.held += 1
            while self.holding.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Held, try again later"
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def count_by_notification(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["X-Carnet-Notification"]) for m in self.messages)


class SmtpServer:
    def __init__(self) -> None:
        self.sink = Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sink.holding.clear()
        self.controller.stop()

    def mailers(self) -> dict[str, Any]:
        """Django's MAILERS for this server, as the settings build them from CARNET_EMAIL_*."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
            }
        }
