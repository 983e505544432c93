"""A real SMTP server of the test's own (aiosmtpd), which the test stops and starts."""

import asyncio
import email
import email.policy
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.worker import free_port


class Recorder:
    """aiosmtpd's handler: keeps every message it accepts; `delay` makes the server slow
    (it answers DATA that many seconds late)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(parsed)
        return "250 Message accepted for delivery"


class LocalSMTP:
    """An SMTP server on 127.0.0.1 and a free port, kept across stop() and start()."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Recorder()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def mailers(self, timeout: float = 5) -> dict:
        """settings.MAILERS for Django's real SMTP backend talking to this server."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": timeout},
            }
        }

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[EmailMessage]:
        return list(self.handler.received)

    def recipients(self) -> list[str]:
        return sorted(str(message["To"]) for message in self.received)
