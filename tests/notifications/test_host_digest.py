"""The host of a big session is told without being flooded: the first registration at once, then
at most one email an hour per session saying who registered, left or got a seat from the
waitlist, and when it filled up; or each registration, or nothing, as they chose."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.notifications import services, tasks
from mentorcircle.notifications.models import HostUpdate
from tests.helpers import run_tasks
from tests.notifications.conftest import (
    NOW,
    cancel,
    choose_registration_emails,
    create,
    crowd,
    html,
    join,
    leave,
    member,
    subjects,
    the_email,
)
from tests.notifications.test_after_session_emails import assert_single_line_subjects_and_sendable

pytestmark = pytest.mark.usefixtures("clock")
TITLE = "Negotiating your first salary"
DIGEST = f"Registrations update: {TITLE}"
# The end of the hour window that NOW (09:00 UTC) opens.
WINDOW_END = NOW + timedelta(hours=1)


def host_subjects(host: User) -> list[str]:
    return subjects(host)


def digests(host: User) -> list[str]:
    return [subject for subject in subjects(host) if subject.startswith("Registrations update")]


def people(program, count: int, prefix: str) -> list[User]:
    return [member(program, full_name=f"{prefix} {number:02d}") for number in range(1, count + 1)]


def test_the_first_registration_is_told_at_once_and_the_next_fifty_in_one_email_at_the_end_of_the_hour(
    personas, clock
):
    session = create(personas.program, personas.mentor, max_participants=60)
    join(session, personas.mentee)
    run_tasks()
    assert host_subjects(personas.mentor) == [f"Mina Mentee registered for {TITLE}"]

    clock.move_to(NOW + timedelta(minutes=10))
    guests = people(personas.program, 50, "Guest")
    for guest in guests:
        join(session, guest)
    run_tasks()
    clock.move_to(WINDOW_END - timedelta(seconds=5))
    run_tasks()
    assert len(host_subjects(personas.mentor)) == 1  # nothing more during the hour

    clock.move_to(WINDOW_END)
    run_tasks()

    assert digests(personas.mentor) == [DIGEST]
    digest = the_email(personas.mentor, "Registrations update")
    for text in (digest.body, html(digest)):
        listed = re.search(r"50 people registered: ([^.]*)\.", text).group(1)
        names = re.findall(r"Guest \d\d", listed)
        assert names == [f"Guest {number:02d}" for number in range(1, 21)]  # the first 20, in order
        assert listed.endswith("and 30 more")
        assert "Mina Mentee" not in listed  # told already
        assert "Now 8 spots left." in text  # 60 seats: the host, Mina and 50 guests
    assert f"http://testserver/sessions/{session.pk}/" in digest.body
    assert len(digest.body) < 3000  # short, however many registered


def test_leaving_a_promotion_and_filling_up_are_in_the_digest_and_filling_up_once(personas, clock):
    personas.mentor.time_zone = "Asia/Tokyo"
    personas.mentor.save(update_fields=["time_zone"])
    session = create(personas.program, personas.mentor, max_participants=4)
    join(session, personas.mentee)
    run_tasks()
    clock.move_to(NOW + timedelta(minutes=5))
    ana, ben, wes = (member(personas.program, full_name=name) for name in ("Ana", "Ben", "Wes Waiter"))
    join(session, ana)
    join(session, ben)  # the last seat: both tasks find the session full, it filled once
    run_tasks()
    join(session, wes)  # waitlisted
    clock.move_to(NOW + timedelta(minutes=20))
    leave(session, ben)  # Wes gets the seat: full again, without filling up anew
    run_tasks()

    clock.move_to(WINDOW_END)
    run_tasks()

    digest = the_email(personas.mentor, "Registrations update")
    for text in (digest.body, html(digest)):
        assert re.search(r"2 people registered: \u2068Ana\u2069 and \u2068Ben\u2069\.", text)
        assert "1 person left: \u2068Ben\u2069." in text
        assert "1 person got a seat from the waitlist: \u2068Wes Waiter\u2069." in text
        assert text.count("filled up") == 1
        assert "It filled up on Mon 1 Mar 2027, 18:05 (Asia/Tokyo): every seat was taken." in text
        assert "Now the session is full" in text


def test_filling_up_again_after_someone_left_is_told_again_in_the_next_hour(personas, clock):
    session = create(personas.program, personas.mentor, max_participants=3)
    join(session, personas.mentee)
    run_tasks()
    ana, ben = member(personas.program, full_name="Ana"), member(personas.program, full_name="Ben")
    clock.move_to(NOW + timedelta(minutes=30))
    join(session, ana)
    run_tasks()
    clock.move_to(WINDOW_END)
    run_tasks()
    first = the_email(personas.mentor, "Registrations update")
    assert "It filled up on Mon 1 Mar 2027, 09:30 (Europe/London)" in first.body

    clock.move_to(WINDOW_END + timedelta(minutes=10))
    leave(session, ana)
    run_tasks()
    clock.move_to(WINDOW_END + timedelta(minutes=40))
    join(session, ben)
    run_tasks()
    clock.move_to(WINDOW_END + timedelta(hours=1))
    run_tasks()

    assert digests(personas.mentor) == [DIGEST, DIGEST]
    second = [m for m in mail.outbox if m.subject == DIGEST][1]
    assert "1 person left: \u2068Ana\u2069." in second.body
    assert "1 person registered: \u2068Ben\u2069." in second.body
    assert "It filled up on Mon 1 Mar 2027, 10:40 (Europe/London)" in second.body
    assert "09:30" not in second.body


def test_at_most_one_digest_an_hour_and_what_comes_after_it_is_in_the_next(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks()
    ana, ben, cy = people(personas.program, 3, "Late")
    clock.move_to(NOW + timedelta(minutes=59, seconds=50))
    join(session, ana)
    run_tasks()
    clock.move_to(WINDOW_END)
    run_tasks()
    clock.move_to(WINDOW_END + timedelta(seconds=1))
    join(session, ben)
    join(session, cy)
    run_tasks()
    assert digests(personas.mentor) == [DIGEST]

    clock.move_to(WINDOW_END + timedelta(hours=1))
    run_tasks()

    first, second = [m for m in mail.outbox if m.subject == DIGEST]
    assert "1 person registered: \u2068Late 01\u2069." in first.body
    assert "2 people registered: \u2068Late 02\u2069 and \u2068Late 03\u2069." in second.body


def test_a_digest_task_run_again_sends_nothing_new(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    join(session, member(personas.program, full_name="Ana"))
    run_tasks()
    clock.move_to(WINDOW_END)
    run_tasks()
    assert digests(personas.mentor) == [DIGEST]
    sent = len(mail.outbox)

    for _ in range(2):
        tasks.host_digest.enqueue(session_id=session.pk, window_end=WINDOW_END.isoformat())
    run_tasks()
    tasks.host_digest.call(session_id=session.pk, window_end=WINDOW_END.isoformat())

    assert len(mail.outbox) == sent


def test_a_host_who_chose_none_hears_of_no_registration(personas, clock):
    choose_registration_emails(personas.mentor, "none")
    session = create(personas.program, personas.mentor)
    guests = (personas.mentee, *people(personas.program, 3, "Guest"))
    for guest in guests:
        join(session, guest)
    run_tasks()
    clock.move_to(WINDOW_END + timedelta(hours=1))
    run_tasks()

    for guest in guests:  # the registrations were handled: each guest was told
        assert subjects(guest) == [f"You're registered: {TITLE}"]
    assert host_subjects(personas.mentor) == []
    assert HostUpdate.objects.count() == 0


def test_a_host_who_chose_each_one_gets_one_email_per_registration_and_no_digest(personas, clock):
    choose_registration_emails(personas.mentor, "each")
    session = create(personas.program, personas.mentor)
    guests = people(personas.program, 3, "Guest")
    for guest in guests:
        join(session, guest)
    run_tasks()
    leave(session, guests[0])
    run_tasks()
    clock.move_to(WINDOW_END + timedelta(hours=1))
    run_tasks()

    assert sorted(host_subjects(personas.mentor)) == [
        f"{guest.full_name} registered for {TITLE}" for guest in guests
    ]


def test_no_digest_for_a_session_cancelled_before_the_end_of_the_hour(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    join(session, member(personas.program, full_name="Ana"))
    run_tasks()
    cancel(session, personas.mentor)
    run_tasks()
    clock.move_to(WINDOW_END)
    run_tasks()

    assert host_subjects(personas.mentor) == [f"Mina Mentee registered for {TITLE}"]  # Ana: no email


# ---- Unusual names -------------------------------------------------------------------------------

LINE_BREAKS = "Eve\r\nBcc: everyone@example.org\nX-Injected: yes"
LONGEST = "Bartholomew " + "x" * 138  # the 150 characters a name may hold
RIGHT_TO_LEFT = "مريم العربية \u200f(שלום)"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        pytest.param(LINE_BREAKS, "Eve Bcc: everyone@example.org X-Injected: yes", id="line breaks"),
        pytest.param(LONGEST, "Bartholomew " + "x" * 47 + "…", id="longest"),
        pytest.param(RIGHT_TO_LEFT, RIGHT_TO_LEFT, id="right to left"),
    ],
)
def test_an_unusual_name_in_the_digest_stays_on_its_line_and_leaves_the_others_in_order(
    personas, clock, name, shown
):
    session = create(personas.program, personas.mentor, title="Ü" * 199 + "!")  # the longest title
    join(session, personas.mentee)
    run_tasks()
    for guest in (
        member(personas.program, full_name="Ana"),
        member(personas.program, full_name=name),
        member(personas.program, full_name="Zoe"),
    ):
        join(session, guest)
    run_tasks()
    clock.move_to(WINDOW_END)
    run_tasks()

    (digest,) = [m for m in mail.outbox if m.subject.startswith("Registrations update")]
    assert_single_line_subjects_and_sendable([digest])
    listed = f"3 people registered: \u2068Ana\u2069, \u2068{shown}\u2069 and \u2068Zoe\u2069."
    assert listed in digest.body.splitlines()  # one line, each name isolated from the next
    assert listed in html(digest)
    assert not re.search(r"^(Bcc|X-Injected):", digest.body, re.MULTILINE)


# ---- Cost ----------------------------------------------------------------------------------------


def digest_queries(session: GroupSession, count: int) -> int:
    """Queries of one digest task telling of `count` registrations, leaves and promotions, a fill
    and someone without a name (their name shown by the program-manager rule)."""
    users = crowd(session, count)
    User.objects.filter(pk=users[0].pk).update(full_name="")
    rows = Participant.objects.filter(user__in=users).select_related("session__host", "user")
    for kind in (HostUpdate.Kind.REGISTERED, HostUpdate.Kind.LEFT, HostUpdate.Kind.PROMOTED):
        for participant in rows:
            services.host_update_record(participant=participant, kind=kind, version="e")
    HostUpdate.objects.create(
        session=session, kind=HostUpdate.Kind.FILLED, key=f"filled:{count}", created_at=NOW
    )
    sent = len(mail.outbox)
    with CaptureQueriesContext(connection) as captured:
        tasks.host_digest.call(session_id=session.pk, window_end=WINDOW_END.isoformat())
    assert len(mail.outbox) == sent + 1
    return len(captured)


def test_the_digest_costs_the_same_queries_for_a_few_updates_or_many(personas):
    few = create(personas.program, personas.mentor, max_participants=400)
    many = create(personas.program, personas.mentor, max_participants=400)
    join(few, personas.mentee)  # the first registration of each, told at once
    join(many, personas.mentee)
    run_tasks()

    assert digest_queries(few, 3) == digest_queries(many, 120)
    body = mail.outbox[-1].body
    assert "120 people registered:" in body
    assert "and 100 more" in body
