"""Manager > Reports: each figure against a small program whose right answers were worked out by
hand, the filters, the tables, the chart, who may see the page, and what it costs in queries."""

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import report_views, reports, services
from mentorcircle.groupsessions.forms import ReportFilterForm
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant
from mentorcircle.groupsessions.reports import Period, ReportFilters
from mentorcircle.programs.models import Membership
from tests.core.test_security import inline_code
from tests.factories import CohortFactory, MembershipFactory, TagFactory, UserFactory
from tests.groupsessions.conftest import create_session
from tests.helpers import field_errors, page_text

Status = Participant.Status
# A Monday noon; in the program's zone (Europe/Paris) it is 13:00 the same day.
NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
TODAY = date(2027, 3, 15)
CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # every session is scheduled then


# ---- The hand-built program ------------------------------------------------------------------
#
# Program "Alpha Mentoring", time zone Europe/Paris. People (besides the personas):
#   cohort North: A, B, C, D, I     cohort South: E, F, G, H, J     tag Design: A, E
#   I and J never register for anything. Theo Mentor (mentor) and Maria Manager host.
#
# S1 1 Mar 2027 10:00 UTC, Theo, 60 min, max 4 (the host + 3 seats). A, B, C register (full);
#    D joins the waitlist; B leaves, so D is promoted; E joins the waitlist and stays there.
#    Held. Theo (the host) came, 60 min reported; A came, 50 min reported; C came, nothing
#    reported; D did not come. Ratings: A 5, C 4.
# S2 8 Mar 2027 18:00 UTC, Maria, 90 min, max 10. E, F, Mina register. Held. E came (80 min
#    reported); F was marked present afterwards by the manager (nothing reported); Mina did
#    not come. Rating: E 3.
# S3 10 Mar 2027, Theo, minimum 4, max 10. G registers. Cancelled by the platform at its
#    decision time (2 of 4 seats taken).
# S4 12 Mar 2027, Theo, max 10. H registers. Cancelled by Theo.
# S5 20 Mar 2027 (after NOW), Maria, max 5. A, F register. Still to come.
# S6 10 Nov 2026 10:00 UTC, Theo, 60 min, max 5. B registers and came. Rating: B 4.
# S7 31 Dec 2026 23:30 UTC = 1 Jan 2027 00:30 in Paris, Theo, 60 min, max 6. C registers
#    and came. Rating: C 5. (In the program's zone it is this year's first session.)


@dataclass
class Built:
    program: object
    manager: User
    mentor: User
    mentee: User
    people: dict[str, User]
    sessions: dict[str, GroupSession]
    north: object
    south: object
    design: object


def _seat(session: GroupSession, user: User) -> Participant:
    return Participant.objects.get(session=session, user=user)


def _come(session: GroupSession, *users: User) -> None:
    during = session.starts_at + timedelta(minutes=5)
    for user in users:
        services.participant_enter_call(participant=_seat(session, user), now=during)


def _rate(session: GroupSession, user: User, rating: int) -> None:
    services.feedback_give(
        participant=_seat(session, user), rating=rating, now=session.ends_at + timedelta(hours=1)
    )


@pytest.fixture
def built(personas) -> Built:
    program = personas.program
    program.time_zone = "Europe/Paris"
    program.save()
    north = CohortFactory(program=program, name="North")
    south = CohortFactory(program=program, name="South")
    design = TagFactory(program=program, name="Design")
    people = {}
    for letter in "ABCDEFGHIJ":
        membership = MembershipFactory(
            program=program, role=Membership.Role.MENTEE, user=UserFactory(full_name=f"Person {letter}")
        )
        membership.cohorts.add(north if letter in "ABCDI" else south)
        if letter in "AE":
            membership.tags.add(design)
        people[letter] = membership.user
    p = people
    theo, maria = personas.mentor, personas.manager

    def session(host: User, starts: datetime, **changes) -> GroupSession:
        return create_session(program, host, now=CREATED, starts_at=starts, **changes)

    def join(s: GroupSession, *users: User) -> None:
        for user in users:
            services.participant_join(session=s, user=user, now=CREATED + timedelta(hours=1))

    s1 = session(theo, datetime(2027, 3, 1, 10, 0, tzinfo=UTC), title="S1 Salary talks", max_participants=4)
    join(s1, p["A"], p["B"], p["C"], p["D"])
    services.participant_leave(session=s1, user=p["B"], now=CREATED + timedelta(days=1))
    join(s1, p["E"])
    _come(s1, theo, p["A"], p["C"])
    services.participants_record_minutes(
        session_id=s1.pk, minutes={str(_seat(s1, theo).pk): 60, str(_seat(s1, p["A"]).pk): 50}
    )
    _rate(s1, p["A"], 5)
    _rate(s1, p["C"], 4)

    s2 = session(
        maria,
        datetime(2027, 3, 8, 18, 0, tzinfo=UTC),
        title="S2 Portfolio review",
        duration=timedelta(minutes=90),
        max_participants=10,
    )
    join(s2, p["E"], p["F"], personas.mentee)
    _come(s2, p["E"])
    services.participants_record_minutes(session_id=s2.pk, minutes={str(_seat(s2, p["E"]).pk): 80})
    services.attendance_update(
        session=s2,
        actor=maria,
        attended_ids=[_seat(s2, p["E"]).pk, _seat(s2, p["F"]).pk],
        now=s2.ends_at + timedelta(minutes=5),
    )
    _rate(s2, p["E"], 3)

    s3 = session(
        theo,
        datetime(2027, 3, 10, 10, 0, tzinfo=UTC),
        title="S3 Too few",
        min_participants=4,
        max_participants=10,
    )
    join(s3, p["G"])
    s3.refresh_from_db()
    assert services.session_decide(session_id=s3.pk, now=s3.decide_at) == GroupSession.Status.CANCELLED

    s4 = session(theo, datetime(2027, 3, 12, 10, 0, tzinfo=UTC), title="S4 Host away", max_participants=10)
    join(s4, p["H"])
    services.session_cancel(session=s4, actor=theo, reason="I am ill", now=CREATED + timedelta(days=2))

    s5 = session(maria, datetime(2027, 3, 20, 10, 0, tzinfo=UTC), title="S5 Coming up", max_participants=5)
    join(s5, p["A"], p["F"])

    s6 = session(theo, datetime(2026, 11, 10, 10, 0, tzinfo=UTC), title="S6 Autumn", max_participants=5)
    join(s6, p["B"])
    _come(s6, p["B"])
    _rate(s6, p["B"], 4)

    s7 = session(theo, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), title="S7 New year", max_participants=6)
    join(s7, p["C"])
    _come(s7, p["C"])
    _rate(s7, p["C"], 5)

    sessions = {"S1": s1, "S2": s2, "S3": s3, "S4": s4, "S5": s5, "S6": s6, "S7": s7}
    for s in sessions.values():
        s.refresh_from_db()
    return Built(
        program=program,
        manager=maria,
        mentor=theo,
        mentee=personas.mentee,
        people=people,
        sessions=sessions,
        north=north,
        south=south,
        design=design,
    )


def filters_for(built: Built, **query) -> ReportFilters:
    form = ReportFilterForm({key: str(value) for key, value in query.items()}, program=built.program)
    form.is_valid()
    return form.filters(today=TODAY)


def figures_for(built: Built, **query) -> reports.Figures:
    return reports.figures(filters_for(built, **query), now=NOW)


def titles(sessions) -> list[str]:
    return [s.title.split()[0] for s in sessions]


# ---- What the data model records for reports -------------------------------------------------


def test_a_promotion_is_recorded_and_a_cancellation_names_who_made_it(built):
    s1, s3, s4 = built.sessions["S1"], built.sessions["S3"], built.sessions["S4"]

    promoted = _seat(s1, built.people["D"])
    waiting = _seat(s1, built.people["E"])

    assert promoted.status == Status.REGISTERED
    assert promoted.promoted_at == CREATED + timedelta(days=1)
    assert promoted.waitlisted_at is None
    assert waiting.promoted_at is None
    assert s3.cancelled_by is None
    assert s3.cancel_reason == services.NOT_ENOUGH_PARTICIPANTS
    assert s4.cancelled_by == built.mentor


# ---- Headline figures, all time ----------------------------------------------------------------


def test_headline_figures_of_the_whole_history(built):
    figures = figures_for(built, period=Period.ALL)

    # S1–S7 all start in the range; held: S1, S2, S6, S7; S5 is still to come.
    assert figures.sessions == 7
    assert figures.held == 4
    assert figures.upcoming == 1
    # S3 by the platform (2 of the minimum 4), S4 by its host.
    assert (figures.cancelled, figures.cancelled_for_quorum, figures.cancelled_by_people) == (2, 1, 1)
    # Registered places in sessions held or to come: S1 A C D, S2 E F Mina, S5 A F, S6 B,
    # S7 C = 10 (B left S1; G and H were in cancelled sessions).
    assert figures.registrations == 10
    # Attended: A, C (S1), E, F (S2), B (S6), C (S7): 5 different people.
    assert figures.people == 5
    # Seats of held sessions: 4 + 10 + 5 + 6 = 25; taken with hosts: 4 + 4 + 2 + 2 = 12.
    assert (figures.seats_taken, figures.seats_offered) == (12, 25)
    assert figures.fill_rate == pytest.approx(12 / 25)  # 48%
    # Waitlisted in S1: D (promoted since) and E (still waiting).
    assert (figures.waitlisted, figures.promoted) == (2, 1)
    # Registered in held sessions: 3 + 3 + 1 + 1 = 8; attended 6; no-shows D and Mina.
    assert (figures.attended, figures.registered_held, figures.no_shows) == (6, 8, 2)
    assert figures.attendance_rate == pytest.approx(0.75)
    assert figures.no_show_rate == pytest.approx(0.25)
    # Ratings 5, 4 (S1), 3 (S2), 4 (S6), 5 (S7): 21 / 5.
    assert figures.ratings == 5
    assert figures.average_rating == pytest.approx(4.2)
    # Minutes: A 50 reported + C 60 (S1's duration) + E 80 reported + F 90 (S2's duration)
    # + B 60 + C 60 = 400; the host's 60 reported minutes in S1 do not count.
    assert figures.minutes == 400
    assert figures.hours == pytest.approx(400 / 60)


def test_a_program_without_sessions_has_zeros_and_no_rates(personas):
    form = ReportFilterForm({}, program=personas.program)
    form.is_valid()

    figures = reports.figures(form.filters(today=TODAY), now=NOW)

    assert (figures.sessions, figures.held, figures.registrations, figures.minutes) == (0, 0, 0, 0)
    assert figures.fill_rate is None
    assert figures.attendance_rate is None
    assert figures.no_show_rate is None
    assert figures.average_rating is None


# ---- Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "start", "end", "expected"),
    [
        # 14 Feb to 15 Mar 2027: S1–S4 (S5, on 20 Mar, is after today).
        (Period.LAST_30, date(2027, 2, 14), date(2027, 3, 15), ["S1", "S2", "S3", "S4"]),
        # From 16 Dec 2026: S7 too; S6 (10 Nov) is out.
        (Period.LAST_90, date(2026, 12, 16), date(2027, 3, 15), ["S7", "S1", "S2", "S3", "S4"]),
        # 2027 in Paris: S7 (31 Dec 2026 23:30 UTC is 1 Jan 00:30 there) and S5 to come.
        (Period.THIS_YEAR, date(2027, 1, 1), date(2027, 12, 31), ["S7", "S1", "S2", "S3", "S4", "S5"]),
        (Period.ALL, None, None, ["S6", "S7", "S1", "S2", "S3", "S4", "S5"]),
    ],
)
def test_each_preset_period_ends_today_in_the_programs_zone(built, period, start, end, expected):
    filters = filters_for(built, period=period)

    assert (filters.start, filters.end) == (start, end)
    assert titles(reports.sessions_in(filters).order_by("starts_at")) == expected


def test_the_default_period_is_the_last_90_days_and_days_alone_make_a_custom_one(built):
    assert (filters_for(built).start, filters_for(built).end) == (date(2026, 12, 16), TODAY)

    custom = filters_for(built, start="2027-03-01", end="2027-03-07")

    assert (custom.start, custom.end) == (date(2027, 3, 1), date(2027, 3, 7))


def test_the_days_of_a_custom_range_are_both_included(built):
    week = filters_for(built, period=Period.CUSTOM, start="2027-03-01", end="2027-03-08")
    first_day = filters_for(built, period=Period.CUSTOM, start="2027-03-01", end="2027-03-07")
    new_year = filters_for(built, period=Period.CUSTOM, start="2027-01-01", end="2027-01-01")

    assert titles(reports.sessions_in(week)) == ["S1", "S2"]
    assert titles(reports.sessions_in(first_day)) == ["S1"]
    assert titles(reports.sessions_in(new_year)) == ["S7"]  # 1 Jan in Paris, 31 Dec in UTC
    figures = reports.figures(week, now=NOW)
    # S1 and S2: 6 registered, 4 came (A, C, E, F), 50 + 60 + 80 + 90 minutes.
    assert (figures.held, figures.registered_held, figures.attended, figures.minutes) == (2, 6, 4, 280)


def test_a_range_that_ends_before_it_starts_is_refused_and_its_end_left_out(built):
    form = ReportFilterForm(
        {"period": Period.CUSTOM, "start": "2027-03-10", "end": "2027-03-01"}, program=built.program
    )

    assert not form.is_valid()
    assert form.errors["end"] == ["Choose a day on or after the first day."]
    filters = form.filters(today=TODAY)
    assert (filters.start, filters.end) == (date(2027, 3, 10), None)
    figures = reports.figures(filters, now=NOW)
    # From 10 Mar on: S3, S4 (cancelled) and S5 (to come).
    assert (figures.sessions, figures.held, figures.cancelled, figures.upcoming) == (3, 0, 2, 1)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "week"}, "period", "Select a valid choice. week is not one of the available choices."),
        ({"period": "custom", "start": "2027-02-30"}, "start", "Enter a valid date."),
        ({"period": "custom", "start": "9999-12-31"}, "start", "Choose a day from the year 2000 to 2999."),
        (
            {"cohort": "x"},
            "cohort",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            {"host": "99999999"},
            "host",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_a_filter_that_does_not_validate_is_left_out(built, query, field, message):
    form = ReportFilterForm(query, program=built.program)

    assert not form.is_valid()
    assert form.errors[field] == [message]
    filters = form.filters(today=TODAY)
    assert filters.cohort is None
    assert filters.host is None


def test_another_programs_cohort_tag_or_host_is_not_a_choice(built, personas):
    other_cohort = CohortFactory(program=personas.other_program)
    other_tag = TagFactory(program=personas.other_program)
    create_session(personas.other_program, personas.other_manager, now=CREATED)
    form = ReportFilterForm(
        {"cohort": other_cohort.pk, "tag": other_tag.pk, "host": personas.other_manager.pk},
        program=built.program,
    )

    assert not form.is_valid()
    assert set(form.errors) == {"cohort", "tag", "host"}


def test_a_cohort_counts_its_members_in_the_sessions_they_registered_for(built):
    figures = figures_for(built, period=Period.ALL, cohort=built.north.pk)

    # North (A, B, C, D, I) had places in S1, S5, S6 and S7; held: S1, S6, S7.
    assert (figures.sessions, figures.held, figures.cancelled, figures.upcoming) == (4, 3, 0, 1)
    # Seats count the whole session: 4 + 2 + 2 of 4 + 5 + 6.
    assert (figures.seats_taken, figures.seats_offered) == (8, 15)
    # North's places only: S1 A C D, S5 A, S6 B, S7 C; D was promoted (E is South).
    assert figures.registrations == 6
    assert (figures.waitlisted, figures.promoted) == (1, 1)
    # Registered in held sessions: A C D, B, C = 5; came: A, C, B, C; D did not.
    assert (figures.attended, figures.registered_held, figures.people) == (4, 5, 3)
    # Ratings 5, 4, 4, 5.
    assert (figures.ratings, figures.average_rating) == (4, pytest.approx(4.5))
    assert figures.minutes == 50 + 60 + 60 + 60


def test_a_tag_counts_its_members_only(built):
    figures = figures_for(built, period=Period.ALL, tag=built.design.pk)

    # Design (A, E): S1 (A; E waiting), S2 (E), S5 (A).
    assert (figures.sessions, figures.held, figures.upcoming) == (3, 2, 1)
    assert figures.registrations == 3  # A in S1, E in S2, A in S5
    assert (figures.waitlisted, figures.promoted) == (1, 0)  # E, still waiting in S1
    assert (figures.attended, figures.registered_held, figures.people) == (2, 2, 2)
    assert (figures.ratings, figures.average_rating) == (2, pytest.approx(4.0))  # 5 and 3
    assert figures.minutes == 50 + 80


def test_cohort_and_tag_together_narrow_to_members_of_both(built):
    figures = figures_for(built, period=Period.ALL, cohort=built.north.pk, tag=built.design.pk)

    # Only A: S1 (came, 50 minutes) and S5.
    assert (figures.sessions, figures.held, figures.registrations, figures.people, figures.minutes) == (
        2,
        1,
        2,
        1,
        50,
    )


def test_a_host_narrows_to_their_sessions(built):
    figures = figures_for(built, period=Period.ALL, host=built.manager.pk)

    # Maria hosts S2 (held) and S5 (to come).
    assert (figures.sessions, figures.held, figures.upcoming, figures.cancelled) == (2, 1, 1, 0)
    assert figures.registrations == 5  # E, F, Mina; A, F
    assert (figures.attended, figures.registered_held) == (2, 3)
    assert (figures.ratings, figures.average_rating, figures.minutes) == (1, 3.0, 170)
    assert figures.fill_rate == pytest.approx(4 / 10)


# ---- Reach -------------------------------------------------------------------------------------


def test_reach_per_cohort_and_tag_and_everyone(built):
    everyone, cohorts, tags = reports.reach(filters_for(built, period=Period.ALL), now=NOW)

    # Mentors and mentees: Theo, Mina and A–J = 12; attended as participants: A, B, C, E, F.
    assert (everyone.members, everyone.reached) == (12, 5)
    assert everyone.share == pytest.approx(5 / 12)
    assert [(r.name, r.members, r.reached) for r in cohorts] == [("North", 5, 3), ("South", 5, 2)]
    assert [(r.name, r.members, r.reached) for r in tags] == [("Design", 2, 2)]


def test_reach_with_a_cohort_lists_that_cohort_and_the_tags_of_its_members(built):
    everyone, cohorts, tags = reports.reach(
        filters_for(built, period=Period.ALL, cohort=built.north.pk), now=NOW
    )

    # North: A, B, C, D, I; attended: A, B, C. Of Design, only A is in North. South is not listed.
    assert (everyone.members, everyone.reached) == (5, 3)
    assert [(r.name, r.members, r.reached) for r in cohorts] == [("North", 5, 3)]
    assert [(r.name, r.members, r.reached) for r in tags] == [("Design", 1, 1)]


def test_reach_with_a_tag_lists_that_tag_and_only_the_cohorts_of_its_members(built):
    TagFactory(program=built.program, name="Empty")
    CohortFactory(program=built.program, name="West")  # nobody in it

    everyone, cohorts, tags = reports.reach(
        filters_for(built, period=Period.ALL, tag=built.design.pk), now=NOW
    )

    # Design: A (North) and E (South), both attended.
    assert (everyone.members, everyone.reached) == (2, 2)
    assert [(r.name, r.members, r.reached) for r in cohorts] == [("North", 1, 1), ("South", 1, 1)]
    assert [(r.name, r.members, r.reached) for r in tags] == [("Design", 2, 2)]


def test_reach_without_a_cohort_or_tag_lists_empty_groups_too(built):
    CohortFactory(program=built.program, name="West")

    _, cohorts, _ = reports.reach(filters_for(built, period=Period.ALL), now=NOW)

    assert [(r.name, r.members, r.reached) for r in cohorts] == [
        ("North", 5, 3),
        ("South", 5, 2),
        ("West", 0, 0),
    ]


def test_reach_follows_the_period(built):
    everyone, cohorts, _ = reports.reach(filters_for(built, period=Period.LAST_30), now=NOW)

    # S1 and S2 only: A, C (North), E, F (South).
    assert (everyone.members, everyone.reached) == (12, 4)
    assert [(r.name, r.reached) for r in cohorts] == [("North", 2), ("South", 2)]


def test_never_registered_lists_mentors_and_mentees_without_any_place(built):
    everyone = reports.never_registered(filters_for(built, period=Period.LAST_30))
    north = reports.never_registered(filters_for(built, cohort=built.north.pk))

    # Whatever the period: I and J. Theo hosted; Maria manages; G and H registered for
    # sessions that were then cancelled, which still counts.
    assert [m.user.full_name for m in everyone] == ["Person I", "Person J"]
    assert [m.user.full_name for m in north] == ["Person I"]


# ---- Tables --------------------------------------------------------------------------------------


def test_per_host_rows(built):
    rows = reports.host_rows(
        filters_for(built, period=Period.ALL),
        now=NOW,
        sort=reports.Sort.parse(None, keys=["held"], default="-held"),
    )

    theo, maria = rows
    assert theo.full_name == "Theo Mentor"
    # Theo: S1, S3, S4, S6, S7; held S1, S6, S7: seats 8 of 15; 4 of 5 came; ratings 5, 4, 4, 5.
    assert (theo.sessions, theo.held, theo.cancelled) == (5, 3, 2)
    assert (theo.seats_taken, theo.seats_offered, theo.attended, theo.registered) == (8, 15, 4, 5)
    assert (theo.ratings, theo.average_rating) == (4, 4.5)
    # Maria: S2 and S5; held S2: 4 of 10 seats; 2 of 3 came; one rating of 3.
    assert (maria.sessions, maria.held, maria.seats_taken, maria.seats_offered) == (2, 1, 4, 10)
    assert (maria.attendance_rate, maria.average_rating) == (pytest.approx(2 / 3), 3.0)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-held", ["Theo Mentor", "Maria Manager"]),
        ("held", ["Maria Manager", "Theo Mentor"]),
        ("host", ["Maria Manager", "Theo Mentor"]),
        ("rating", ["Maria Manager", "Theo Mentor"]),
        ("-fill", ["Theo Mentor", "Maria Manager"]),
        ("attendance", ["Maria Manager", "Theo Mentor"]),
        ("-nonsense", ["Theo Mentor", "Maria Manager"]),  # unknown: the default, most held first
    ],
)
def test_per_host_sorting(built, sort, expected):
    order = reports.Sort.parse(sort, keys=list(reports.HOST_SORTS), default=reports.HOST_SORT_DEFAULT)

    rows = reports.host_rows(filters_for(built, period=Period.ALL), now=NOW, sort=order)

    assert [row.full_name for row in rows] == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-date", ["S5", "S4", "S3", "S2", "S1", "S7", "S6"]),
        ("date", ["S6", "S7", "S1", "S2", "S3", "S4", "S5"]),
        ("title", ["S1", "S2", "S3", "S4", "S5", "S6", "S7"]),
        # Came: S1 2, S2 2, S6 1, S7 1, the rest 0; ties latest first.
        ("-attended", ["S2", "S1", "S7", "S6", "S5", "S4", "S3"]),
        # Ratings 3 (S2), 4 (S6), 4.5 (S1), 5 (S7); sessions without ratings last.
        ("rating", ["S2", "S6", "S1", "S7", "S5", "S4", "S3"]),
        ("-rating", ["S7", "S1", "S6", "S2", "S5", "S4", "S3"]),
        # Seats taken with the host: S1 4, S2 4, S3 2, S4 2, S5 3, S6 2, S7 2.
        ("-seats", ["S2", "S1", "S5", "S4", "S3", "S7", "S6"]),
        ("-waitlist", ["S1", "S5", "S4", "S3", "S2", "S7", "S6"]),
    ],
)
def test_per_session_sorting(built, sort, expected):
    order = reports.Sort.parse(sort, keys=list(reports.SESSION_SORTS), default=reports.SESSION_SORT_DEFAULT)

    assert titles(reports.session_list(filters_for(built, period=Period.ALL), sort=order)) == expected


def test_per_session_rows(built):
    filters = filters_for(built, period=Period.ALL)
    order = reports.Sort.parse(None, keys=list(reports.SESSION_SORTS), default="date")

    rows = {
        s.title.split()[0]: s
        for s in reports.session_rows(filters, reports.session_list(filters, sort=order), now=NOW)
    }

    s1 = rows["S1"]
    assert (s1.taken, s1.max_participants, s1.waiting, s1.came, s1.registered) == (4, 4, 1, 2, 3)
    assert (s1.ratings, s1.average) == (2, 4.5)
    assert {name: row.report_status for name, row in rows.items()} == {
        "S1": "Held",
        "S2": "Held",
        "S3": "Cancelled: too few",
        "S4": "Cancelled by the host",
        "S5": "Upcoming",
        "S6": "Held",
        "S7": "Held",
    }


def test_a_session_cancelled_by_a_manager_says_so(built):
    session = create_session(built.program, built.mentor, now=CREATED, starts_at=NOW + timedelta(days=3))
    services.session_cancel(session=session, actor=built.manager, reason="Room gone", now=CREATED)
    session.refresh_from_db()

    assert session.cancelled_by == built.manager
    assert reports.session_status(session, now=NOW) == "Cancelled by a manager"
    assert figures_for(built, period=Period.ALL).cancelled_by_people == 2


# ---- The chart's timeline --------------------------------------------------------------------------


def test_the_timeline_gathers_months_over_a_long_range(built):
    timeline = reports.timeline(filters_for(built, period=Period.ALL), now=NOW, today=TODAY)

    # From S6 (10 Nov 2026) to today, 125 days: by month. S7 falls in January in Paris.
    assert timeline.unit == reports.MONTH
    assert [(b.start, b.held, b.attended) for b in timeline.buckets] == [
        (date(2026, 11, 1), 1, 1),
        (date(2026, 12, 1), 0, 0),
        (date(2027, 1, 1), 1, 1),
        (date(2027, 2, 1), 0, 0),
        (date(2027, 3, 1), 2, 4),
    ]


def test_the_timeline_gathers_weeks_over_a_short_range(built):
    timeline = reports.timeline(filters_for(built, period=Period.LAST_30), now=NOW, today=TODAY)

    # 14 Feb (a Sunday) to 15 Mar: the weeks starting on Monday 8 Feb to Monday 15 Mar.
    assert timeline.unit == reports.WEEK
    assert [(b.start, b.held, b.attended) for b in timeline.buckets] == [
        (date(2027, 2, 8), 0, 0),
        (date(2027, 2, 15), 0, 0),
        (date(2027, 2, 22), 0, 0),
        (date(2027, 3, 1), 1, 2),
        (date(2027, 3, 8), 1, 2),
        (date(2027, 3, 15), 0, 0),
    ]


def test_the_timeline_of_a_cohort_counts_its_members_attendance(built):
    timeline = reports.timeline(
        filters_for(built, period=Period.CUSTOM, start="2027-03-01", end="2027-03-14", cohort=built.south.pk),
        now=NOW,
        today=TODAY,
    )

    # South's sessions there: S1 (E waited) and S2 (E and F came).
    assert [(b.start, b.held, b.attended) for b in timeline.buckets] == [
        (date(2027, 3, 1), 1, 0),
        (date(2027, 3, 8), 1, 2),
    ]


def test_a_period_still_to_come_has_an_empty_timeline(built):
    filters = filters_for(built, period=Period.CUSTOM, start="2027-03-20", end="2027-03-30")

    assert reports.timeline(filters, now=NOW, today=TODAY).buckets == []


# ---- The page ------------------------------------------------------------------------------------


def reports_url(**query) -> str:
    path = reverse("manage:reports", args=["alpha"])
    return f"{path}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else path


@pytest.fixture
def manager_client(client, built):
    with time_machine.travel(NOW, tick=False):
        client.force_login(built.manager)
        yield client


def stat(text: str, label: str) -> str:
    match = re.search(
        rf"<dt>{re.escape(label)}</dt><dd class=\"stat-value\">(.*?)</dd><dd class=\"stat-note\">(.*?)</dd>",
        text,
    )
    assert match, label
    return f"{match.group(1)} | {re.sub(r'<[^>]+>', '', match.group(2))}"


def test_the_page_shows_each_headline_figure(manager_client):
    text = page_text(manager_client.get(reports_url(period="all")))

    assert stat(text, "Sessions held") == "4 | 1 still to come"
    assert stat(text, "Cancelled") == "2 | 1 for want of participants, 1 by the host or a manager"
    assert stat(text, "Registrations") == "10 | seats taken in sessions held or to come (hosts not counted)"
    assert stat(text, "People who took part") == "5 | attended at least one session"
    assert stat(text, "Fill rate") == "48% | 12 of 25 seats of held sessions, hosts included"
    assert stat(text, "Waitlisted") == "2 | 1 moved up to a seat"
    assert stat(text, "Attendance rate") == "75% | 6 of 8 registered in held sessions came"
    assert stat(text, "No-show rate") == "25% | 2 registered and did not come"
    assert stat(text, "Average rating") == "4.2 | out of 5, from 5 ratings"
    assert (
        stat(text, "Hours of group mentoring")
        == "6.7 | each participant's time in held sessions (hosts not counted)"
    )
    assert "<strong>All sessions since the program began</strong>." in text
    assert "Days are read in the program's time zone (Europe/Paris)" in text


def test_the_filters_are_in_the_address_and_the_same_link_shows_the_same_report(manager_client, built):
    query = {"period": "custom", "start": "2027-03-01", "end": "2027-03-08", "cohort": built.south.pk}

    first = manager_client.get(reports_url(**query))
    share = re.search(r'data-copy="([^"]+)"', first.content.decode()).group(1)
    other_manager = MembershipFactory(program=built.program, role=Membership.Role.MANAGER).user
    manager_client.force_login(other_manager)
    again = manager_client.get(html.unescape(share).removeprefix("http://testserver"))

    assert html.unescape(share) == (
        f"http://testserver{reverse('manage:reports', args=['alpha'])}"
        f"?period=custom&start=2027-03-01&end=2027-03-08&cohort={built.south.pk}"
    )
    for response in (first, again):
        text = page_text(response)
        # South in S1 (E waiting) and S2 (E, F came; Mina is in no cohort).
        assert stat(text, "Sessions held") == "2 | 0 still to come"
        assert stat(text, "Attendance rate") == "100% | 2 of 2 registered in held sessions came"
        assert 'name="start" value="2027-03-01"' in text
        assert f'<option value="{built.south.pk}" selected>South</option>' in text
        assert "people of the cohort <strong>South</strong>" in text


def test_the_share_link_names_the_default_period(manager_client):
    text = page_text(manager_client.get(reports_url()))

    assert re.search(r'data-copy="[^"]+/reports/\?period=90d"', text)
    assert "<strong>Sessions starting between 16 Dec 2026 and 15 Mar 2027</strong>" in text


def test_a_bad_range_is_shown_beside_the_field(manager_client):
    response = manager_client.get(reports_url(period="custom", start="2027-03-10", end="2027-03-01"))

    assert response.status_code == 200
    assert field_errors(response, "end") == ["Choose a day on or after the first day."]
    # No figures until it is fixed: those of another period could be taken for the ones asked for.
    assert "Sessions starting on or after" not in page_text(response)
    assert "Fix the filters above to see the report." in page_text(response)


def headings(text: str, table: str) -> list[tuple[str, str]]:
    """(heading, href) of a table's column headings; the table is found by its section's id."""
    section = re.search(rf'id="{table}-title".*?</thead>', text, re.S).group(0)
    return [
        (re.sub(r"<[^>]+>|[▲▼]", "", cell).strip(), (re.search(r'href="([^"]*)"', cell) or [None, ""])[1])
        for cell in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", section, re.S)
    ]


def table_titles(text: str) -> list[str]:
    section = text[text.index('id="sessions-title"') : text.index('id="reach-title"')]
    return re.findall(r'<td class="title"><a href="[^"]+">(S\d)', section)


def test_the_session_table_sorts_by_a_column_and_keeps_the_filters(manager_client, built):
    text = page_text(manager_client.get(reports_url(period="all", host=built.mentor.pk, sessions_page="1")))

    links = dict(headings(text, "sessions"))
    assert links["Rating"] == f"?period=all&host={built.mentor.pk}&sessions_sort=-rating#by-session"
    # Now latest first.
    assert links["Date"] == f"?period=all&host={built.mentor.pk}&sessions_sort=date#by-session"
    assert links["Status"] == ""
    assert table_titles(text) == ["S4", "S3", "S1", "S7", "S6"]

    sorted_text = page_text(
        manager_client.get(links["Rating"].partition("#")[0].replace("?", reports_url() + "?"))
    )

    assert table_titles(sorted_text) == ["S7", "S1", "S6", "S4", "S3"]
    assert re.search(r'<th scope="col" aria-sort="descending" class="num"><a [^>]*>Rating', sorted_text)
    # Sorted by rating, its heading now turns the order round.
    assert dict(headings(sorted_text, "sessions"))["Rating"].endswith("sessions_sort=rating#by-session")


def test_both_tables_page_on_their_own(manager_client, monkeypatch):
    monkeypatch.setattr(report_views, "SESSIONS_PER_PAGE", 3)
    monkeypatch.setattr(report_views, "HOSTS_PER_PAGE", 1)

    first = page_text(manager_client.get(reports_url(period="all", sessions_sort="date")))
    second = page_text(
        manager_client.get(reports_url(period="all", sessions_sort="date", sessions_page=2, hosts_page=2))
    )

    assert table_titles(first) == ["S6", "S7", "S1"]
    assert table_titles(second) == ["S2", "S3", "S4"]
    assert '<a href="?period=all&sessions_sort=date&sessions_page=2#by-session">Next →</a>' in first
    sessions_next = "?period=all&sessions_sort=date&hosts_page=2&sessions_page=3#by-session"
    hosts_previous = "?period=all&sessions_sort=date&sessions_page=2&hosts_page=1#by-host"
    assert f'<a href="{sessions_next}">Next →</a>' in second
    assert f'<a href="{hosts_previous}">← Previous</a>' in second
    hosts = second[second.index('id="hosts-title"') : second.index('id="sessions-title"')]
    assert "Maria Manager" in hosts
    assert "Theo Mentor" not in hosts


def test_the_page_shows_reach_and_who_never_registered(manager_client, built):
    text = page_text(manager_client.get(reports_url(period="all")))

    reach = re.sub(r"<[^>]+>", "", text[text.index('id="reach-title"') : text.index('id="never-title"')])
    assert "Of 12 members (mentors and mentees), 5 (42%) attended at least one session" in reach
    assert re.search(r"North\s*5\s*3\s*60%", reach)
    assert re.search(r"South\s*5\s*2\s*40%", reach)
    assert re.search(r"Design\s*2\s*2\s*100%", reach)
    never = text[text.index('id="never-title"') : text.index('id="downloads"')]
    assert "<strong>2</strong> members (mentors and mentees) have never registered" in never
    assert built.people["I"].email in never
    assert built.people["J"].email in never
    assert built.people["A"].email not in never


def test_the_chart_is_svg_with_a_text_alternative(manager_client):
    text = page_text(manager_client.get(reports_url(period="all")))

    svg = re.search(r"<svg class=\"chart-svg\"[^>]*>(.*?)</svg>", text, re.S)
    assert svg
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in text
    assert '<title id="chart-title">Sessions held and places attended per month</title>' in svg.group(1)
    assert (
        '<desc id="chart-desc">Per month, from November 2026 to March 2027: 4 sessions held and 6 places '
        "attended in all. Most sessions: March 2027 (2).</desc>"
    ) in svg.group(1)
    assert svg.group(1).count('class="chart-bar"') == 10  # 5 months, 2 panels
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', text
    )
    assert rows == [
        ("November 2026", "1", "1"),
        ("December 2026", "0", "0"),
        ("January 2027", "1", "1"),
        ("February 2027", "0", "0"),
        ("March 2027", "2", "4"),
    ]


def test_an_empty_period_says_so(manager_client):
    text = page_text(manager_client.get(reports_url(period="custom", start="2027-06-01", end="2027-06-30")))

    assert "No session was held in this period." in text
    assert '<svg class="chart-svg"' not in text
    assert stat(text, "Fill rate") == "– | 0 of 0 seats of held sessions, hosts included"


def test_the_page_has_no_inline_code_and_links_the_csv_downloads(manager_client, built):
    response = manager_client.get(reports_url(period="30d", tag=built.design.pk, sessions_sort="title"))
    text = response.content.decode()

    assert inline_code(text) == []
    query = f"period=30d&amp;tag={built.design.pk}"
    for name in ("export_sessions", "export_participants", "export_members"):
        assert f'href="{reverse(f"manage:{name}", args=["alpha"])}?{query}"' in text
    assert 'aria-current="page">Reports</a>' in text


# ---- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "mentor", "mentee", "outsider", "other_manager"])
def test_only_the_programs_managers_see_its_reports(client, personas, persona):
    create_session(personas.program, personas.mentor, title="A session of Alpha")
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("manage:reports", args=["alpha"]) + "?period=all")

    text = page_text(response)
    if persona == "manager":
        assert response.status_code == 200
        assert "<h1>Reports</h1>" in text
        assert "A session of Alpha" in text
    else:  # the program's mentors and mentees too: nothing tells them the page exists
        assert response.status_code == 404
        assert "Alpha Mentoring" not in text
        assert "A session of Alpha" not in text


def test_a_manager_of_another_program_sees_only_their_own_programs_figures(client, personas):
    create_session(personas.program, personas.mentor, title="A session of Alpha")
    create_session(personas.other_program, personas.other_manager, title="A session of Beta")
    client.force_login(personas.other_manager)

    text = page_text(client.get(reverse("manage:reports", args=["beta"]) + "?period=all"))

    assert "A session of Beta" in text
    assert "A session of Alpha" not in text
    assert "Theo Mentor" not in text


# ---- What it costs -------------------------------------------------------------------------------


def bulk_program(program, host: User, people: list[User], count: int) -> None:
    """`count` sessions in the past (each with the host, every person registered and present,
    one rating) and one still to come, written in bulk."""
    start = NOW - timedelta(days=80)
    sessions = GroupSession.objects.bulk_create(
        GroupSession(
            program=program,
            host=host,
            title=f"Bulk {n:04d}",
            description="-",
            starts_at=start + timedelta(minutes=30 * n),
            duration=timedelta(minutes=20),
            ends_at=start + timedelta(minutes=30 * n + 20),
            decide_at=start + timedelta(minutes=30 * n) - timedelta(hours=24),
            status=GroupSession.Status.CANCELLED if n % 10 == 9 else GroupSession.Status.CONFIRMED,
        )
        for n in range(count)
    )
    rows = Participant.objects.bulk_create(
        [Participant(session=s, user=host, status=Status.HOST, attended=True) for s in sessions]
        + [
            Participant(session=s, user=person, status=Status.REGISTERED, attended=True, minutes_present=15)
            for s in sessions
            for person in people
        ]
    )
    Feedback.objects.bulk_create(
        Feedback(participant=row, rating=4) for row in rows if row.status == Status.REGISTERED
    )


# The whole page for a manager: the sign-in and the page's frame (its navigation, with the
# unread-messages count, in one query), the filters' choices, and the report: the sessions'
# totals 2 (places by session, sessions), which give the figures, the hosts' table, the chart
# and the count of sessions; figures 1 (people), reach 3, sessions 2 (page, figures of the
# page), never registered 2 (count, page).
QUERIES = 20


@pytest.mark.parametrize("count", [10, 2000])
def test_the_page_costs_the_same_queries_for_10_and_2000_sessions(
    client, personas, django_assert_num_queries, count
):
    program = personas.program
    cohort, tag = CohortFactory(program=program), TagFactory(program=program)
    people = []
    for _ in range(4):
        membership = MembershipFactory(program=program, user=UserFactory())
        membership.cohorts.add(cohort)
        membership.tags.add(tag)
        people.append(membership.user)
    people.pop()  # never registers: the list of those has a page too
    bulk_program(program, personas.mentor, people, count)
    bulk_program(program, personas.manager, people[:1], count // 10)
    url = reports_url(
        period="90d", cohort=cohort.pk, tag=tag.pk, host=personas.mentor.pk, sessions_sort="-rating"
    )
    with time_machine.travel(NOW, tick=False):
        client.force_login(personas.manager)
        client.get(url)  # warm-up: per-process caches are not the page's cost

        with django_assert_num_queries(QUERIES):
            response = client.get(url)

    assert response.status_code == 200
    text = page_text(response)
    held = count - count // 10
    assert stat(text, "Sessions held").startswith(f"{held} |")
    assert (
        stat(text, "Attendance rate") == f"100% | {held * 3} of {held * 3} registered in held sessions came"
    )
