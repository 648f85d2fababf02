"""A local SMTP sink (aiosmtpd) that keeps what it receives, and the plain-smtplib baseline."""

import smtplib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    content: bytes
    at: float  # time.perf_counter() when the message was accepted


class _Handler:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # aiosmtpd's hook
        message = Received(
            sender=envelope.mail_from,
            recipients=tuple(envelope.rcpt_tos),
            content=envelope.original_content or envelope.content,
            at=time.perf_counter(),
        )
        with self.lock:
            self.messages.append(message)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    """Accepts every message on 127.0.0.1:`port` and keeps it until `take()`."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.messages)

    def take(self) -> list[Received]:
        with self.handler.lock:
            taken, self.handler.messages = self.handler.messages, []
        return taken

    def wait_for(self, count: int, *, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.count() < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def smtplib_send(port: int, messages: list[Received]) -> float:
    """Send the same messages again with plain smtplib over one connection; returns seconds."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for message in messages:
            smtp.sendmail(message.sender, list(message.recipients), message.content)
    return time.perf_counter() - start
