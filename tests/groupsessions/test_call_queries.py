"""The session page and the join link cost the same number of SQL queries at 5 and at 200
participants, in every phase of the session: before the call opens, while it is open, while it
is live, and after the end with attendance, minutes, corrections and feedback on record."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import AttendanceChange, Feedback, GroupSession, Participant
from mentorcircle.programs.models import Membership
from tests.factories import GroupSessionFactory

Status = Participant.Status
SMALL, LARGE = 5, 200
START = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)  # the call opens 10 minutes before
AT = {
    "upcoming": START - timedelta(days=2),
    "joinable": START - timedelta(minutes=5),
    "live": START + timedelta(minutes=10),
    "ended": START + timedelta(hours=2),
}
# Of every five people added: three registered (two of them came), one waiting, one invited...
MIX = (Status.REGISTERED, Status.REGISTERED, Status.REGISTERED, Status.WAITLISTED, Status.INVITED)
# ...and, every tenth person, someone who declined or left instead of waiting or being invited.
ODD_ONES = {3: Status.LEFT, 4: Status.DECLINED}


@pytest.fixture
def session(personas, time_machine) -> GroupSession:
    """The mentor's session, with the mentee registered; created before the session, so every
    phase can be visited by moving the clock."""
    time_machine.move_to(AT["upcoming"], tick=False)
    session = GroupSessionFactory(
        program=personas.program, host=personas.mentor, starts_at=START, max_participants=1000
    )
    Participant.objects.create(session=session, user=personas.mentee, status=Status.REGISTERED)
    return session


def grow(session: GroupSession, count: int, *, prefix: str, phase: str) -> None:
    """Add `count` members with rows of every kind; in and after the call some of the
    registered have joined, and after the end they have minutes, corrections and ratings."""
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", full_name=f"{prefix.title()} {n:03d}", password="!")
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(program=session.program, user=user, role=Membership.Role.MENTEE) for user in users
    )
    came = phase != "upcoming"
    rows = []
    for n, user in enumerate(users):
        status = MIX[n % len(MIX)]
        if n % 10 in ODD_ONES:
            status = ODD_ONES[n % 10]
        joined = came and status == Status.REGISTERED and n % 5 != 2
        rows.append(
            Participant(
                session=session,
                user=user,
                status=status,
                waitlisted_at=AT["upcoming"] + timedelta(seconds=n) if status == Status.WAITLISTED else None,
                invited_by=session.host if status in (Status.INVITED, Status.DECLINED) else None,
                joined_at=START - timedelta(minutes=8) if joined else None,
                attended=joined,
                minutes_present=55 if joined and phase == "ended" and n % 2 else None,
            )
        )
    rows = Participant.objects.bulk_create(rows)
    if phase == "ended":
        attended = [row for row in rows if row.attended]
        Feedback.objects.bulk_create(
            Feedback(participant=row, rating=1 + n % 5, comment=f"Comment {n}" if n % 2 else "")
            for n, row in enumerate(attended)
        )
        AttendanceChange.objects.bulk_create(
            AttendanceChange(participant=row, attended=True, changed_by=session.host, changed_at=AT["ended"])
            for row in attended[::3]
        )


def what_the_page_shows(session: GroupSession, phase: str, viewer: str) -> str:
    """A figure on the page that grows with the participants (so the page really shows them)."""
    seated = Participant.objects.filter(session=session, status__in=Participant.SEATED)
    if phase == "ended":
        return f"{seated.filter(attended=True).count()} attended · {seated.count()} had a seat"
    if viewer != "registered" and phase in ("joinable", "live"):
        return f"Joined so far ({seated.exclude(joined_at=None).count()})"
    return f"Participants ({seated.count()})"


def measure(client, path: str, *, status: int, expect: str = "") -> int:
    client.get(path)  # warm-up: per-process caches are not the page's cost (and the first join is)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == status
    if expect:
        assert expect in response.content.decode()
    return len(captured)


@pytest.mark.parametrize("phase", AT)
@pytest.mark.parametrize("viewer", ["host", "manager", "registered"])
def test_the_session_page_costs_the_same_at_5_and_200_participants_in_every_phase(
    client, personas, session, time_machine, viewer, phase
):
    time_machine.move_to(AT[phase], tick=False)
    if phase != "upcoming":
        Participant.objects.filter(session=session).update(
            joined_at=START - timedelta(minutes=9), attended=True
        )
    if phase == "ended":
        mine = Participant.objects.get(session=session, user=personas.mentee)
        Feedback.objects.create(participant=mine, rating=5, comment="Mine")
    client.force_login(
        {"host": personas.mentor, "manager": personas.manager, "registered": personas.mentee}[viewer]
    )
    path = session.get_absolute_url()

    grow(session, SMALL, prefix="first", phase=phase)
    small = measure(client, path, status=200, expect=what_the_page_shows(session, phase, viewer))
    grow(session, LARGE - SMALL, prefix="more", phase=phase)
    large = measure(client, path, status=200, expect=what_the_page_shows(session, phase, viewer))

    print(f"session page, {phase}, as {viewer}: {small} queries at {SMALL} participants, {large} at {LARGE}")
    assert large == small


@pytest.mark.parametrize("phase", AT)
@pytest.mark.parametrize("whose", ["host", "registered"])
def test_the_join_link_costs_the_same_at_5_and_200_participants_in_every_phase(
    client, personas, session, time_machine, whose, phase
):
    time_machine.move_to(AT[phase], tick=False)
    user = personas.mentor if whose == "host" else personas.mentee
    path = Participant.objects.get(session=session, user=user).join_path()
    status = 302 if phase in ("joinable", "live") else 200

    grow(session, SMALL, prefix="first", phase=phase)
    small = measure(client, path, status=status)
    grow(session, LARGE - SMALL, prefix="more", phase=phase)
    large = measure(client, path, status=status)

    print(f"join link, {phase}, of the {whose}: {small} queries at {SMALL} participants, {large} at {LARGE}")
    assert large == small
