"""What each list and lookup returns, and to whom."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from mentorcircle.groupsessions import selectors, services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.programs.models import Membership
from tests.factories import GroupSessionFactory, MembershipFactory, ParticipantFactory, UserFactory

Status = Participant.Status


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def titles(sessions) -> list[str]:
    return [session.title for session in sessions]


def hosted(personas, title: str, starts_in: timedelta, **kwargs) -> GroupSession:
    starts_at = timezone.now().replace(microsecond=0) + starts_in
    return GroupSessionFactory(
        program=personas.program, host=personas.mentor, title=title, starts_at=starts_at, **kwargs
    )


def test_future_lists_upcoming_and_running_sessions_soonest_first(personas, now):
    hosted(personas, "Next month", timedelta(days=30))
    hosted(personas, "Tomorrow", timedelta(days=1))
    hosted(personas, "Running now", -timedelta(minutes=30))
    hosted(personas, "Next week", timedelta(days=7))

    sessions = selectors.sessions_for_person(user=personas.mentor, tab=selectors.FUTURE, now=now)

    assert titles(sessions) == ["Running now", "Tomorrow", "Next week", "Next month"]


def test_decorating_a_page_keeps_its_order_and_adds_counts_and_the_viewers_status(personas, now):
    for title, days in [("Third", 9), ("First", 1), ("Second", 5)]:
        session = hosted(personas, title, timedelta(days=days))
        if title == "Second":
            ParticipantFactory(session=session, user=personas.mentee)
    page = list(selectors.sessions_for_program(program=personas.program, tab=selectors.FUTURE, now=now))

    shown = selectors.for_display(page, user=personas.mentee)

    assert [(s.title, s.seats_taken, s.my_status) for s in shown] == [
        ("First", 1, None),
        ("Second", 2, Status.REGISTERED),
        ("Third", 1, None),
    ]


def test_future_keeps_a_cancelled_session_until_its_time_and_past_lists_what_took_place_latest_first(
    personas, now
):
    cancelled = GroupSession.Status.CANCELLED
    hosted(personas, "Last month", -timedelta(days=30))
    hosted(personas, "Called off last week", -timedelta(days=7), status=cancelled)
    hosted(personas, "Yesterday", -timedelta(days=1))
    hosted(personas, "Two days ago", -timedelta(days=2))
    hosted(personas, "Called off", timedelta(days=3), status=cancelled)
    hosted(personas, "Upcoming", timedelta(days=2))
    hosted(personas, "Ended early", -timedelta(minutes=10), call_ended_at=now - timedelta(minutes=5))

    past = selectors.sessions_for_person(user=personas.mentor, tab=selectors.PAST, now=now)
    future = selectors.sessions_for_person(
        user=personas.mentor, tab=selectors.FUTURE, now=now, with_cancelled=True
    )

    assert titles(past) == ["Ended early", "Yesterday", "Two days ago", "Last month"]
    assert titles(future) == ["Upcoming", "Called off"]
    [shown] = [s for s in selectors.for_display(future, user=personas.mentor) if s.title == "Called off"]
    assert shown.state.phase.is_cancelled


def test_what_is_still_to_be_held_leaves_cancelled_sessions_out(personas, now):
    hosted(personas, "Called off", timedelta(days=3), status=GroupSession.Status.CANCELLED)
    hosted(personas, "Upcoming", timedelta(days=2))

    held = selectors.sessions_for_program(program=personas.program, tab=selectors.FUTURE, now=now)
    listed = selectors.sessions_for_program(
        program=personas.program, tab=selectors.FUTURE, now=now, with_cancelled=True
    )

    assert titles(held) == ["Upcoming"]
    assert titles(listed) == ["Upcoming", "Called off"]


@pytest.mark.parametrize(
    ("status", "listed"),
    [
        (Status.REGISTERED, True),
        (Status.WAITLISTED, True),
        (Status.INVITED, True),
        (Status.DECLINED, False),
        (Status.LEFT, False),
    ],
)
def test_a_persons_sessions_are_those_they_host_hold_a_seat_in_wait_for_or_are_invited_to(
    personas, now, status, listed
):
    session = hosted(personas, "Pitch practice", timedelta(days=2))
    ParticipantFactory(session=session, user=personas.mentee, status=status)

    sessions = selectors.sessions_for_person(user=personas.mentee, tab=selectors.FUTURE, now=now)

    assert titles(sessions) == (["Pitch practice"] if listed else [])
    if listed:
        assert selectors.for_display(sessions, user=personas.mentee)[0].my_status == status


def test_a_person_does_not_see_sessions_they_have_nothing_to_do_with(personas, now):
    hosted(personas, "Pitch practice", timedelta(days=2))

    assert not selectors.sessions_for_person(user=personas.mentee, tab=selectors.FUTURE, now=now)


def test_seats_taken_counts_the_host_and_the_registered_only(personas, now):
    session = hosted(personas, "Pitch practice", timedelta(days=2), max_participants=3, min_participants=3)
    ParticipantFactory(session=session, status=Status.REGISTERED)
    ParticipantFactory(session=session, status=Status.WAITLISTED)
    ParticipantFactory(session=session, status=Status.WAITLISTED)
    ParticipantFactory(session=session, status=Status.INVITED)
    ParticipantFactory(session=session, status=Status.LEFT)

    [listed] = selectors.for_display(
        selectors.sessions_for_person(user=personas.mentor, tab=selectors.FUTURE, now=now),
        user=personas.mentor,
    )

    assert listed.seats_taken == 2
    assert listed.waitlist_size == 2
    assert listed.state.spots_left == 1
    assert listed.state.more_needed == 1


def test_the_host_sees_the_first_registered_people_by_name_and_how_many_more(personas, now):
    session = hosted(personas, "Pitch practice", timedelta(days=2))
    session.max_participants = 20
    session.save()
    ParticipantFactory(session=session, user=personas.mentee, status=Status.REGISTERED)
    for letter in "JIHGFEDCB":  # nine more, created out of name order
        ParticipantFactory(
            session=session, user=UserFactory(full_name=f"{letter} Person"), status=Status.REGISTERED
        )
    ParticipantFactory(session=session, user=UserFactory(full_name="A Waiting"), status=Status.WAITLISTED)
    ParticipantFactory(session=session, user=UserFactory(full_name="A Left"), status=Status.LEFT)

    [listed] = selectors.for_display(
        selectors.sessions_for_person(user=personas.mentor, tab=selectors.FUTURE, now=now),
        user=personas.mentor,
        attendees=True,
    )

    assert selectors.LIST_NAMES == 8
    assert [p.user.full_name for p in listed.attendees] == [
        "B Person",
        "C Person",
        "D Person",
        "E Person",
        "F Person",
        "G Person",
        "H Person",
        "I Person",
    ]
    assert listed.more_attendees == 2  # J Person and Mina Mentee: 10 registered in all


def test_a_programs_sessions_are_only_its_own(personas, now):
    hosted(personas, "Alpha session", timedelta(days=2))
    GroupSessionFactory(program=personas.other_program, host=personas.other_manager, title="Beta session")

    sessions = selectors.sessions_for_program(program=personas.program, tab=selectors.FUTURE, now=now)

    assert titles(sessions) == ["Alpha session"]
    assert selectors.for_display(sessions, user=personas.mentee)[0].my_status is None


def test_a_profile_lists_the_hosts_upcoming_sessions_in_programs_the_viewer_shares(personas, now):
    MembershipFactory(program=personas.other_program, user=personas.mentor, role=Membership.Role.MENTOR)
    hosted(personas, "Alpha session", timedelta(days=2))
    hosted(personas, "Alpha, ended", -timedelta(days=2))
    hosted(personas, "Alpha, cancelled", timedelta(days=3), status=GroupSession.Status.CANCELLED)
    GroupSessionFactory(program=personas.other_program, host=personas.mentor, title="Beta session")

    seen_by_mentee = selectors.upcoming_hosted_by(host=personas.mentor, viewer=personas.mentee, now=now)
    seen_by_beta = selectors.upcoming_hosted_by(host=personas.mentor, viewer=personas.other_manager, now=now)

    assert titles(seen_by_mentee) == ["Alpha session"]
    assert titles(seen_by_beta) == ["Beta session"]


@pytest.mark.parametrize("persona", ["manager", "mentor", "mentee"])
def test_members_can_look_a_session_up_with_their_membership(personas, persona):
    session = hosted(personas, "Pitch practice", timedelta(days=2))

    found, membership = selectors.session_get_visible(user=getattr(personas, persona), pk=session.pk)

    assert found == session
    assert membership.role == persona


@pytest.mark.parametrize("persona", ["outsider", "other_manager"])
def test_a_session_is_not_found_for_anyone_outside_its_program(personas, persona):
    session = hosted(personas, "Pitch practice", timedelta(days=2))

    with pytest.raises(Http404):
        selectors.session_get_visible(user=getattr(personas, persona), pk=session.pk)


def test_an_unknown_session_looks_like_a_hidden_one(personas):
    with pytest.raises(Http404):
        selectors.session_get_visible(user=personas.mentee, pk=999_999)


def test_waitlist_position_counts_only_people_still_waiting_ahead(personas):
    session = services.session_create(
        program=personas.program,
        host=personas.mentor,
        details=services.SessionDetails(
            title="Small room",
            description="Two seats.",
            starts_at=timezone.now() + timedelta(days=2),
            duration=timedelta(hours=1),
            min_participants=1,
            max_participants=2,
        ),
    )
    services.participant_join(session=session, user=personas.manager)
    services.participant_join(session=session, user=personas.mentee)
    late = MembershipFactory(program=personas.program).user
    later = MembershipFactory(program=personas.program).user
    services.participant_join(session=session, user=late)
    services.participant_join(session=session, user=later)

    def position(user) -> int:
        return selectors.waitlist_position(participant=Participant.objects.get(session=session, user=user))

    assert [position(personas.mentee), position(late), position(later)] == [1, 2, 3]

    services.participant_leave(session=session, user=personas.mentee)

    assert [position(late), position(later)] == [1, 2]


def test_suggestions_match_members_by_name_or_email_without_the_asker(personas):
    MembershipFactory(program=personas.program, user=UserFactory(full_name="Minnie Driver"))
    MembershipFactory(program=personas.program, user=UserFactory(full_name="Zed", email="mina.z@example.org"))
    MembershipFactory(program=personas.other_program, user=UserFactory(full_name="Mina Elsewhere"))

    by_name = selectors.member_suggestions(program=personas.program, query="MIN", exclude=personas.mentor)
    for_manager = selectors.member_suggestions(
        program=personas.program, query="MIN", exclude=personas.mentor, by_email=True
    )
    by_self = selectors.member_suggestions(program=personas.program, query="Theo", exclude=personas.mentor)

    assert [u.full_name for u in by_name] == ["Mina Mentee", "Minnie Driver"]  # not Zed by his email
    assert [u.full_name for u in for_manager] == ["Mina Mentee", "Minnie Driver", "Zed"]
    assert list(by_self) == []


def test_suggestions_need_at_least_one_character_and_stop_at_the_limit(personas):
    for n in range(12):
        MembershipFactory(program=personas.program, user=UserFactory(full_name=f"Sam {n:02d}"))

    assert (
        list(selectors.member_suggestions(program=personas.program, query="  ", exclude=personas.mentor))
        == []
    )
    assert (
        len(selectors.member_suggestions(program=personas.program, query="sam", exclude=personas.mentor)) == 8
    )
