"""What the session emails say about people without a name, and about seats in an invitation."""

import pytest

from mentorcircle.programs.models import Membership
from tests.helpers import run_tasks
from tests.notifications.conftest import create, html, invite, join, member, the_email

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def nameless(personas):
    return member(personas.program, email="zed.quiet@example.org", full_name="")


def test_a_host_reads_a_member_unless_they_manage_the_program(personas, nameless):
    mentors_session = create(personas.program, personas.mentor, title="Mock interviews")
    managers_session = create(personas.program, personas.manager, title="Salary talks")
    run_tasks()

    join(mentors_session, nameless)
    join(managers_session, nameless)
    run_tasks()

    to_the_mentor = the_email(personas.mentor, "A member registered for")
    assert "A member registered for your session “Mock interviews”" in to_the_mentor.body
    assert "zed.quiet" not in to_the_mentor.subject + to_the_mentor.body + html(to_the_mentor)
    to_the_manager = the_email(personas.manager, "zed.quiet registered for")
    assert "zed.quiet registered for your session “Salary talks”" in to_the_manager.body


def test_an_invitation_from_a_nameless_host_names_nobody_by_address(personas):
    host = member(personas.program, Membership.Role.MENTOR, email="quiet.host@example.org", full_name="")
    session = create(personas.program, host, invitees=None)
    invite(session, host, personas.mentee)
    run_tasks()

    email = the_email(personas.mentee, "A member invited you")
    assert "A member invited you to" in email.body
    assert "Host: A member" in email.body
    assert "Hosted by A member" in html(email)
    assert "quiet.host" not in email.subject + email.body + html(email)


def test_the_invitation_says_seats_are_first_come_first_served(personas):
    session = create(personas.program, personas.mentor, max_participants=8)
    invite(session, personas.mentor, personas.mentee)
    run_tasks()

    email = the_email(personas.mentee, "Theo Mentor invited you")
    expected = (
        "Seats are first come, first served: 8 at most, the host included. If the session is full "
        "when you accept, you join the waitlist and get the first seat that frees up."
    )
    assert expected in email.body
    assert expected in html(email)
