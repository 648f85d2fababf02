"""One registration all the way through: the service stores the task, a real `manage.py db_worker`
process picks it up from the same database and sends the confirmation to a real SMTP server
(aiosmtpd on 127.0.0.1), calendar invite attached.

Skipped, with the reason, without aiosmtpd or when the test database is one another process
cannot open (SQLite in memory).
"""

import email
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from mentorcircle.notifications.models import Delivery
from tests.notifications.conftest import attendees, create, join, the_event

pytest.importorskip("aiosmtpd", reason="aiosmtpd is not installed (pip install aiosmtpd)")
from aiosmtpd.controller import Controller  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 30  # seconds
TITLE = "Negotiating your first salary"


class Mailbox:
    """An SMTP server's handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def find(self, recipient: str, subject_start: str) -> EmailMessage | None:
        for rcpt_tos, message in self.received:
            if rcpt_tos == [recipient] and str(message["Subject"]).startswith(subject_start):
                return message
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The address of the database this test runs on, for another process."""
    config = connection.settings_dict
    name = str(config["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or "mode=memory" in name:
            pytest.skip("The SQLite test database is in memory, so a worker process cannot see it")
        return f"sqlite:///{name}"
    if connection.vendor == "postgresql":
        user = quote(config.get("USER") or "")
        password = quote(config.get("PASSWORD") or "")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        return (
            f"postgres://{credentials}{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}/{name}"
        )
    pytest.skip(f"No end-to-end run written for {connection.vendor}")


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def worker(transactional_db, smtp_server, tmp_path):  # noqa: ARG001 (requested for its effect: committed data the worker sees)
    """A real `manage.py db_worker` process on the test database, mailing through the SMTP server."""
    _mailbox, port = smtp_server
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentorcircle.settings",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "SITE_URL": "http://testserver",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    process.log = log  # type: ignore[attr-defined]
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_registration_reaches_a_real_mail_server_through_a_real_worker(personas, smtp_server, worker):
    mailbox, _port = smtp_server
    starts_at = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    session = create(personas.program, personas.mentor, starts_at=starts_at)

    join(session, personas.mentee)  # committed for real: the task row is there for the worker

    deadline = time.monotonic() + DEADLINE
    while not (
        mailbox.find(personas.mentee.email, "You're registered")
        and mailbox.find(personas.mentor.email, "Mina Mentee registered")
    ):
        assert worker.poll() is None, f"the worker stopped:\n{worker.log.read_text()}"
        assert time.monotonic() < deadline, (
            f"no confirmation within {DEADLINE} s; the server got "
            f"{[(to, m['Subject']) for to, m in mailbox.received]}\nworker log:\n{worker.log.read_text()}"
        )
        time.sleep(0.2)

    confirmation = mailbox.find(personas.mentee.email, "You're registered")
    assert confirmation["To"] == personas.mentee.email
    assert confirmation["Cc"] is None
    assert confirmation["Bcc"] is None
    assert confirmation["Subject"] == f"You're registered: {TITLE}"
    plain = confirmation.get_body(preferencelist=("plain",)).get_content()
    assert f"http://testserver/sessions/{session.pk}/" in plain
    assert "(Europe/London)" in plain
    assert confirmation.get_body(preferencelist=("html",)) is not None
    (invite,) = [
        part for part in confirmation.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert invite.get_filename() == "invite.ics"
    assert invite.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(invite.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    event = the_event(calendar)
    assert attendees(event) == [personas.mentee.email]
    assert event.decoded("DTSTART") == starts_at
    assert Delivery.objects.filter(user=personas.mentee, kind="registered").count() == 1
