"""The rules of group sessions, held once in the services."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mentorcircle.groupsessions import selectors, services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.services import SessionError
from tests.factories import GroupSessionFactory, MembershipFactory, ProgramFactory
from tests.groupsessions.conftest import NOW, PARIS, STARTS, add_members, create_session, details

Status = Participant.Status


def statuses(session: GroupSession) -> dict[str, str]:
    """Everyone with a row, by name."""
    rows = Participant.objects.filter(session=session).select_related("user")
    return {row.user.full_name: row.status for row in rows}


def invite(*people) -> services.Invitees:
    return services.Invitees(people=people)


def seats_taken(session: GroupSession) -> int:
    return Participant.objects.filter(session=session, status__in=Participant.SEATED).count()


def reloaded(session: GroupSession) -> GroupSession:
    return GroupSession.objects.get(pk=session.pk)


def join(session: GroupSession, user, *, minutes: int = 0) -> Participant:
    return services.participant_join(session=session, user=user, now=NOW + timedelta(minutes=minutes))


def full_session(personas, *, max_participants: int = 2, **changes) -> GroupSession:
    """A session whose seats are all taken: the host plus `max_participants - 1` members."""
    session = create_session(personas.program, personas.mentor, max_participants=max_participants, **changes)
    for user in add_members(personas.program, max_participants - 1):
        join(session, user)
    return session


# ---- Creating --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "mentor"])
def test_managers_and_mentors_can_create_a_session_and_are_seated_as_its_host(personas, persona):
    host = getattr(personas, persona)

    session = create_session(personas.program, host)

    assert session.host == host
    assert session.status == GroupSession.Status.SCHEDULED
    assert statuses(session) == {host.full_name: Status.HOST}
    assert seats_taken(session) == 1


@pytest.mark.parametrize("persona", ["mentee", "outsider", "other_manager"])
def test_mentees_and_non_members_cannot_create_a_session(personas, persona):
    with pytest.raises(SessionError, match="not enabled for you"):
        create_session(personas.program, getattr(personas, persona))

    assert not GroupSession.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "mentor"])
def test_nobody_can_create_a_session_when_the_program_does_not_allow_group_sessions(personas, persona):
    personas.program.allow_group_sessions = False
    personas.program.save()

    with pytest.raises(SessionError):
        create_session(personas.program, getattr(personas, persona))

    assert not GroupSession.objects.exists()


def test_creating_stores_the_details_and_the_end_time(personas):
    session = create_session(
        personas.program,
        personas.mentor,
        title="  Pitch practice  ",
        duration=timedelta(hours=1, minutes=30),
        min_participants=3,
        max_participants=12,
    )

    session = reloaded(session)
    assert session.title == "Pitch practice"
    assert session.starts_at == STARTS
    assert session.ends_at == STARTS + timedelta(hours=1, minutes=30)
    assert (session.min_participants, session.max_participants) == (3, 12)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": NOW - timedelta(minutes=1)}, "starts_at"),
        ({"starts_at": NOW}, "starts_at"),
        ({"duration": timedelta(minutes=4)}, "duration"),
        ({"duration": timedelta(hours=12, minutes=1)}, "duration"),
        ({"min_participants": 0}, "min_participants"),
        ({"min_participants": 6, "max_participants": 5}, "min_participants"),
        ({"max_participants": 1, "min_participants": 1}, "max_participants"),
        ({"max_participants": 1001}, "max_participants"),
        ({"title": "x" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({"description": ""}, "description"),
        ({"description": " \n "}, "description"),
    ],
)
def test_invalid_details_are_refused_with_the_field_they_belong_to(personas, changes, field):
    with pytest.raises(SessionError) as refused:
        create_session(personas.program, personas.mentor, **changes)

    assert refused.value.field == field
    assert refused.value.message
    assert not GroupSession.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": NOW + timedelta(minutes=1)},
        {"duration": timedelta(minutes=5)},
        {"duration": timedelta(hours=12)},
        {"min_participants": 1, "max_participants": 2},
        {"min_participants": 1000, "max_participants": 1000},
        {"title": "x" * 200},
    ],
)
def test_details_at_the_limits_are_accepted(personas, changes):
    create_session(personas.program, personas.mentor, **changes)

    assert GroupSession.objects.count() == 1


def test_invitees_are_stored_as_invited_members_without_taking_a_seat(personas):
    session = services.session_create(
        program=personas.program,
        host=personas.mentor,
        details=details(),
        invitees=invite(personas.mentee, personas.manager),
        now=NOW,
    )

    assert statuses(session) == {
        "Theo Mentor": Status.HOST,
        "Mina Mentee": Status.INVITED,
        "Maria Manager": Status.INVITED,
    }
    assert Participant.objects.get(session=session, user=personas.mentee).invited_by == personas.mentor
    assert seats_taken(session) == 1


def test_inviting_ignores_non_members_the_host_and_repeats(personas):
    session = services.session_create(
        program=personas.program,
        host=personas.mentor,
        details=details(),
        invitees=invite(
            personas.outsider, personas.other_manager, personas.mentor, personas.mentee, personas.mentee
        ),
        now=NOW,
    )

    assert statuses(session) == {"Theo Mentor": Status.HOST, "Mina Mentee": Status.INVITED}


def test_inviting_someone_who_already_has_a_seat_leaves_their_seat_alone(personas, session):
    join(session, personas.mentee)

    services.session_update(
        session=session, actor=personas.mentor, details=details(), invitees=invite(personas.mentee), now=NOW
    )

    assert statuses(session)["Mina Mentee"] == Status.REGISTERED


# ---- Joining and the waitlist ----------------------------------------------------------------


def test_join_registers_a_member(personas, session):
    participant = join(session, personas.mentee)

    assert participant.status == Status.REGISTERED
    assert seats_taken(session) == 2


def test_joining_twice_keeps_one_seat(personas, session):
    first = join(session, personas.mentee)
    second = join(session, personas.mentee, minutes=5)

    assert second.pk == first.pk
    assert Participant.objects.filter(session=session, user=personas.mentee).count() == 1
    assert seats_taken(session) == 2


@pytest.mark.parametrize("persona", ["outsider", "other_manager"])
def test_non_members_cannot_join(personas, session, persona):
    with pytest.raises(SessionError, match="Only members of this program"):
        join(session, getattr(personas, persona))

    assert seats_taken(session) == 1


def test_the_host_counts_toward_the_maximum(personas):
    session = create_session(personas.program, personas.mentor, max_participants=2)

    assert join(session, personas.mentee).status == Status.REGISTERED
    assert join(session, personas.manager).status == Status.WAITLISTED


def test_join_is_waitlisted_when_full(personas):
    session = full_session(personas, max_participants=3)

    participant = join(session, personas.mentee)

    assert participant.status == Status.WAITLISTED
    assert seats_taken(session) == 3


def test_waitlist_positions_follow_the_order_of_arrival(personas):
    session = full_session(personas)
    first, second, third = add_members(personas.program, 3)
    for minutes, user in ((1, first), (2, second), (3, third)):
        join(session, user, minutes=minutes)

    positions = [
        selectors.waitlist_position(participant=Participant.objects.get(session=session, user=user))
        for user in (first, second, third)
    ]
    assert positions == [1, 2, 3]


def test_joining_the_waitlist_again_keeps_the_place_in_line(personas):
    session = full_session(personas)
    first, second = add_members(personas.program, 2)
    join(session, first, minutes=1)
    join(session, second, minutes=2)

    join(session, first, minutes=3)

    participant = Participant.objects.get(session=session, user=first)
    assert selectors.waitlist_position(participant=participant) == 1


def test_an_invited_member_who_joins_is_registered(personas):
    session = services.session_create(
        program=personas.program,
        host=personas.mentor,
        details=details(),
        invitees=invite(personas.mentee),
        now=NOW,
    )

    participant = join(session, personas.mentee)

    assert participant.status == Status.REGISTERED
    assert statuses(session)["Mina Mentee"] == Status.REGISTERED
    assert Participant.objects.filter(session=session, user=personas.mentee).count() == 1


def test_an_invited_member_who_joins_a_full_session_is_waitlisted(personas):
    session = services.session_create(
        program=personas.program,
        host=personas.mentor,
        details=details(max_participants=2),
        invitees=invite(personas.mentee),
        now=NOW,
    )
    join(session, personas.manager)

    assert join(session, personas.mentee).status == Status.WAITLISTED


def test_a_cancelled_session_cannot_be_joined(personas, session):
    services.session_cancel(session=session, actor=personas.mentor, reason="Host is ill", now=NOW)

    with pytest.raises(SessionError, match="cancelled, so it cannot be joined"):
        join(session, personas.mentee)

    assert "Mina Mentee" not in statuses(session)


def test_a_live_session_with_seats_left_can_still_be_joined(personas, session):
    services.participant_join(session=session, user=personas.mentee, now=STARTS + timedelta(minutes=1))

    assert statuses(session)["Mina Mentee"] == Status.REGISTERED


def test_a_live_session_that_is_full_cannot_be_joined_not_even_on_the_waitlist(personas):
    session = full_session(personas)

    with pytest.raises(SessionError, match="full and has already started"):
        services.participant_join(session=session, user=personas.mentee, now=STARTS + timedelta(minutes=1))

    assert "Mina Mentee" not in statuses(session)


def test_an_ended_session_cannot_be_joined(personas, session):
    with pytest.raises(SessionError, match="has ended, so it cannot be joined"):
        services.participant_join(session=session, user=personas.mentee, now=STARTS + timedelta(hours=1))

    assert "Mina Mentee" not in statuses(session)


def test_seats_are_not_given_back_once_the_session_has_started(personas, session):
    join(session, personas.mentee)

    with pytest.raises(SessionError, match="has started"):
        services.participant_leave(session=session, user=personas.mentee, now=STARTS + timedelta(minutes=5))

    assert statuses(session)["Mina Mentee"] == Status.REGISTERED


def test_someone_who_left_can_join_again(personas, session):
    join(session, personas.mentee)
    services.participant_leave(session=session, user=personas.mentee, now=NOW)

    participant = join(session, personas.mentee, minutes=1)

    assert participant.status == Status.REGISTERED
    assert Participant.objects.filter(session=session, user=personas.mentee).count() == 1


# ---- Leaving ---------------------------------------------------------------------------------


def test_leaving_frees_the_seat_and_promotes_the_first_in_line(personas):
    session = full_session(personas)
    seated = Participant.objects.get(session=session, status=Status.REGISTERED).user
    first, second = add_members(personas.program, 2)
    join(session, first, minutes=1)
    join(session, second, minutes=2)

    promoted = services.participant_leave(session=session, user=seated, now=NOW + timedelta(minutes=3))

    assert [p.user for p in promoted] == [first]
    assert statuses(session)[seated.full_name] == Status.LEFT
    assert statuses(session)[first.full_name] == Status.REGISTERED
    assert statuses(session)[second.full_name] == Status.WAITLISTED
    assert selectors.waitlist_position(participant=Participant.objects.get(session=session, user=second)) == 1
    assert seats_taken(session) == 2


def test_leaving_an_open_session_promotes_nobody(personas, session):
    join(session, personas.mentee)

    promoted = services.participant_leave(session=session, user=personas.mentee, now=NOW)

    assert promoted == []
    assert statuses(session)["Mina Mentee"] == Status.LEFT
    assert seats_taken(session) == 1


def test_leaving_the_waitlist_moves_those_behind_up_and_frees_no_seat(personas):
    session = full_session(personas)
    first, second = add_members(personas.program, 2)
    join(session, first, minutes=1)
    join(session, second, minutes=2)

    promoted = services.participant_leave(session=session, user=first, now=NOW + timedelta(minutes=3))

    assert promoted == []
    assert statuses(session)[first.full_name] == Status.LEFT
    assert statuses(session)[second.full_name] == Status.WAITLISTED
    assert selectors.waitlist_position(participant=Participant.objects.get(session=session, user=second)) == 1
    assert seats_taken(session) == 2


def test_the_host_cannot_leave(personas, session):
    with pytest.raises(SessionError, match="cancel the session instead"):
        services.participant_leave(session=session, user=personas.mentor, now=NOW)

    assert statuses(session)["Theo Mentor"] == Status.HOST


def test_leaving_a_session_one_is_not_in_changes_nothing(personas, session):
    assert services.participant_leave(session=session, user=personas.mentee, now=NOW) == []

    assert statuses(session) == {"Theo Mentor": Status.HOST}


# ---- Editing ---------------------------------------------------------------------------------


def test_the_maximum_cannot_go_below_the_number_already_registered(personas):
    session = full_session(personas, max_participants=4)

    with pytest.raises(SessionError) as refused:
        services.session_update(
            session=session, actor=personas.mentor, details=details(max_participants=3), now=NOW
        )

    assert refused.value.field == "max_participants"
    assert "4 people are already registered" in refused.value.message
    assert reloaded(session).max_participants == 4


def test_the_maximum_can_be_lowered_to_the_number_already_registered(personas):
    session = create_session(personas.program, personas.mentor, max_participants=10)
    join(session, personas.mentee)

    services.session_update(
        session=session, actor=personas.mentor, details=details(max_participants=2), now=NOW
    )

    assert reloaded(session).max_participants == 2
    assert join(session, personas.manager).status == Status.WAITLISTED


def test_raising_the_maximum_promotes_from_the_waitlist_in_order(personas):
    session = full_session(personas)
    first, second, third = add_members(personas.program, 3)
    for minutes, user in ((1, first), (2, second), (3, third)):
        join(session, user, minutes=minutes)

    services.session_update(
        session=session, actor=personas.mentor, details=details(max_participants=4), now=NOW
    )

    assert statuses(session)[first.full_name] == Status.REGISTERED
    assert statuses(session)[second.full_name] == Status.REGISTERED
    assert statuses(session)[third.full_name] == Status.WAITLISTED
    assert seats_taken(session) == 4


def test_moving_the_time_keeps_registrations_and_asks_for_a_new_decision(personas, session):
    join(session, personas.mentee)
    assert services.session_decide(session_id=session.pk, now=session.decide_at) == "confirmed"
    later = STARTS + timedelta(days=2)

    updated = services.session_update(
        session=session, actor=personas.mentor, details=details(starts_at=later), now=NOW
    )

    updated = reloaded(updated)
    assert updated.starts_at == later
    assert updated.ends_at == later + timedelta(hours=1)
    assert updated.version == session.version + 1
    assert updated.status == GroupSession.Status.SCHEDULED
    assert updated.decide_at == later - timedelta(hours=24)
    assert statuses(session) == {"Theo Mentor": Status.HOST, "Mina Mentee": Status.REGISTERED}


def test_changing_only_the_description_keeps_the_calendar_version(personas, session):
    services.session_update(
        session=session, actor=personas.mentor, details=details(description="New agenda."), now=NOW
    )

    updated = reloaded(session)
    assert updated.description == "New agenda."
    assert updated.version == session.version


def test_a_session_cannot_be_moved_into_the_past(personas, session):
    with pytest.raises(SessionError) as refused:
        services.session_update(
            session=session,
            actor=personas.mentor,
            details=details(starts_at=NOW - timedelta(hours=1)),
            now=NOW,
        )

    assert refused.value.field == "starts_at"
    assert reloaded(session).starts_at == STARTS


def test_a_cancelled_session_cannot_be_edited(personas, session):
    services.session_cancel(session=session, actor=personas.mentor, reason="Host is ill", now=NOW)

    with pytest.raises(SessionError, match="cancelled session cannot be edited"):
        services.session_update(
            session=session, actor=personas.mentor, details=details(title="Back on"), now=NOW
        )

    assert reloaded(session).title == "Negotiating your first salary"


# ---- Cancelling ------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(personas, session, reason):
    with pytest.raises(SessionError) as refused:
        services.session_cancel(session=session, actor=personas.mentor, reason=reason, now=NOW)

    assert refused.value.field == "reason"
    assert reloaded(session).status == GroupSession.Status.SCHEDULED


def test_cancelling_marks_the_session_cancelled_with_its_reason(personas, session):
    join(session, personas.mentee)

    services.session_cancel(session=session, actor=personas.manager, reason="  Room unavailable ", now=NOW)

    cancelled = reloaded(session)
    assert cancelled.status == GroupSession.Status.CANCELLED
    assert cancelled.cancel_reason == "Room unavailable"
    assert cancelled.cancelled_at == NOW
    assert cancelled.version == session.version + 1


def test_nobody_can_join_a_cancelled_session_not_even_from_the_waitlist(personas):
    session = full_session(personas)
    join(session, personas.mentee, minutes=1)
    seated = Participant.objects.get(session=session, status=Status.REGISTERED).user
    services.session_cancel(session=session, actor=personas.mentor, reason="Host is ill", now=NOW)

    with pytest.raises(SessionError, match="cancelled"):
        services.participant_leave(session=session, user=seated, now=NOW + timedelta(minutes=2))

    assert statuses(session)["Mina Mentee"] == Status.WAITLISTED
    with pytest.raises(SessionError):
        join(session, personas.manager, minutes=3)


def test_a_past_session_cannot_be_cancelled(personas, session):
    with pytest.raises(SessionError, match="past session cannot be cancelled"):
        services.session_cancel(
            session=session, actor=personas.mentor, reason="Too late", now=STARTS + timedelta(hours=2)
        )

    assert reloaded(session).status == GroupSession.Status.SCHEDULED


# ---- Deciding whether a session is held --------------------------------------------------------


def test_the_decision_point_is_the_programs_hours_before_start(personas):
    personas.program.decision_hours_before = 48
    personas.program.save()

    session = create_session(personas.program, personas.mentor)

    assert session.decide_at == STARTS - timedelta(hours=48)


def test_a_session_below_its_minimum_at_the_decision_point_is_cancelled(personas):
    session = create_session(personas.program, personas.mentor, min_participants=3)
    join(session, personas.mentee)

    outcome = services.session_decide(session_id=session.pk, now=session.decide_at)

    decided = reloaded(session)
    assert outcome == decided.status == GroupSession.Status.CANCELLED
    assert decided.cancel_reason == "Not enough participants"
    assert decided.cancelled_at == session.decide_at
    with pytest.raises(SessionError):
        join(session, personas.manager)


@pytest.mark.parametrize("members", [1, 2])
def test_a_session_at_or_above_its_minimum_is_confirmed_with_the_host_counted(personas, members):
    session = create_session(personas.program, personas.mentor, min_participants=2)
    for user in add_members(personas.program, members):
        join(session, user)

    outcome = services.session_decide(session_id=session.pk, now=session.decide_at)

    assert outcome == reloaded(session).status == GroupSession.Status.CONFIRMED


@pytest.mark.usefixtures("personas")
def test_the_host_alone_meets_a_minimum_of_one(session):
    assert services.session_decide(session_id=session.pk, now=session.decide_at) == "confirmed"


def test_invited_people_who_have_not_joined_do_not_count_toward_the_minimum(personas):
    session = services.session_create(
        program=personas.program,
        host=personas.mentor,
        details=details(min_participants=2),
        invitees=invite(personas.mentee, personas.manager),
        now=NOW,
    )

    outcome = services.session_decide(session_id=session.pk, now=session.decide_at)

    assert outcome == GroupSession.Status.CANCELLED


def test_a_session_is_not_decided_before_its_decision_time(personas):
    session = create_session(personas.program, personas.mentor, min_participants=3)

    outcome = services.session_decide(session_id=session.pk, now=session.decide_at - timedelta(seconds=1))

    assert outcome is None
    assert reloaded(session).status == GroupSession.Status.SCHEDULED


def test_deciding_twice_changes_nothing_the_second_time(personas):
    below = create_session(personas.program, personas.mentor, min_participants=3)
    enough = create_session(personas.program, personas.mentor, title="Enough")
    due = below.decide_at

    first = services.sessions_decide_due(now=due)
    after_first = {s.pk: (s.status, s.version, s.updated_at) for s in GroupSession.objects.all()}
    second = services.sessions_decide_due(now=due + timedelta(minutes=5))

    assert first == {"confirmed": 1, "cancelled": 1}
    assert second == {"confirmed": 0, "cancelled": 0}
    assert {s.pk: (s.status, s.version, s.updated_at) for s in GroupSession.objects.all()} == after_first
    assert reloaded(below).status == GroupSession.Status.CANCELLED
    assert reloaded(enough).status == GroupSession.Status.CONFIRMED


def test_deciding_leaves_sessions_that_are_not_due_alone(personas):
    soon = create_session(personas.program, personas.mentor, min_participants=3)
    later = create_session(
        personas.program, personas.mentor, min_participants=3, starts_at=STARTS + timedelta(days=3)
    )

    outcome = services.sessions_decide_due(now=soon.decide_at)

    assert outcome == {"confirmed": 0, "cancelled": 1}
    assert reloaded(later).status == GroupSession.Status.SCHEDULED


def test_deciding_does_not_touch_a_session_the_host_cancelled(personas, session):
    services.session_cancel(session=session, actor=personas.mentor, reason="Host is ill", now=NOW)

    assert services.session_decide(session_id=session.pk, now=session.decide_at) is None
    assert reloaded(session).cancel_reason == "Host is ill"


def test_a_session_created_inside_the_decision_window_is_decided_halfway_to_its_start(personas):
    starts = NOW + timedelta(hours=2)
    session = create_session(personas.program, personas.mentor, starts_at=starts, min_participants=2)

    assert session.decide_at == NOW + timedelta(hours=1)
    assert reloaded(session).status == GroupSession.Status.SCHEDULED
    halfway = NOW + timedelta(hours=1)
    assert services.sessions_decide_due(now=halfway - timedelta(minutes=1)) == {
        "confirmed": 0,
        "cancelled": 0,
    }
    assert services.sessions_decide_due(now=halfway) == {"confirmed": 0, "cancelled": 1}
    decided = reloaded(session)
    assert decided.cancel_reason == "Not enough participants"
    assert decided.cancelled_at == halfway  # an hour before the start, not at it


def test_a_session_created_before_its_decision_point_keeps_the_programs_point(personas):
    starts = NOW + timedelta(hours=48)
    session = create_session(personas.program, personas.mentor, starts_at=starts, min_participants=1)

    assert session.decide_at == starts - timedelta(hours=24)
    assert reloaded(session).status == GroupSession.Status.SCHEDULED  # confirmed when the time comes


def test_a_session_created_inside_the_window_that_the_host_alone_fills_is_confirmed_at_once(personas):
    session = create_session(
        personas.program, personas.mentor, starts_at=NOW + timedelta(hours=2), min_participants=1
    )

    assert reloaded(session).status == GroupSession.Status.CONFIRMED
    assert services.session_decide(session_id=session.pk, now=session.decide_at) is None
    assert services.sessions_decide_due(now=session.decide_at) == {"confirmed": 0, "cancelled": 0}
    assert reloaded(session).status == GroupSession.Status.CONFIRMED


def test_a_session_decided_inside_the_window_is_not_decided_again(personas):
    session = create_session(
        personas.program, personas.mentor, starts_at=NOW + timedelta(hours=2), min_participants=2
    )
    join(session, personas.mentee)

    first = services.session_decide(session_id=session.pk, now=session.decide_at)
    decided = reloaded(session)
    later = [
        services.session_decide(session_id=session.pk, now=session.decide_at + timedelta(minutes=m))
        for m in (1, 30)
    ]

    assert first == GroupSession.Status.CONFIRMED
    assert later == [None, None]
    assert (reloaded(session).status, reloaded(session).updated_at) == (decided.status, decided.updated_at)


def test_moving_a_session_inside_the_decision_window_decides_it_halfway_to_the_new_start(personas, session):
    join(session, personas.mentee)
    assert services.session_decide(session_id=session.pk, now=session.decide_at) == "confirmed"
    edited_at = STARTS - timedelta(days=1)  # Sunday morning: moved to Sunday afternoon
    new_start = edited_at + timedelta(hours=6)

    services.session_update(
        session=session, actor=personas.mentor, details=details(starts_at=new_start), now=edited_at
    )

    moved = reloaded(session)
    assert moved.decide_at == edited_at + timedelta(hours=3)
    assert moved.status == GroupSession.Status.SCHEDULED
    assert services.session_decide(session_id=session.pk, now=moved.decide_at) == "confirmed"


def test_editing_a_session_inside_the_window_without_moving_it_keeps_its_decision(personas):
    session = create_session(
        personas.program, personas.mentor, starts_at=NOW + timedelta(hours=2), min_participants=2
    )

    services.session_update(
        session=session,
        actor=personas.mentor,
        details=details(starts_at=session.starts_at, min_participants=2, title="Renamed"),
        now=NOW + timedelta(minutes=30),
    )

    assert reloaded(session).decide_at == NOW + timedelta(hours=1)


@pytest.mark.usefixtures("personas")
def test_deciding_a_session_that_no_longer_exists_does_nothing(session):
    session_id = session.pk
    session.delete()

    assert services.session_decide(session_id=session_id, now=STARTS) is None


# ---- Time zones --------------------------------------------------------------------------------


def test_a_paris_morning_after_the_clock_change_is_stored_two_hours_earlier_in_utc(personas):
    # Clocks in Europe/Paris go forward on Sunday 28 March 2027 (UTC+1 -> UTC+2).
    before = create_session(
        personas.program, personas.mentor, starts_at=datetime(2027, 3, 22, 10, 0, tzinfo=PARIS)
    )
    after = create_session(
        personas.program, personas.mentor, starts_at=datetime(2027, 3, 29, 10, 0, tzinfo=PARIS)
    )

    assert reloaded(before).starts_at == datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    assert reloaded(after).starts_at == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert reloaded(after).starts_at.astimezone(PARIS).hour == 10


def test_the_decision_point_is_24_real_hours_before_start_across_the_clock_change(personas):
    # 10:00 on the Sunday of the change; 24 hours earlier the clocks still showed UTC+1.
    session = create_session(
        personas.program, personas.mentor, starts_at=datetime(2027, 3, 28, 10, 0, tzinfo=PARIS)
    )

    assert session.decide_at == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)
    assert session.decide_at.astimezone(PARIS).hour == 9
    assert (
        services.session_decide(session_id=session.pk, now=session.decide_at - timedelta(minutes=1)) is None
    )
    assert services.session_decide(session_id=session.pk, now=session.decide_at) == "confirmed"


def test_a_create_form_sent_twice_makes_one_session_and_names_it_the_second_time(personas):
    token = uuid.uuid4()
    first = services.session_create(
        program=personas.program, host=personas.mentor, details=details(), create_token=token, now=NOW
    )

    with pytest.raises(services.SessionAlreadyCreated) as again:
        services.session_create(
            program=personas.program,
            host=personas.mentor,
            details=details(title="Sent again"),
            invitees=invite(personas.mentee),
            create_token=token,
            now=NOW + timedelta(minutes=5),
        )

    assert again.value.session == first
    assert again.value.message == (
        "This session was already created from this form; changes made after sending it "
        "were not saved. "
        "Edit the session to change it."
    )
    assert list(GroupSession.objects.values_list("title", flat=True)) == ["Negotiating your first salary"]
    assert statuses(first) == {"Theo Mentor": Status.HOST}


def test_each_create_form_token_makes_its_own_session(personas):
    for _ in range(2):
        services.session_create(
            program=personas.program,
            host=personas.mentor,
            details=details(),
            create_token=uuid.uuid4(),
            now=NOW,
        )

    assert GroupSession.objects.count() == 2


def test_another_persons_create_form_token_creates_nothing_and_shows_nothing(personas):
    token = uuid.uuid4()
    services.session_create(
        program=personas.program, host=personas.mentor, details=details(), create_token=token, now=NOW
    )

    with pytest.raises(SessionError) as refused:
        services.session_create(
            program=personas.program, host=personas.manager, details=details(), create_token=token, now=NOW
        )

    assert not isinstance(refused.value, services.SessionAlreadyCreated)
    assert GroupSession.objects.count() == 1


def test_a_mentor_in_two_programs_can_create_only_where_group_sessions_are_allowed(personas):
    beta = ProgramFactory(allow_group_sessions=False)
    MembershipFactory(program=beta, user=personas.mentor, role="mentor")

    create_session(personas.program, personas.mentor)
    with pytest.raises(SessionError):
        create_session(beta, personas.mentor)

    assert list(GroupSession.objects.values_list("program__slug", flat=True)) == ["alpha"]


def test_a_session_across_the_clock_change_ends_after_its_real_duration(personas):
    # 01:00 in Paris is 00:00 UTC; at 02:00 the clocks jump to 03:00, so three hours later they show 05:00.
    session = create_session(
        personas.program,
        personas.mentor,
        starts_at=datetime(2027, 3, 28, 1, 0, tzinfo=PARIS),
        duration=timedelta(hours=3),
    )

    assert reloaded(session).ends_at == datetime(2027, 3, 28, 3, 0, tzinfo=UTC)
    assert reloaded(session).ends_at.astimezone(PARIS).hour == 5


def test_the_decision_time_does_not_depend_on_the_zone_the_start_was_given_in(personas):
    starts = datetime(2027, 3, 28, 10, 0, tzinfo=PARIS)
    in_paris = create_session(personas.program, personas.mentor, starts_at=starts)
    in_utc = create_session(personas.program, personas.mentor, starts_at=starts.astimezone(UTC))

    assert reloaded(in_paris).decide_at == reloaded(in_utc).decide_at


def test_a_session_that_is_already_over_is_not_decided_after_the_fact(personas):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, min_participants=5)
    late = session.ends_at + timedelta(minutes=1)

    assert services.session_decide(session_id=session.pk, now=late) is None
    assert services.sessions_decide_due(now=late) == {"confirmed": 0, "cancelled": 0}
    session.refresh_from_db()
    assert session.status == GroupSession.Status.SCHEDULED
