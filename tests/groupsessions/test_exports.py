"""The Reports' CSV downloads: what they hold, that the page's filters narrow them alike, that a
spreadsheet opens them safely, and that they stream at a fixed number of queries."""

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.http import QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import exports, reports
from mentorcircle.groupsessions.forms import ReportFilterForm
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant
from mentorcircle.groupsessions.services import NOT_ENOUGH_PARTICIPANTS
from mentorcircle.programs.models import Cohort, Membership, Program, Tag
from tests.factories import (
    CohortFactory,
    GroupSessionFactory,
    MembershipFactory,
    ParticipantFactory,
    TagFactory,
    UserFactory,
)

Status = Participant.Status
EXPORTS = ("manage:export_sessions", "manage:export_participants", "manage:export_members")
BOM = b"\xef\xbb\xbf"
HELD_TITLE = 'Pitch practice, "part 1"'


def download(client, name: str, query: str = "period=all", slug: str = "alpha") -> StreamingHttpResponse:
    response = client.get(f"{reverse(name, args=[slug])}?{query}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return response


def parse(response: StreamingHttpResponse) -> list[list[str]]:
    """The file as a spreadsheet would read it: the BOM first, UTF-8, CRLF between rows."""
    data = b"".join(response.streaming_content)
    assert data.startswith(BOM)
    text = data[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def rows_of(client, name: str, query: str = "period=all") -> list[list[str]]:
    return parse(download(client, name, query))[1:]


def records(client, name: str, query: str = "period=all") -> list[dict[str, str]]:
    """The rows as {column heading: cell}."""
    header, *rows = parse(download(client, name, query))
    return [dict(zip(header, row, strict=True)) for row in rows]


def column(client, name: str, heading: str, query: str = "period=all") -> list[str]:
    return [row[heading] for row in records(client, name, query)]


def member(program: Program, full_name: str, email: str, *, cohorts=(), tags=(), role="mentee") -> User:
    membership = MembershipFactory(
        program=program, role=role, user=UserFactory(full_name=full_name, email=email)
    )
    membership.cohorts.set(cohorts)
    membership.tags.set(tags)
    return membership.user


def place(session: GroupSession, user: User, status=Status.REGISTERED, *, attended=False, rating=None):
    row = ParticipantFactory(session=session, user=user, status=status, attended=attended)
    if rating is not None:
        Feedback.objects.create(participant=row, rating=rating)
    return row


@dataclass
class Report:
    program: Program
    spring: Cohort
    python: Tag
    mina: User
    ann: User


@pytest.fixture
def report(personas, time_machine) -> Report:
    """A program in Paris time on 1 March 2026: a held session, two cancelled ones, one to come."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC))
    program = personas.program
    program.time_zone = "Europe/Paris"
    program.save()
    spring, autumn = (
        CohortFactory(program=program, name="Spring"),
        CohortFactory(program=program, name="Autumn"),
    )
    design, python = TagFactory(program=program, name="design"), TagFactory(program=program, name="python")
    mina = personas.mentee
    Membership.objects.get(program=program, user=mina).cohorts.set([spring])
    Membership.objects.get(program=program, user=mina).tags.set([python, design])
    ann = member(program, "Ann Example", "ann@example.org", cohorts=[autumn], tags=[design])
    nameless = member(program, "", "noname@example.org", cohorts=[spring])
    will = member(program, "Will Waitlist", "will@example.org")
    lee = member(program, "Lee Left", "lee@example.org")

    held = GroupSessionFactory(
        program=program,
        host=personas.mentor,
        title=HELD_TITLE,
        starts_at=datetime(2026, 1, 10, 23, 30, tzinfo=UTC),  # 00:30 on the 11th in Paris
        max_participants=10,
        status=GroupSession.Status.CONFIRMED,
    )
    held.participants.filter(status=Status.HOST).update(attended=True)  # the host is not counted
    place(held, mina, attended=True, rating=5)
    place(held, nameless, attended=True, rating=4)
    place(held, ann)
    place(held, will, Status.WAITLISTED)
    place(held, lee, Status.LEFT)
    place(held, UserFactory(), Status.INVITED)  # an unanswered invitation is no place
    for_quorum = GroupSessionFactory(
        program=program,
        host=personas.manager,
        title="Salary talk",
        starts_at=datetime(2026, 2, 3, 17, 0, tzinfo=UTC),
        max_participants=6,
        status=GroupSession.Status.CANCELLED,
        cancel_reason=NOT_ENOUGH_PARTICIPANTS,
    )
    place(for_quorum, mina, Status.LEFT)
    GroupSessionFactory(
        program=program,
        host=personas.mentor,
        title="Portfolio review",
        starts_at=datetime(2026, 2, 10, 17, 0, tzinfo=UTC),
        status=GroupSession.Status.CANCELLED,
        cancelled_by=personas.mentor,
        cancel_reason="I am ill, sorry",
    )
    upcoming = GroupSessionFactory(
        program=program,
        host=personas.mentor,
        title="Future of work",
        starts_at=datetime(2030, 6, 1, 8, 0, tzinfo=UTC),  # summer time: 10:00 in Paris
    )
    place(upcoming, ann)
    # Another program's session is never in this one's files.
    place(GroupSessionFactory(program=personas.other_program, host=personas.other_manager), ann)
    return Report(program, spring, python, mina, ann)


def page_status(title: str) -> str:
    return reports.session_status(GroupSession.objects.get(title=title), now=timezone.now())


@pytest.fixture
def manager_client(client, personas):
    client.force_login(personas.manager)
    return client


# ---- What each file holds -----------------------------------------------------------------------


@pytest.mark.usefixtures("report")
def test_sessions_file_has_one_row_per_session_in_the_programs_time_zone(manager_client):
    header, *rows = parse(download(manager_client, "manage:export_sessions"))

    assert header == [
        "Date",
        "Start time (Europe/Paris)",
        "Host",
        "Title",
        "Status",
        "Seats",
        "Seats taken",
        "Waitlisted (ever)",
        "Waiting now",
        "Registered",
        "Attended",
        "Average rating",
        "Ratings",
    ]
    # What became of a session in the page's own words, then the reason a person gave.
    for_quorum, by_host = (page_status(title) for title in ("Salary talk", "Portfolio review"))
    assert by_host == "Cancelled by the host"
    held = ["2026-01-11", "00:30", "Theo Mentor", HELD_TITLE, "Held"]
    quorum = ["2026-02-03", "18:00", "Maria Manager", "Salary talk", for_quorum]
    by_host = ["2026-02-10", "18:00", "Theo Mentor", "Portfolio review", f"{by_host} – I am ill, sorry"]
    upcoming = ["2030-06-01", "10:00", "Theo Mentor", "Future of work", "Upcoming"]
    assert rows == [
        # Seats taken: the host and 3 registered; registered, attended, ratings: never the host.
        [*held, "10", "4", "1", "1", "3", "2", "4.5", "2"],
        [*quorum, "6", "1", "0", "0", "0", "0", "", "0"],
        [*by_host, "40", "1", "0", "0", "0", "0", "", "0"],
        [*upcoming, "40", "2", "0", "0", "1", "0", "", "0"],
    ]


def test_participants_file_has_one_row_per_place_with_the_persons_cohorts_and_tags(manager_client, report):
    header, *rows = parse(download(manager_client, "manage:export_participants"))

    assert header == [
        "Session date",
        "Session title",
        "Name",
        "Email",
        "Cohorts",
        "Tags",
        "Status",
        "Waitlisted",
        "Attended",
        "Rating",
    ]
    mina = report.mina.email
    held = ["2026-01-11", HELD_TITLE]
    assert rows == [  # by session, then by name; a manager sees a nameless member's email name
        [*held, "noname", "noname@example.org", "Spring", "", "Registered", "no", "yes", "4"],
        [*held, "Ann Example", "ann@example.org", "Autumn", "design", "Registered", "no", "no", ""],
        [*held, "Lee Left", "lee@example.org", "", "", "Left", "no", "no", ""],
        [*held, "Mina Mentee", mina, "Spring", "design; python", "Registered", "no", "yes", "5"],
        [*held, "Will Waitlist", "will@example.org", "", "", "Waitlisted", "yes", "no", ""],
        [
            "2026-02-03",
            "Salary talk",
            "Mina Mentee",
            mina,
            "Spring",
            "design; python",
            "Left",
            "no",
            "no",
            "",
        ],
        ["2030-06-01", "Future of work", "Ann Example", "ann@example.org", "Autumn", "design", "Registered"]
        + ["no", "no", ""],
    ]


def test_members_file_has_one_row_per_member_with_their_places(manager_client, report, personas):
    header, *rows = parse(download(manager_client, "manage:export_members"))

    assert header == ["Name", "Email", "Role", "Cohorts", "Tags", "Sessions registered", "Sessions attended"]
    # Registered: in sessions held or to come (not cancelled); attended: in sessions held.
    assert rows == [
        ["noname", "noname@example.org", "Mentee", "Spring", "", "1", "1"],
        ["Ann Example", "ann@example.org", "Mentee", "Autumn", "design", "2", "0"],
        ["Lee Left", "lee@example.org", "Mentee", "", "", "0", "0"],
        ["Maria Manager", personas.manager.email, "Program manager", "", "", "0", "0"],
        ["Mina Mentee", report.mina.email, "Mentee", "Spring", "design; python", "1", "1"],
        ["Theo Mentor", personas.mentor.email, "Mentor", "", "", "0", "0"],
        ["Will Waitlist", "will@example.org", "Mentee", "", "", "0", "0"],
    ]


@pytest.mark.usefixtures("report")
def test_a_period_without_sessions_gives_headers_and_members_with_nothing_counted(manager_client):
    query = "period=custom&start=2020-01-01&end=2020-01-31"

    assert rows_of(manager_client, "manage:export_sessions", query) == []
    assert rows_of(manager_client, "manage:export_participants", query) == []
    members = records(manager_client, "manage:export_members", query)
    assert len(members) == 7
    assert {(m["Sessions registered"], m["Sessions attended"]) for m in members} == {("0", "0")}


# ---- The page's filters -------------------------------------------------------------------------


def test_a_cohort_narrows_people_and_the_sessions_they_took_part_in(manager_client, report):
    query = f"period=all&cohort={report.spring.pk}"

    sessions = records(manager_client, "manage:export_sessions", query)
    participants = records(manager_client, "manage:export_participants", query)
    members = records(manager_client, "manage:export_members", query)

    # Seats describe the whole session; registered, attended and ratings the chosen people.
    assert [
        (s["Title"], s["Seats taken"], s["Registered"], s["Attended"], s["Average rating"]) for s in sessions
    ] == [
        (HELD_TITLE, "4", "2", "2", "4.5"),
        ("Salary talk", "1", "0", "0", ""),
    ]
    assert [(p["Session title"], p["Name"], p["Status"]) for p in participants] == [
        (HELD_TITLE, "noname", "Registered"),
        (HELD_TITLE, "Mina Mentee", "Registered"),
        ("Salary talk", "Mina Mentee", "Left"),
    ]
    assert [(m["Name"], m["Sessions registered"]) for m in members] == [("noname", "1"), ("Mina Mentee", "1")]


def test_a_tag_narrows_people_and_their_figures(manager_client, report):
    query = f"period=all&tag={report.python.pk}"

    sessions = records(manager_client, "manage:export_sessions", query)

    assert [
        (s["Title"], s["Registered"], s["Attended"], s["Average rating"], s["Ratings"]) for s in sessions
    ] == [
        (HELD_TITLE, "1", "1", "5.0", "1"),
        ("Salary talk", "0", "0", "", "0"),
    ]
    assert column(manager_client, "manage:export_members", "Name", query) == ["Mina Mentee"]


@pytest.mark.usefixtures("report")
def test_a_host_narrows_sessions_and_the_places_counted(manager_client, personas):
    query = f"period=all&host={personas.manager.pk}"

    assert column(manager_client, "manage:export_sessions", "Title", query) == ["Salary talk"]
    assert column(manager_client, "manage:export_participants", "Name", query) == ["Mina Mentee"]
    members = {
        m["Name"]: m["Sessions registered"] for m in records(manager_client, "manage:export_members", query)
    }
    assert len(members) == 7  # a host chooses sessions, not people
    assert set(members.values()) == {"0"}


@pytest.mark.usefixtures("report")
def test_a_date_range_is_read_in_the_programs_time_zone(manager_client):
    # The held session starts on 10 January in UTC but on the 11th in Paris.
    for start, titles in (("2026-01-11", [HELD_TITLE]), ("2026-01-12", [])):
        query = f"period=custom&start={start}&end=2026-01-31"

        assert column(manager_client, "manage:export_sessions", "Title", query) == titles
        assert set(column(manager_client, "manage:export_participants", "Session title", query)) == set(
            titles
        )


def filtered(report: Report, query: str) -> reports.ReportFilters:
    """The filters the Reports page reads from `query`."""
    form = ReportFilterForm(QueryDict(query), program=report.program)
    form.is_valid()
    return form.filters(today=date(2026, 3, 1))


@pytest.mark.parametrize(
    "query",
    [
        "period=all",
        "",  # the page's default period
        "start=2026-01-01&end=2026-02-28",  # days without a period make a custom one
        "period=custom&start=2026-01-01&end=2026-02-28",
        "period=all&cohort={spring}&tag={python}",
        "period=all&host={host}",
        "period=quarter",
        "period=custom&start=2026-01-01",  # open on one side
    ],
)
def test_files_hold_the_reports_rows_and_add_up_to_its_figures(
    manager_client, report, personas, query, time_machine
):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
    query = query.format(spring=report.spring.pk, python=report.python.pk, host=personas.mentor.pk)
    filters = filtered(report, query)
    figures = reports.figures(filters, now=timezone.now())

    sessions = records(manager_client, "manage:export_sessions", query)
    participants = records(manager_client, "manage:export_participants", query)
    members = records(manager_client, "manage:export_members", query)

    assert [s["Title"] for s in sessions] == [
        s.title for s in reports.sessions_in(filters).order_by("starts_at")
    ]
    assert len(sessions) == figures.sessions
    assert len(participants) == reports.participants_in(filters).count()
    emails = reports.members_in(filters).values_list("user__email", flat=True)
    assert sorted(m["Email"] for m in members) == sorted(emails)
    # A session's figures add up its places, and the members' the page's headline figures.
    assert sum(int(s["Attended"]) for s in sessions) == sum(
        p["Status"] == "Registered" and p["Attended"] == "yes" for p in participants
    )
    assert sum(int(s["Ratings"]) for s in sessions) == sum(p["Rating"] != "" for p in participants)
    assert sum(int(m["Sessions registered"]) for m in members) == figures.registrations
    assert sum(int(m["Sessions attended"]) for m in members) == figures.attended


@pytest.mark.parametrize("query", ["period=all", "", "period=all&cohort={spring}", "start=2026-01-01"])
def test_the_pages_download_links_give_its_rows(manager_client, report, query):
    page = manager_client.get(
        f"{reverse('manage:reports', args=['alpha'])}?{query.format(spring=report.spring.pk)}"
    )
    figures = page.context["figures"]
    links = {
        name: html.unescape(
            re.search(rf'href="({reverse(name, args=["alpha"])}[^"]*)"', page.content.decode())[1]
        )
        for name in EXPORTS
    }

    def follow(name: str) -> list[dict[str, str]]:
        return records(manager_client, name, links[name].partition("?")[2])

    sessions, members = follow("manage:export_sessions"), follow("manage:export_members")
    assert len(sessions) == figures.sessions
    assert sum(s["Status"] == "Held" for s in sessions) == figures.held
    assert sum(int(m["Sessions registered"]) for m in members) == figures.registrations
    assert sum(int(m["Sessions attended"]) for m in members) == figures.attended
    assert sum(p["Status"] == "Registered" for p in follow("manage:export_participants")) == sum(
        int(s["Registered"]) for s in sessions
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("period=all", "alpha-sessions-all-time.csv"),
        ("period=custom&start=2026-01-01&end=2026-01-31", "alpha-sessions-2026-01-01-to-2026-01-31.csv"),
        ("start=2026-01-01", "alpha-sessions-from-2026-01-01.csv"),
        ("period=custom&end=2026-01-31", "alpha-sessions-until-2026-01-31.csv"),
        ("period=year", "alpha-sessions-2026-01-01-to-2026-12-31.csv"),
        ("", "alpha-sessions-2025-12-02-to-2026-03-01.csv"),  # the page's default: last 90 days
    ],
)
@pytest.mark.usefixtures("report")
def test_the_file_is_named_after_the_program_and_the_dates(manager_client, query, name, time_machine):
    # 23:30 UTC on 28 February is already 1 March in Paris.
    time_machine.move_to(datetime(2026, 2, 28, 23, 30, tzinfo=UTC))

    response = download(manager_client, "manage:export_sessions", query)

    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.usefixtures("report")
def test_each_file_is_named_for_what_it_holds(manager_client):
    for name, what in zip(EXPORTS, ("sessions", "participants", "members"), strict=True):
        disposition = download(manager_client, name)["Content-Disposition"]
        assert disposition == f'attachment; filename="alpha-{what}-all-time.csv"'


# ---- What a spreadsheet makes of the cells ------------------------------------------------------

LONG = "Quarterly review, " + "x" * 160 + ' "quoted", ' + "y" * 10
HOSTILE_TITLES = [
    "=SUM(1)",
    "+1",
    "-1",
    "@x",
    "\tTab first",
    "\rCR first",
    '=HYPERLINK("http://example.org/?a","Click")',
    LONG,
    "مرحبا، بالعالم",
    "\u202etxt.exe",  # a right-to-left override
    "1+1",  # a formula character later on is harmless
]


def spreadsheet_safe(text: str) -> str:
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def test_text_that_would_start_a_formula_is_neutralised_and_the_rest_reads_back_unchanged(
    manager_client, personas
):
    program = personas.program
    names = ["=cmd|' /C calc'!A0", 'Ann\r\nLee, "the" second', "-Minus", "שלום, עולם", "N" * 150]
    host, *people = [member(program, name, f"p{n}@example.org") for n, name in enumerate(names)]
    people.append(member(program, "", "+plus@example.org"))
    starts = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n, title in enumerate(HOSTILE_TITLES):
        session = GroupSessionFactory(
            program=program, host=host, title=title, starts_at=starts + timedelta(days=n)
        )
        place(session, people[n % len(people)], attended=True, rating=3)
    GroupSessionFactory(
        program=program,
        host=personas.mentor,
        title="Reasons",
        starts_at=starts - timedelta(days=1),
        status=GroupSession.Status.CANCELLED,
        cancelled_by=personas.manager,
        cancel_reason="=1+1",
    )

    sessions = records(manager_client, "manage:export_sessions")
    participants = records(manager_client, "manage:export_participants")
    members = records(manager_client, "manage:export_members")

    assert [s["Title"] for s in sessions] == ["Reasons", *(spreadsheet_safe(t) for t in HOSTILE_TITLES)]
    assert sessions[0]["Status"] == f"{page_status('Reasons')} – =1+1"  # not at the start: harmless
    assert {s["Host"] for s in sessions[1:]} == {spreadsheet_safe(names[0])}
    # Numbers stay numbers.
    figures = ("Seats", "Seats taken", "Waiting now", "Registered", "Attended", "Average rating", "Ratings")
    assert {tuple(s[f] for f in figures) for s in sessions[1:]} == {("40", "2", "0", "1", "1", "3.0", "1")}
    assert [p["Session title"] for p in participants] == [spreadsheet_safe(t) for t in HOSTILE_TITLES]
    expected = {spreadsheet_safe(name) for name in names[1:]} | {"'+plus"}
    assert {p["Name"] for p in participants} == expected
    assert "'+plus@example.org" in {p["Email"] for p in participants}
    assert {spreadsheet_safe(names[0]), *expected} <= {m["Name"] for m in members}


def test_neutralising_leaves_numbers_and_plain_text_alone():
    assert [exports.neutralised(cell) for cell in (-1, 4.5, 0, "", "a=b", " =x", "2026-01-01")] == [
        -1,
        4.5,
        0,
        "",
        "a=b",
        " =x",
        "2026-01-01",
    ]
    assert [exports.neutralised(c) for c in ("=", "+", "-", "@", "\t", "\r")] == [
        "'=",
        "'+",
        "'-",
        "'@",
        "'\t",
        "'\r",
    ]


def test_the_file_is_written_in_pieces_not_line_by_line(monkeypatch):
    monkeypatch.setattr(exports, "PIECE", 100)
    rows = ([n, "x" * 30] for n in range(50))

    pieces = list(exports.csv_bytes(["n", "text"], rows))

    assert 10 < len(pieces) < 50
    assert all(len(p) < 200 for p in pieces)
    assert b"".join(pieces).startswith(BOM + b"n,text\r\n0,")


# ---- Streaming at a fixed cost -----------------------------------------------------------------


def crowd(program: Program, host: User, count: int) -> None:
    """`count` members, each in a cohort and with two tags, all attending one held session."""
    cohort = CohortFactory(program=program, name="Crowd")
    tags = [TagFactory(program=program, name=name) for name in ("a", "b")]
    users = User.objects.bulk_create(
        User(email=f"crowd{n}@example.org", full_name=f"Crowd {n:04d}", password="!") for n in range(count)
    )
    Membership.objects.bulk_create(Membership(program=program, user=user, role="mentee") for user in users)
    memberships = list(Membership.objects.filter(user__in=users))
    Membership.cohorts.through.objects.bulk_create(
        Membership.cohorts.through(membership=m, cohort=cohort) for m in memberships
    )
    Membership.tags.through.objects.bulk_create(
        Membership.tags.through(membership=m, tag=t) for m in memberships for t in tags
    )
    session = GroupSessionFactory(
        program=program, host=host, starts_at=datetime(2026, 1, 5, 9, tzinfo=UTC), max_participants=count + 1
    )
    places = Participant.objects.bulk_create(
        Participant(session=session, user=user, status=Status.REGISTERED, attended=True) for user in users
    )
    Feedback.objects.bulk_create(Feedback(participant=p, rating=1 + p.pk % 5) for p in places)


# Signed-in user, their membership with its program, then the export's own: the rows, and for
# the participants and members the cohorts and tags of each chunk (the members' counts too).
QUERIES = {"manage:export_sessions": 4, "manage:export_participants": 6, "manage:export_members": 7}


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("name", EXPORTS)
def test_a_download_streams_at_the_same_number_of_queries_whatever_its_length(
    client, personas, django_assert_num_queries, name, size
):
    crowd(personas.program, personas.mentor, size)
    client.force_login(personas.manager)

    with django_assert_num_queries(QUERIES[name]):
        response = client.get(f"{reverse(name, args=['alpha'])}?period=all")
        assert response.streaming
        lines = b"".join(response.streaming_content).count(b"\r\n")

    rows = {
        "manage:export_sessions": 1,
        "manage:export_participants": size,
        "manage:export_members": size + 3,
    }
    assert lines == 1 + rows[name]


@pytest.mark.parametrize("count", [2, 40])
def test_the_sessions_file_costs_the_same_for_few_or_many_sessions(
    client, personas, django_assert_num_queries, count
):
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n in range(count):
        session = GroupSessionFactory(
            program=personas.program,
            host=personas.mentor if n % 2 else personas.manager,
            starts_at=start + timedelta(days=n),
            status=GroupSession.Status.CANCELLED if n % 3 == 0 else GroupSession.Status.SCHEDULED,
            cancelled_by=personas.manager if n % 3 == 0 else None,
        )
        place(session, personas.mentee, attended=True, rating=4)
    client.force_login(personas.manager)

    with django_assert_num_queries(QUERIES["manage:export_sessions"]):
        lines = b"".join(download(client, "manage:export_sessions").streaming_content).count(b"\r\n")

    assert lines == 1 + count


@pytest.mark.parametrize("name", ["manage:export_participants", "manage:export_members"])
def test_rows_come_out_the_same_when_read_in_many_small_chunks(client, personas, monkeypatch, name):
    crowd(personas.program, personas.mentor, 25)
    client.force_login(personas.manager)
    whole = records(client, name)

    monkeypatch.setattr(exports, "CHUNK", 4)
    assert records(client, name) == whole
    monkeypatch.setattr(exports, "KEEP", 6)  # the people seen are forgotten now and then
    assert records(client, name) == whole

    crowd_rows = [r for r in whole if r["Name"].startswith("Crowd")]
    assert [(r["Cohorts"], r["Tags"]) for r in crowd_rows] == [("Crowd", "a; b")] * 25


@pytest.mark.parametrize(("chunk", "keep"), [(1, 1), (2, 2), (2, 3), (3, 2)])
@pytest.mark.usefixtures("report")
def test_people_in_many_places_keep_their_cohorts_and_tags_across_chunks(
    manager_client, monkeypatch, chunk, keep
):
    whole = {name: records(manager_client, name) for name in EXPORTS}

    monkeypatch.setattr(exports, "CHUNK", chunk)
    monkeypatch.setattr(exports, "KEEP", keep)

    assert {name: records(manager_client, name) for name in EXPORTS} == whole


def test_nothing_is_read_before_the_file_is(client, personas, django_assert_num_queries):
    crowd(personas.program, personas.mentor, 10)
    client.force_login(personas.manager)

    with django_assert_num_queries(3):  # the signed-in user and their membership only
        response = client.get(reverse("manage:export_participants", args=["alpha"]))

    assert response.streaming


CRAFTED = ["9" * 40, "-1", "٣", "0x10", "1.5", "x", "<b>"]


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.usefixtures("report")
def test_crafted_filters_give_no_file_but_the_reports_page_with_what_to_fix(manager_client, name):
    reports_page = reverse("manage:reports", args=["alpha"])

    def get(query: str):
        return manager_client.get(f"{reverse(name, args=['alpha'])}?{query}")

    for crafted in CRAFTED:
        query = f"period=all&cohort={crafted}&tag={crafted}&host={crafted}"
        response = get(query)
        assert response.status_code == 302, crafted
        assert response["Location"] == f"{reports_page}?{QueryDict(query).urlencode()}"
    for crafted in [*CRAFTED, "99999-01-01", "2026-02-30", "1000-01-01"]:
        for query in (f"period=custom&start={crafted}&end={crafted}", f"period={crafted}"):
            response = get(query)
            assert response.status_code == 302, query
            assert "Content-Disposition" not in response
    # Days are only read with the Custom period: beside a preset they change nothing.
    assert get("period=all&start=x&end=1900-01-01").status_code == 200
    assert manager_client.get(f"{reverse(name, args=['alpha'])}?cohort=1%00").status_code == 400


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.usefixtures("personas")
def test_a_download_is_read_only(manager_client, name):
    response = manager_client.post(reverse(name, args=["alpha"]))

    assert response.status_code == 405
    assert manager_client.head(reverse(name, args=["alpha"])).status_code == 200


@pytest.mark.usefixtures("personas")
def test_a_manager_cannot_download_another_programs_files(manager_client):
    for name in EXPORTS:
        assert manager_client.get(reverse(name, args=["beta"])).status_code == 404


@pytest.mark.usefixtures("report")
def test_session_dates_follow_the_programs_zone_not_the_viewers(manager_client, personas):
    personas.manager.time_zone = "America/Los_Angeles"
    personas.manager.save()

    first = records(manager_client, "manage:export_sessions")[0]

    assert (first["Date"], first["Start time (Europe/Paris)"]) == ("2026-01-11", "00:30")


# ---- Filters that do not validate, the waitlist, the file's name ----------------------------------


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize(
    "query",
    [
        "period=custom&start=2026-03-01&end=2026-01-01",  # To before From
        "period=custom&start=1900-01-01&end=2026-01-31",  # a From out of range
        "period=all&cohort=999999",  # a cohort gone since the link was made
    ],
)
@pytest.mark.usefixtures("report")
def test_a_download_with_filters_to_fix_gives_no_file_but_the_page_saying_what_to_fix(
    manager_client, name, query
):
    response = manager_client.get(f"{reverse(name, args=['alpha'])}?{query}")

    assert response.status_code == 302
    assert "Content-Disposition" not in response
    page = manager_client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["form"].errors
    assert "Fix the filters above to see the report." in page.content.decode()
    assert "Download CSV" not in page.content.decode()


@pytest.mark.parametrize("query", ["period=all", "period=all&cohort={spring}", "period=all&host={host}"])
def test_the_waitlist_columns_add_up_to_the_pages_waitlisted_figure(
    manager_client, report, personas, query, time_machine
):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
    # Someone moved up from the waitlist, and someone who left it while waiting.
    held = GroupSession.objects.get(title=HELD_TITLE)
    moved = member(report.program, "Mo Moved", "mo@example.org", cohorts=[report.spring])
    ParticipantFactory(session=held, user=moved, promoted_at=held.starts_at - timedelta(days=1))
    gone = member(report.program, "Gil Gone", "gil@example.org")
    left = place(held, gone, Status.LEFT)
    left.waitlisted_at = held.starts_at - timedelta(days=2)
    left.save()
    query = query.format(spring=report.spring.pk, host=personas.mentor.pk)
    page = manager_client.get(f"{reverse('manage:reports', args=['alpha'])}?{query}")
    figure = page.context["figures"].waitlisted
    assert figure > 0

    sessions = records(manager_client, "manage:export_sessions", query)
    participants = records(manager_client, "manage:export_participants", query)

    # The page counts sessions held or to come, not cancelled ones; so do the sums here.
    cancelled = {(s["Date"], s["Title"]) for s in sessions if s["Status"].startswith("Cancelled")}
    assert (
        sum(int(s["Waitlisted (ever)"]) for s in sessions if (s["Date"], s["Title"]) not in cancelled)
        == figure
    )
    assert (
        sum(
            p["Waitlisted"] == "yes"
            for p in participants
            if (p["Session date"], p["Session title"]) not in cancelled
        )
        == figure
    )
    assert (
        sum(int(s["Waiting now"]) for s in sessions)
        == Participant.objects.filter(
            session__in=reports.sessions_in(filtered(report, query)), status=Status.WAITLISTED
        ).count()
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("period=all&cohort={spring}", "alpha-sessions-all-time-cohort-spring.csv"),
        ("period=all&tag={python}", "alpha-sessions-all-time-tag-python.csv"),
        ("period=all&host={host}", "alpha-sessions-all-time-host-theo-mentor.csv"),
        (
            "period=custom&start=2026-01-01&end=2026-01-31&cohort={spring}&tag={python}",
            "alpha-sessions-2026-01-01-to-2026-01-31-cohort-spring-tag-python.csv",
        ),
    ],
)
def test_the_file_name_names_the_cohort_tag_and_host_chosen(manager_client, report, personas, query, name):
    query = query.format(spring=report.spring.pk, python=report.python.pk, host=personas.mentor.pk)

    response = download(manager_client, "manage:export_sessions", query)

    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_a_name_without_ascii_letters_still_gives_an_ascii_file_name(manager_client, report):
    cohort = CohortFactory(program=report.program, name="Весна 2027 — 春")

    response = download(manager_client, "manage:export_members", f"period=all&cohort={cohort.pk}")

    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="alpha-members-all-time-cohort-2027.csv"'
    assert disposition.isascii()
