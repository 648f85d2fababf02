"""Every page costs the same number of SQL queries at 5 and at 200 sessions or participants."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.core.pagination import PER_PAGE
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.views import PROFILE_SESSIONS
from mentorcircle.programs.models import Membership
from tests.factories import GroupSessionFactory

Status = Participant.Status
SMALL, LARGE = 5, 200


def add_people(program, count: int, prefix: str) -> list[User]:
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", full_name=f"{prefix.title()} {n:03d}", password="!")
        for n in range(count)
    )
    Membership.objects.bulk_create(Membership(program=program, user=user, role="mentee") for user in users)
    return users


def add_sessions(program, host, count: int, *, people: list[User], first: int = 0) -> None:
    """`count` upcoming sessions by `host`, each with the host and `people` seated."""
    base = timezone.now().replace(microsecond=0) + timedelta(days=1)
    sessions = GroupSession.objects.bulk_create(
        GroupSession(
            program=program,
            host=host,
            title=f"Session {n:03d}",
            description="Bring your questions.",
            starts_at=base + timedelta(hours=n),
            duration=timedelta(hours=1),
            ends_at=base + timedelta(hours=n + 1),
            decide_at=base + timedelta(hours=n - 24),
        )
        for n in range(first, first + count)
    )
    Participant.objects.bulk_create(
        [Participant(session=s, user=host, status=Status.HOST) for s in sessions]
        + [Participant(session=s, user=user, status=Status.REGISTERED) for s in sessions for user in people]
    )


def queries_for(client, path: str, *, expect: str, times: int) -> int:
    client.get(path)  # warm-up: per-process caches (content types, templates) are not the page's cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    assert response.content.decode().count(expect) == times
    return len(captured)


@pytest.fixture
def attendees(personas) -> list[User]:
    return add_people(personas.program, 3, "attendee")


# page: (viewer, address, how many sessions one page shows at most)
LIST_PAGES = {
    "personal sessions": ("mentor", lambda _p: reverse("personal:sessions"), PER_PAGE),
    "manager sessions": ("manager", lambda _p: reverse("manage:sessions", args=["alpha"]), PER_PAGE),
    "program page": ("mentee", lambda _p: reverse("groupsessions:program", args=["alpha"]), PER_PAGE),
    "public profile": (
        "mentee",
        lambda p: reverse("groupsessions:profile", args=[p.mentor.pk]),
        PROFILE_SESSIONS,
    ),
}


@pytest.mark.parametrize("list_page", LIST_PAGES)
def test_a_list_page_costs_the_same_at_5_and_200_sessions(client, personas, attendees, list_page):
    viewer, url, shown = LIST_PAGES[list_page]
    client.force_login(getattr(personas, viewer))
    path = url(personas)

    add_sessions(personas.program, personas.mentor, SMALL, people=attendees)
    small = queries_for(client, path, expect="spots taken", times=min(SMALL, shown))
    add_sessions(personas.program, personas.mentor, LARGE - SMALL, people=attendees, first=SMALL)
    large = queries_for(client, path, expect="spots taken", times=min(LARGE, shown))

    print(f"{list_page}: {small} queries at {SMALL} sessions, {large} at {LARGE}")
    assert large == small


@pytest.mark.parametrize(
    ("viewer", "status"), [("mentor", Status.HOST), ("mentee", Status.WAITLISTED), ("manager", None)]
)
def test_the_session_page_costs_the_same_at_5_and_200_participants(client, personas, viewer, status):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, max_participants=1000)
    if status == Status.WAITLISTED:
        Participant.objects.create(
            session=session, user=personas.mentee, status=status, waitlisted_at=timezone.now()
        )
    client.force_login(getattr(personas, viewer))

    def grow_to(count: int, prefix: str) -> None:
        people = add_people(personas.program, count, prefix)
        thirds = len(people) // 3
        Participant.objects.bulk_create(
            Participant(
                session=session,
                user=user,
                status=(Status.REGISTERED, Status.WAITLISTED, Status.INVITED)[min(n // max(thirds, 1), 2)],
                waitlisted_at=timezone.now(),
                invited_by=personas.mentor,
            )
            for n, user in enumerate(people)
        )

    def seated() -> str:
        count = Participant.objects.filter(session=session, status__in=Participant.SEATED).count()
        return f"Participants ({count})"

    grow_to(SMALL, "first")
    small = queries_for(client, session.get_absolute_url(), expect=seated(), times=1)
    grow_to(LARGE - SMALL, "more")
    large = queries_for(client, session.get_absolute_url(), expect=seated(), times=1)

    print(f"session page as {viewer}: {small} queries at {SMALL} participants, {large} at {LARGE}")
    assert large == small


# What each page costs in all: the header and the sidebar read the person's programs and the
# number of their unread conversations in one query (mentorcircle/navigation.py), and Personal >
# Sessions reads attendees only for the sessions its viewer hosts.
LIST_PAGE_QUERIES = {"personal sessions": 9, "manager sessions": 8, "program page": 7, "public profile": 8}
SESSION_PAGE_QUERIES = {"mentor": 7, "mentee": 7, "manager": 9}
# The signed-in person (their session and account), then in one transaction: the session
# (locked), the membership, the person's row, the seats taken and the insert.
JOIN_QUERIES = 9


@pytest.mark.parametrize("list_page", LIST_PAGES)
def test_a_list_page_costs_what_it_should(client, personas, attendees, list_page):
    viewer, url, _ = LIST_PAGES[list_page]
    client.force_login(getattr(personas, viewer))
    add_sessions(personas.program, personas.mentor, SMALL, people=attendees)

    assert (
        queries_for(client, url(personas), expect="spots taken", times=SMALL) == LIST_PAGE_QUERIES[list_page]
    )


@pytest.mark.parametrize("viewer", SESSION_PAGE_QUERIES)
def test_the_session_page_costs_what_it_should(client, personas, attendees, viewer):
    add_sessions(personas.program, personas.mentor, 1, people=attendees)
    client.force_login(getattr(personas, viewer))
    path = GroupSession.objects.get().get_absolute_url()

    assert queries_for(client, path, expect="Participants (4)", times=1) == SESSION_PAGE_QUERIES[viewer]


def test_personal_sessions_names_attendees_only_in_the_sessions_one_hosts(client, personas, attendees):
    """A member's list names nobody (and reads no attendees); the host's list names its people."""
    add_sessions(personas.program, personas.mentor, SMALL, people=[personas.mentee, *attendees])
    path = reverse("personal:sessions")

    client.force_login(personas.mentee)
    as_member = queries_for(client, path, expect="spots taken", times=SMALL)
    member_page = client.get(path).content.decode()
    client.force_login(personas.mentor)
    as_host = queries_for(client, path, expect="Attendee 000", times=SMALL)

    assert "Participants:" not in member_page
    assert "Attendee 000" not in member_page
    assert as_member == LIST_PAGE_QUERIES["personal sessions"] - 1
    assert as_host == LIST_PAGE_QUERIES["personal sessions"]


def test_a_join_reads_the_session_once(client, personas):
    """The Join button: the session is read once (locked, without seat counts), not loaded with
    counts first and locked again."""
    session = GroupSessionFactory(program=personas.program, host=personas.mentor)
    client.force_login(personas.mentee)

    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("groupsessions:join", args=[session.pk]))

    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert Participant.objects.get(session=session, user=personas.mentee).status == Status.REGISTERED
    session_reads = [q["sql"] for q in captured if 'FROM "groupsessions_groupsession"' in q["sql"]]
    assert len(session_reads) == 1
    assert "COUNT(" not in session_reads[0]
    assert len(captured) == JOIN_QUERIES
