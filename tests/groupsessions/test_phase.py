"""Where a session stands at a given instant: GroupSession.phase(now) and state_at(now).

Every boundary is checked on both sides with fixed instants (no clock is read), so an
off-by-one (`>` for `>=`) or a wall-clock sum across a daylight-saving change shows up here.
"""

from datetime import UTC, datetime, timedelta

import pytest

from mentorcircle.groupsessions import selectors, services
from mentorcircle.groupsessions.models import GroupSession, Participant, Phase
from mentorcircle.programs.models import Program
from tests.groupsessions.conftest import NOW, PARIS, STARTS, add_members, create_session

Status = GroupSession.Status
ONE_SECOND = timedelta(seconds=1)
ONE_MICROSECOND = timedelta(microseconds=1)
HOUR = timedelta(hours=1)
ENDS = STARTS + HOUR
OPENS = STARTS - timedelta(minutes=10)  # the program's default "Participants may join the call"


def a_session(
    *,
    starts_at: datetime = STARTS,
    duration: timedelta = HOUR,
    join_minutes_before: int = 10,
    status: str = Status.SCHEDULED,
    call_ended_at: datetime | None = None,
    min_participants: int = 1,
    max_participants: int = 40,
) -> GroupSession:
    """An unsaved session of an unsaved program: phase and state_at need no database."""
    program = Program(name="Alpha", slug="alpha", join_minutes_before=join_minutes_before)
    return GroupSession(
        program=program,
        title="Negotiating your first salary",
        description="We practise real offers.",
        starts_at=starts_at,
        duration=duration,
        ends_at=starts_at + duration,
        decide_at=starts_at - timedelta(hours=24),
        status=status,
        call_ended_at=call_ended_at,
        min_participants=min_participants,
        max_participants=max_participants,
    )


# ---- The phases, at their boundaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (NOW, Phase.UPCOMING),
        (OPENS - ONE_SECOND, Phase.UPCOMING),
        (OPENS - ONE_MICROSECOND, Phase.UPCOMING),
        (OPENS, Phase.JOINABLE),
        (STARTS - ONE_MICROSECOND, Phase.JOINABLE),
        (STARTS, Phase.LIVE),
        (ENDS - ONE_MICROSECOND, Phase.LIVE),
        (ENDS, Phase.ENDED),
        (ENDS + timedelta(days=400), Phase.ENDED),
    ],
    ids=[
        "a week before",
        "one second before the call opens",
        "a microsecond before the call opens",
        "the call opens",
        "a microsecond before the start",
        "the start",
        "a microsecond before the end",
        "the end",
        "a year later",
    ],
)
def test_a_session_moves_through_its_phases_at_exact_instants(instant, expected):
    assert a_session().phase(instant) == expected


def test_the_session_is_upcoming_one_second_before_the_call_opens():
    state = a_session().state_at(OPENS - ONE_SECOND, seats_taken=1)

    assert state.phase == Phase.UPCOMING
    assert not state.phase.call_open
    assert state.phase.accepts_registrations
    assert state.phase.can_leave


def test_the_call_opens_ten_minutes_before_the_start():
    session = a_session()
    state = session.state_at(OPENS, seats_taken=1)

    assert session.join_opens_at == state.join_opens_at == datetime(2027, 3, 8, 8, 50, tzinfo=UTC)
    assert state.phase == Phase.JOINABLE
    assert state.phase.call_open
    assert state.phase.can_leave  # seats are still given back until the start
    assert state.phase.can_invite


def test_the_session_is_live_exactly_at_its_start():
    state = a_session().state_at(STARTS, seats_taken=1)

    assert state.phase == Phase.LIVE
    assert state.phase.call_open
    assert state.phase.accepts_registrations  # a free seat can still be taken
    assert not state.phase.can_leave
    assert not state.phase.can_invite
    assert state.phase.can_change


def test_the_session_is_over_exactly_at_its_end():
    state = a_session().state_at(ENDS, seats_taken=1)

    assert state.phase == Phase.ENDED
    assert state.phase.is_over
    assert not state.phase.call_open
    assert not state.phase.accepts_registrations
    assert not state.phase.can_change


@pytest.mark.parametrize(
    "instant",
    [NOW, OPENS, STARTS, STARTS + timedelta(minutes=30), ENDS, ENDS + timedelta(days=30)],
    ids=["upcoming", "call opens", "start", "midway", "end", "a month later"],
)
def test_a_cancelled_session_is_cancelled_whatever_the_time(instant):
    session = a_session(status=Status.CANCELLED)
    state = session.state_at(instant, seats_taken=5)

    assert state.phase == Phase.CANCELLED
    assert state.phase.is_cancelled
    assert not state.phase.is_over
    assert not state.phase.call_open
    assert not state.phase.accepts_registrations
    assert not state.phase.can_change
    assert not state.awaits_quorum


def test_a_cancelled_session_whose_call_was_ended_is_still_cancelled():
    session = a_session(status=Status.CANCELLED, call_ended_at=STARTS + timedelta(minutes=5))

    assert session.phase(STARTS + timedelta(minutes=10)) == Phase.CANCELLED


def test_a_confirmed_session_runs_through_the_same_phases():
    session = a_session(status=Status.CONFIRMED)

    assert [session.phase(t) for t in (OPENS - ONE_SECOND, OPENS, STARTS, ENDS)] == [
        Phase.UPCOMING,
        Phase.JOINABLE,
        Phase.LIVE,
        Phase.ENDED,
    ]


def test_a_call_ended_by_the_video_service_ends_the_session_before_its_scheduled_end():
    ended = STARTS + timedelta(minutes=35)
    session = a_session(call_ended_at=ended)

    assert session.phase(ended) == Phase.ENDED
    assert session.phase(ended + ONE_SECOND) == Phase.ENDED
    assert session.phase(ENDS - ONE_SECOND) == Phase.ENDED
    state = session.state_at(ended, seats_taken=1)
    assert not state.phase.call_open
    assert not state.phase.accepts_registrations


# ---- The program's "Participants may join the call" ---------------------------------------------


@pytest.mark.parametrize(
    ("join_minutes_before", "instant", "expected"),
    [
        (0, STARTS - timedelta(minutes=10), Phase.UPCOMING),
        (0, STARTS - ONE_SECOND, Phase.UPCOMING),
        (0, STARTS, Phase.LIVE),
        (30, STARTS - timedelta(minutes=30) - ONE_SECOND, Phase.UPCOMING),
        (30, STARTS - timedelta(minutes=30), Phase.JOINABLE),
        (30, STARTS - timedelta(minutes=10), Phase.JOINABLE),
        (30, STARTS - ONE_SECOND, Phase.JOINABLE),
        (30, STARTS, Phase.LIVE),
        (120, STARTS - timedelta(hours=2), Phase.JOINABLE),
        (120, STARTS - timedelta(hours=2) - ONE_SECOND, Phase.UPCOMING),
    ],
)
def test_the_call_opens_as_many_minutes_before_the_start_as_the_program_says(
    join_minutes_before, instant, expected
):
    session = a_session(join_minutes_before=join_minutes_before)

    assert session.join_opens_at == STARTS - timedelta(minutes=join_minutes_before)
    assert session.phase(instant) == expected


def test_with_no_early_joining_the_call_opens_exactly_at_the_start():
    session = a_session(join_minutes_before=0)
    instants = [STARTS - timedelta(minutes=m) for m in range(60, 0, -1)]

    assert Phase.JOINABLE not in {session.phase(t) for t in instants}
    assert session.state_at(STARTS, seats_taken=1).join_opens_at == STARTS
    assert session.phase(STARTS).call_open


def test_the_program_setting_is_read_from_the_database(personas):
    personas.program.join_minutes_before = 30
    personas.program.save()
    session = create_session(personas.program, personas.mentor)

    reloaded = GroupSession.objects.select_related("program").get(pk=session.pk)
    assert reloaded.join_opens_at == STARTS - timedelta(minutes=30)
    assert reloaded.phase(STARTS - timedelta(minutes=30)) == Phase.JOINABLE
    assert reloaded.phase(STARTS - timedelta(minutes=30) - ONE_SECOND) == Phase.UPCOMING


# ---- Seat figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minimum", "maximum", "seats", "spots_left", "more_needed", "awaits_quorum"),
    [
        (3, 10, 1, 9, 2, True),  # only the host
        (3, 10, 2, 8, 1, True),
        (3, 10, 3, 7, 0, False),  # the minimum is reached
        (3, 10, 10, 0, 0, False),  # full
        (3, 10, 12, 0, 0, False),  # over-full (data from elsewhere): never a negative figure
        (1, 2, 1, 1, 0, False),  # a minimum of 1 is met by the host alone
        (5, 5, 0, 5, 5, True),
    ],
)
def test_spots_left_and_more_needed_follow_the_seat_count(
    minimum, maximum, seats, spots_left, more_needed, awaits_quorum
):
    session = a_session(min_participants=minimum, max_participants=maximum)
    state = session.state_at(NOW, seats_taken=seats)

    assert state.seats_taken == seats
    assert state.spots_left == spots_left
    assert state.more_needed == more_needed
    assert state.awaits_quorum is awaits_quorum
    assert state.confirmed is False


def test_a_confirmed_session_no_longer_awaits_its_quorum_even_if_people_left():
    state = a_session(status=Status.CONFIRMED, min_participants=4).state_at(NOW, seats_taken=2)

    assert state.confirmed is True
    assert state.more_needed == 2
    assert state.awaits_quorum is False


@pytest.mark.parametrize(
    ("instant", "awaits"),
    [(OPENS, True), (STARTS, True), (ENDS - ONE_SECOND, True), (ENDS, False)],
    ids=["joinable", "live", "last second", "ended"],
)
def test_a_short_session_awaits_its_quorum_until_it_ends(instant, awaits):
    state = a_session(min_participants=4).state_at(instant, seats_taken=2)

    assert state.awaits_quorum is awaits


def test_a_session_whose_call_was_ended_no_longer_awaits_its_quorum():
    session = a_session(min_participants=4, call_ended_at=STARTS + timedelta(minutes=5))

    assert session.state_at(STARTS + timedelta(minutes=5), seats_taken=2).awaits_quorum is False


def test_seats_are_counted_from_the_database_host_and_registered_only(personas):
    session = create_session(personas.program, personas.mentor, min_participants=3, max_participants=3)
    first, second, waiting, leaving = add_members(personas.program, 4)
    invited = add_members(personas.program, 1)[0]
    services.participant_join(session=session, user=first, now=NOW)
    services.participant_join(session=session, user=leaving, now=NOW)
    services.participant_leave(session=session, user=leaving, now=NOW)
    services.participant_join(session=session, user=second, now=NOW)
    services.participant_join(session=session, user=waiting, now=NOW)
    services.session_invite(
        session=session, actor=personas.mentor, invitees=services.Invitees(people=(invited,)), now=NOW
    )
    assert Participant.objects.get(session=session, user=waiting).status == Participant.Status.WAITLISTED

    counted = GroupSession.objects.get(pk=session.pk).state_at(NOW)
    annotated = selectors.with_counts(GroupSession.objects.filter(pk=session.pk)).get().state_at(NOW)

    for state in (counted, annotated):
        assert (state.seats_taken, state.spots_left, state.more_needed) == (3, 0, 0)
        assert not state.awaits_quorum


def test_a_given_seat_count_is_used_as_given(personas):
    session = create_session(personas.program, personas.mentor, min_participants=3, max_participants=10)

    assert session.state_at(NOW, seats_taken=7).spots_left == 3
    assert session.state_at(NOW).spots_left == 9  # counted: the host alone


# ---- Daylight saving time -------------------------------------------------------------------------
# Europe/Paris: on Sunday 28 March 2027 clocks go from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2);
# on Sunday 31 October 2027 from 03:00 CEST back to 02:00 CET.


def test_a_session_on_the_morning_clocks_go_forward_opens_its_call_at_ten_to_ten_paris_time(personas):
    session = create_session(
        personas.program, personas.mentor, starts_at=datetime(2027, 3, 28, 10, 0, tzinfo=PARIS)
    )
    session = GroupSession.objects.select_related("program").get(pk=session.pk)

    assert session.starts_at == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert session.join_opens_at == datetime(2027, 3, 28, 7, 50, tzinfo=UTC)
    assert session.join_opens_at.astimezone(PARIS).strftime("%H:%M %Z") == "09:50 CEST"
    assert session.phase(datetime(2027, 3, 28, 7, 49, 59, tzinfo=UTC)) == Phase.UPCOMING
    assert session.phase(datetime(2027, 3, 28, 7, 50, tzinfo=UTC)) == Phase.JOINABLE
    assert session.phase(datetime(2027, 3, 28, 8, 0, tzinfo=UTC)) == Phase.LIVE
    assert session.phase(datetime(2027, 3, 28, 9, 0, tzinfo=UTC)) == Phase.ENDED


def test_a_two_hour_session_over_the_spring_change_lasts_two_real_hours(personas):
    # 01:30 CET is 00:30 UTC; two hours later it is 02:30 UTC, which Paris calls 04:30 CEST
    # (a wall-clock sum would say 03:30, an hour early).
    session = create_session(
        personas.program,
        personas.mentor,
        starts_at=datetime(2027, 3, 28, 1, 30, tzinfo=PARIS),
        duration=timedelta(hours=2),
    )
    session = GroupSession.objects.select_related("program").get(pk=session.pk)

    assert session.starts_at == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert session.ends_at == datetime(2027, 3, 28, 2, 30, tzinfo=UTC)
    assert session.ends_at.astimezone(PARIS).strftime("%H:%M %Z") == "04:30 CEST"
    assert session.ends_at - session.starts_at == timedelta(hours=2)
    assert session.phase(datetime(2027, 3, 28, 1, 30, tzinfo=UTC)) == Phase.LIVE  # 03:30 CEST
    assert session.phase(datetime(2027, 3, 28, 2, 29, 59, tzinfo=UTC)) == Phase.LIVE
    assert session.phase(datetime(2027, 3, 28, 2, 30, tzinfo=UTC)) == Phase.ENDED


def test_the_call_of_a_session_just_after_the_spring_change_opens_ten_real_minutes_before(personas):
    # 03:05 CEST is 01:05 UTC; ten minutes earlier is 00:55 UTC, which Paris calls 01:55 CET.
    session = create_session(
        personas.program, personas.mentor, starts_at=datetime(2027, 3, 28, 3, 5, tzinfo=PARIS)
    )
    session = GroupSession.objects.select_related("program").get(pk=session.pk)

    assert session.join_opens_at == datetime(2027, 3, 28, 0, 55, tzinfo=UTC)
    assert session.join_opens_at.astimezone(PARIS).strftime("%H:%M %Z") == "01:55 CET"
    assert session.phase(datetime(2027, 3, 28, 0, 54, 59, tzinfo=UTC)) == Phase.UPCOMING
    assert session.phase(datetime(2027, 3, 28, 0, 55, tzinfo=UTC)) == Phase.JOINABLE


def test_a_two_hour_session_over_the_autumn_change_lasts_two_real_hours(personas):
    # 01:30 CEST is 23:30 UTC the day before; two hours later it is 01:30 UTC, 02:30 CET.
    session = create_session(
        personas.program,
        personas.mentor,
        starts_at=datetime(2027, 10, 31, 1, 30, tzinfo=PARIS),
        duration=timedelta(hours=2),
    )
    session = GroupSession.objects.select_related("program").get(pk=session.pk)

    assert session.starts_at == datetime(2027, 10, 30, 23, 30, tzinfo=UTC)
    assert session.ends_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert session.ends_at.astimezone(PARIS).strftime("%H:%M %Z") == "02:30 CET"
    assert session.phase(datetime(2027, 10, 31, 1, 29, 59, tzinfo=UTC)) == Phase.LIVE
    assert session.phase(datetime(2027, 10, 31, 1, 30, tzinfo=UTC)) == Phase.ENDED


def test_phase_compares_instants_whatever_zone_now_is_given_in():
    session = a_session(starts_at=datetime(2027, 3, 28, 8, 0, tzinfo=UTC))

    assert session.phase(datetime(2027, 3, 28, 9, 49, 59, tzinfo=PARIS)) == Phase.UPCOMING
    assert session.phase(datetime(2027, 3, 28, 9, 50, tzinfo=PARIS)) == Phase.JOINABLE
    assert session.phase(datetime(2027, 3, 28, 10, 0, tzinfo=PARIS)) == Phase.LIVE
    assert session.phase(datetime(2027, 3, 28, 11, 0, tzinfo=PARIS)) == Phase.ENDED
