"""The CSV exports of a program's Reports: the rows of `reports` (the same filters, the same
sessions, places and members as the Reports page), written as a file Excel opens as is.

Each export reads its rows in chunks from one query (`.iterator`) and looks up what belongs to
a chunk's people (cohorts, tags, counts) in one query per kind, so a file of any length costs a
fixed number of queries per chunk and holds one chunk in memory at a time. The cohorts and tags
of people already seen are kept (up to KEEP people), as one person has many places.

The file: UTF-8 with a byte order mark first (without it Excel reads UTF-8 as the local code
page and breaks accented and non-Latin names), the csv module's "excel" dialect (commas, CRLF
line ends, quotes where needed). A text cell that a spreadsheet would read as a formula (it
starts with =, +, -, @, a tab or a carriage return) gets a leading apostrophe, as OWASP advises
against CSV injection; numbers are written as numbers.
"""

import csv
import io
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import TypeVar

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.reports import (
    ReportFilters,
    held_q,
    members_in,
    participants_in,
    session_figures,
    session_status,
    sessions_in,
    stood_in_line_q,
)
from mentorcircle.groupsessions.services import NOT_ENOUGH_PARTICIPANTS
from mentorcircle.programs.models import Cohort, Membership, Program, Tag

Cell = str | int | float
Row = list[Cell]
T = TypeVar("T")

BOM = "\ufeff"
# Rows read from the database at a time. The lookups of a chunk pass its people's IDs as
# parameters, which SQLite limits (999 on the oldest versions Django supports).
CHUNK = 2000
# The most people whose cohorts and tags are kept while a file is written.
KEEP = 20_000
# The file goes out in pieces of about this many characters, not one line at a time.
PIECE = 64 * 1024
# What a spreadsheet takes for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
JOIN = "; "

# Days and times are the program's, in its time zone (named in the header, see `session_header`).
START_TIME = "Start time ({zone})"
SESSION_HEADER = (
    "Date",
    START_TIME,
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
)
PARTICIPANT_HEADER = (
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
)
# The annotations of `reports.session_figures` a session row shows.
FIGURES = ("taken", "waitlisted", "waiting", "registered", "came", "ratings", "average")
MEMBER_HEADER = ("Name", "Email", "Role", "Cohorts", "Tags", "Sessions registered", "Sessions attended")


def session_header(program: Program) -> tuple[str, ...]:
    return tuple(heading.format(zone=program.time_zone) for heading in SESSION_HEADER)


def neutralised(cell: Cell) -> Cell:
    """The cell as a spreadsheet should show it: text that would start a formula is prefixed
    with an apostrophe, which spreadsheets show as text and do not evaluate."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_bytes(header: Sequence[str], rows: Iterable[Row]) -> Iterator[bytes]:
    """The file, piece by piece: the byte order mark, the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralised(cell) for cell in row])
        if buffer.tell() >= PIECE:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def chunk_size() -> int:
    return min(CHUNK, connection.features.max_query_params or CHUNK)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _namer(viewer: User) -> Callable[[str, str], str]:
    """The name a program manager sees (User.name_for), from a row's name and email."""
    person = User()  # one unsaved instance, given each row's values: no model built per row

    def name(full_name: str, email: str) -> str:
        person.full_name, person.email = full_name, email
        return person.name_for(viewer, manages=True)

    return name


class _Labels:
    """The cohorts and the tags of the program's people, each joined into one cell: looked up
    for the people of a chunk not seen yet (two queries), kept for at most KEEP people."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.known: dict[int, tuple[str, str]] = {}

    def look_up(self, user_ids: set[int]) -> None:
        missing = user_ids - self.known.keys()
        if not missing:
            return
        if len(self.known) + len(missing) > KEEP:
            self.known.clear()
            missing = user_ids
        mine = Q(memberships__program=self.program, memberships__user_id__in=missing)
        cohorts = _joined(
            Cohort.objects.filter(mine).order_by("name", "pk").values_list("memberships__user_id", "name")
        )
        tags = _joined(
            Tag.objects.filter(mine).order_by("name", "pk").values_list("memberships__user_id", "name")
        )
        for user_id in missing:
            self.known[user_id] = (cohorts.get(user_id, ""), tags.get(user_id, ""))

    def of(self, user_id: int) -> tuple[str, str]:
        return self.known[user_id]


def _joined(pairs: Iterable[tuple[int, str]]) -> dict[int, str]:
    names: defaultdict[int, list[str]] = defaultdict(list)
    for user_id, name in pairs:
        names[user_id].append(name)
    return {user_id: JOIN.join(found) for user_id, found in names.items()}


def _zone(filters: ReportFilters) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(filters.program.time_zone)


def _status(session: GroupSession, *, now: datetime) -> str:
    """The page's status, and the reason the host or a manager gave for a cancellation."""
    status = session_status(session, now=now)
    reason = session.cancel_reason
    if session.is_cancelled and reason and reason != NOT_ENOUGH_PARTICIPANTS:
        return f"{status} – {reason}"
    return status


def session_rows(filters: ReportFilters, *, viewer: User, now: datetime) -> Iterator[Row]:
    """One row per session, in date order, with the Reports page's figures: seats taken (the
    host counts as 1, as everywhere) and those waiting now describe the session; waitlisted
    (whoever stood in the waitlist, as the page's headline counts them), registered, attended
    and ratings count the chosen people's places (never the host's)."""
    zone, name = _zone(filters), _namer(viewer)
    sessions = (
        sessions_in(filters)
        .select_related("host")
        .only(
            "starts_at",
            "ends_at",
            "call_ended_at",
            "status",
            "cancel_reason",
            "cancelled_by_id",
            "title",
            "max_participants",
            "host__full_name",
            "host__email",
        )
        .annotate(**session_figures(filters))
        .order_by("starts_at", "pk")
    )
    for session in sessions.iterator(chunk_size=chunk_size()):
        local = session.starts_at.astimezone(zone)
        taken, waitlisted, waiting, registered, came, ratings, average = (
            getattr(session, key) for key in FIGURES
        )
        yield [
            local.date().isoformat(),
            local.strftime("%H:%M"),
            name(session.host.full_name, session.host.email),
            session.title,
            _status(session, now=now),
            session.max_participants,
            taken,
            waitlisted,
            waiting,
            registered,
            came,
            "" if average is None else round(float(average), 2),
            ratings,
        ]


def participant_rows(filters: ReportFilters, *, viewer: User) -> Iterator[Row]:
    """One row per place taken (`participants_in`), by session, then by name; Waitlisted says
    whether the place stood in the waitlist, as the page counts it (`stood_in_line_q`)."""
    zone = _zone(filters)
    places = (
        participants_in(filters)
        .annotate(waitlisted=ExpressionWrapper(stood_in_line_q(), output_field=BooleanField()))
        .order_by("session__starts_at", "session_id", "user__full_name", "user__email", "pk")
        .values_list(
            "session__starts_at",
            "session__title",
            "user_id",
            "user__full_name",
            "user__email",
            "status",
            "attended",
            "feedback__rating",
            "waitlisted",
        )
    )
    name, labels, statuses = _namer(viewer), _Labels(filters.program), dict(Participant.Status.choices)
    size = chunk_size()
    for chunk in _chunks(places.iterator(chunk_size=size), size):
        labels.look_up({place[2] for place in chunk})
        for starts_at, title, user_id, full_name, email, status, attended, rating, waitlisted in chunk:
            yield [
                starts_at.astimezone(zone).date().isoformat(),
                title,
                name(full_name, email),
                email,
                *labels.of(user_id),
                statuses[status],
                "yes" if waitlisted else "no",
                "yes" if attended else "no",
                "" if rating is None else rating,
            ]


def member_rows(filters: ReportFilters, *, viewer: User, now: datetime) -> Iterator[Row]:
    """One row per member the filters are about (`members_in`), by name, with their places in
    the chosen sessions counted as the Reports page counts them: registered (sessions held or
    to come) and attended (sessions held)."""
    registered = Q(status=Participant.Status.REGISTERED) & ~Q(session__status=GroupSession.Status.CANCELLED)
    attended = Q(status=Participant.Status.REGISTERED, attended=True) & held_q(now=now, prefix="session__")
    members = (
        members_in(filters)
        .order_by("user__full_name", "user__email", "pk")
        .values_list("user_id", "user__full_name", "user__email", "role")
    )
    name, labels, roles = _namer(viewer), _Labels(filters.program), dict(Membership.Role.choices)
    size = chunk_size()
    for chunk in _chunks(members.iterator(chunk_size=size), size):
        user_ids = {member[0] for member in chunk}
        labels.look_up(user_ids)
        counts = {
            user_id: (sessions, came)
            for user_id, sessions, came in participants_in(filters)
            .filter(user_id__in=user_ids)
            .order_by()
            .values("user_id")
            .annotate(sessions=Count("pk", filter=registered), came=Count("pk", filter=attended))
            .values_list("user_id", "sessions", "came")
        }
        for user_id, full_name, email, role in chunk:
            sessions, came = counts.get(user_id, (0, 0))
            yield [name(full_name, email), email, roles[role], *labels.of(user_id), sessions, came]
