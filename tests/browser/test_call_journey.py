"""The call and what follows it: a mentee registers, waits on her own join link (from a real
email) until the call opens, goes into the Jitsi room; after the end the host corrects the
attendance; the feedback email's rating link works signed out; the host sees the rating.

Emails go through a real SMTP server (aiosmtpd on 127.0.0.1). Nothing leaves the machine: the
browser's requests to meet.jit.si are answered by Playwright. The server's clock is moved past
the start and the end with time-machine (it patches the clock of the whole process, so of the
live server's thread too); the browser's clock is left alone.
"""

import email
import os
import re
import socket
import time
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Locator, Page, Route, expect

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import FOLLOW_UP_DELAY, GroupSession, Participant
from mentorcircle.programs.models import Membership
from tests.browser.conftest import (
    expect_toast,
    look,
    program_member,
    rsvp_box,
    run_worker,
    screenshot,
    sign_in,
    wait_until_time_zone_known,
)
from tests.factories import PASSWORD, ProgramFactory

pytest.importorskip("aiosmtpd", reason="aiosmtpd is not installed (pip install aiosmtpd)")
from aiosmtpd.controller import Controller  # noqa: E402

pytestmark = pytest.mark.browser

TITLE = "Preparing for your first performance review"
JITSI = "https://meet.jit.si"
# The session starts this long after the call-opening point: enough to register, get the email
# and open the join link while the page still counts down.
LEAD = timedelta(seconds=10)
PHONE = {"width": 390, "height": 844}
JOIN_LINK = re.compile(r"^Join the call: (\S+)$", re.M)
RATING_5_LINK = re.compile(r"^5: (\S+)$", re.M)
MAIL_DEADLINE = 15  # seconds
SHOTS_DIR = "/tmp/call-shots"  # noqa: S108 (screenshots stay out of the repository)


class Mailbox:
    """An SMTP server's handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, recipient: str) -> list[EmailMessage]:
        return [message for rcpt_tos, message in self.received if rcpt_tos == [recipient]]

    def wait_for(self, recipient: str, subject: str) -> str:
        """The plain-text body of the one message with that subject to that person."""
        deadline = time.monotonic() + MAIL_DEADLINE
        while True:
            found = [m for m in self.to(recipient) if str(m["Subject"]) == subject]
            if found:
                assert len(found) == 1, f"{len(found)} messages “{subject}” to {recipient}"
                text = found[0].get_body(preferencelist=("plain",)).get_content()
                return text.replace("\r\n", "\n")  # SMTP lines end in CRLF
            assert time.monotonic() < deadline, (
                f"no “{subject}” to {recipient} within {MAIL_DEADLINE} s; the server got "
                f"{[(to, str(m['Subject'])) for to, m in self.received]}"
            )
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink(settings, live_server):
    """A real SMTP server on 127.0.0.1 that the site sends through, with links to the live server."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = live_server.url
    yield mailbox
    controller.stop()


@pytest.fixture
def shots(monkeypatch) -> None:
    """Screenshots of this journey go to /tmp/call-shots/ (or $SCREENSHOT_DIR), out of the repository."""
    monkeypatch.setenv("SCREENSHOT_DIR", os.environ.get("SCREENSHOT_DIR") or SHOTS_DIR)


def fake_jitsi(route: Route) -> None:
    """There is no internet here: meet.jit.si answers with a tiny page of its own."""
    route.fulfill(
        status=200,
        content_type="text/html",
        body="<!doctype html><html lang=en><title>Jitsi Meet</title><h1>Fake Jitsi room</h1></html>",
    )


def expect_hidden_until_the_call_opens(box: Locator) -> None:
    """The countdown's "Join the call" button is there, marked hidden, and people do not see it."""
    join_button = box.locator("a[data-countdown-ready]")
    expect(join_button).to_have_text("Join the call")
    expect(join_button).to_have_attribute("hidden", "")
    expect(join_button, "the Join button marked `hidden` shows during the countdown").to_be_hidden()


def session_url(live_server, session: GroupSession) -> str:
    return f"{live_server.url}{session.get_absolute_url()}"


@pytest.mark.usefixtures("transactional_db", "shots")
def test_mentee_waits_for_the_call_goes_in_and_rates_it_from_the_email(
    page: Page, live_server, smtp_sink: Mailbox, new_context, time_machine
):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    assert program.join_minutes_before == 10  # the default join window
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    mina = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    rafa = program_member(program, Membership.Role.MENTEE, "Rafa Registered")

    # The mentee signs in first, so that the clock below runs from the session's creation.
    sign_in(page, live_server, mina.email, PASSWORD)
    window = timedelta(minutes=program.join_minutes_before)
    details = services.SessionDetails(
        title=TITLE,
        description="Bring **one** piece of work you are proud of.",
        starts_at=timezone.now().replace(microsecond=0) + window + LEAD,  # whole seconds, as in the countdown
        duration=timedelta(minutes=30),
        min_participants=1,
        max_participants=40,
    )
    session = services.session_create(program=program, host=mentor, details=details)
    services.participant_join(session=session, user=rafa)  # registered; will not open the call
    opens_at = session.starts_at - window

    # She opens the session page and joins: registered, with a countdown to the call.
    page.goto(session_url(live_server, session))
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    page.get_by_role("button", name="Join", exact=True).click()
    expect_toast(page, "You're registered!")
    place = rsvp_box(page)
    expect(place.get_by_text("You're registered", exact=True)).to_be_visible()
    expect(place.get_by_text(re.compile(r"^The call opens on "))).to_be_visible()
    expect(place.get_by_text(re.compile(r"^Opens in \d+ s$"))).to_be_visible()
    expect_hidden_until_the_call_opens(place)
    screenshot(page, "call-01-session-before-window-mentee")
    mina_seat = Participant.objects.get(session=session, user=mina)
    assert mina_seat.status == Participant.Status.REGISTERED
    assert mina_seat.joined_at is None

    # The worker sends the confirmation through the SMTP server; it holds her own join link.
    run_worker()
    body = smtp_sink.wait_for(mina.email, f"You're registered: {TITLE}")
    join_link = JOIN_LINK.search(body).group(1)
    assert join_link == f"{live_server.url}{mina_seat.join_path()}"
    assert session.room_name not in body
    assert "meet.jit.si" not in body

    # She opens it: the page counts down and, without a reload, turns into the Join button.
    page.route(f"{JITSI}/**", fake_jitsi)
    assert timezone.now() < opens_at - timedelta(seconds=1), "too slow: the call opened already"
    page.goto(join_link)
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("Join link of Mina Mentee")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^The call opens on "))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Opens in \d+ s$"))).to_be_visible()
    expect_hidden_until_the_call_opens(page.locator("main"))
    page.evaluate("window.stillTheSamePage = true")
    look(page, "call-02-join-page-countdown")
    expect(page.get_by_text("The call is open.", exact=True)).to_be_visible(timeout=15_000)
    join_button = page.get_by_role("link", name="Join the call")
    expect(join_button).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="The call is open: Join the call.")).to_be_attached()
    assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded"
    assert timezone.now() >= opens_at
    screenshot(page, "call-02b-join-page-open")

    # Into the call: her join link records that she came and sends her on to the room.
    join_button.click()
    page.wait_for_url(f"{JITSI}/**")
    assert page.url.startswith(f"{JITSI}/{session.room_name}"), page.url
    expect(page.get_by_role("heading", name="Fake Jitsi room")).to_be_visible()
    mina_seat.refresh_from_db()
    assert mina_seat.joined_at is not None
    assert mina_seat.attended
    assert opens_at <= mina_seat.joined_at <= timezone.now()

    # The session is live (the server's clock moves on; the browser's does not matter here).
    time_machine.move_to(session.starts_at + timedelta(minutes=2))
    page.goto(session_url(live_server, session))
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(rsvp_box(page).get_by_text("The call is open.")).to_be_visible()
    expect(rsvp_box(page).get_by_role("link", name="Join the call")).to_be_visible()
    screenshot(page, "call-03-session-live-mentee")
    page.set_viewport_size(PHONE)
    expect(rsvp_box(page).get_by_role("link", name="Join the call")).to_be_visible()
    screenshot(page, "call-04-session-live-mentee-phone")

    # The host's view while live: who is in the call so far.
    host_page = new_context().new_page()
    sign_in(host_page, live_server, mentor.email, PASSWORD)
    host_page.goto(session_url(live_server, session))
    joined = host_page.get_by_role("region", name=re.compile(r"^Joined so far"))
    expect(joined.get_by_role("heading")).to_have_text("Joined so far (1)")
    expect(joined).to_contain_text("Mina Mentee")
    expect(joined).not_to_contain_text("Rafa Registered")
    screenshot(host_page, "call-05-session-live-host")

    # After the end the host confirms and corrects the attendance.
    time_machine.move_to(session.ends_at + timedelta(minutes=1))
    host_page.reload()
    expect(rsvp_box(host_page).get_by_text("This session has ended.")).to_be_visible()
    attendance = host_page.get_by_role("region", name="Attendance")
    expect(attendance.get_by_role("checkbox", name="Mina Mentee")).to_be_checked()
    expect(attendance.get_by_role("checkbox", name="Rafa Registered")).not_to_be_checked()
    expect(attendance.get_by_role("checkbox", name=re.compile("^Theo Mentor"))).not_to_be_checked()
    expect(host_page.get_by_text("1 attended · 3 had a seat")).to_be_visible()
    look(host_page, "call-06-ended-host-attendance")
    attendance.get_by_role("checkbox", name="Rafa Registered").check()  # he came by phone
    attendance.get_by_role("button", name="Save attendance").click()
    expect_toast(host_page, "Attendance saved.")
    expect(host_page.get_by_text("2 attended · 3 had a seat")).to_be_visible()
    expect(
        host_page.get_by_role("region", name="Attendance").get_by_role("checkbox", name="Rafa Registered")
    ).to_be_checked()
    assert Participant.objects.get(session=session, user=rafa).attended

    # The follow-up runs 10 minutes after the end: "How was …?" reaches her through SMTP.
    time_machine.move_to(session.ends_at + FOLLOW_UP_DELAY + timedelta(minutes=1))
    run_worker()
    follow_up = DBTaskResult.objects.filter(task_path__endswith="session_follow_up")
    assert list(follow_up.values_list("status", flat=True)) == ["SUCCESSFUL"]
    body = smtp_sink.wait_for(mina.email, f"How was {TITLE}?")
    rating_link = RATING_5_LINK.search(body).group(1)
    assert rating_link.startswith(f"{live_server.url}/feedback/")
    assert rating_link.endswith("?rating=5")
    smtp_sink.wait_for(rafa.email, f"How was {TITLE}?")  # marked present by the host
    assert not [m for m in smtp_sink.to(mentor.email) if str(m["Subject"]).startswith("How was")]

    # She opens the rating 5 link in a browser where nobody is signed in and sends it.
    signed_out = new_context().new_page()
    signed_out.goto(rating_link)
    wait_until_time_zone_known(signed_out)
    expect(signed_out.get_by_role("heading", name=f"How was “{TITLE}”?", level=1)).to_be_visible()
    expect(signed_out.locator(".usermenu")).not_to_be_attached()
    expect(signed_out.get_by_role("radio", name="5")).to_be_checked()
    look(signed_out, "call-07-feedback-page")
    signed_out.get_by_role("button", name="Send feedback").click()
    expect(signed_out.get_by_text("Thank you!")).to_be_visible()
    expect(signed_out.get_by_text("Your rating of 5 / 5 is saved.")).to_be_visible()
    look(signed_out, "call-08-feedback-sent")
    assert mina_seat.feedback.rating == 5

    # The host reloads the session page and sees the rating.
    host_page.reload()
    feedback = host_page.get_by_role("region", name="Feedback")
    expect(feedback.get_by_text("5.0 / 5")).to_be_visible()
    expect(feedback.get_by_text("from 1 rating", exact=True)).to_be_visible()
    look(host_page, "call-09-ended-host-attendance-and-feedback")
