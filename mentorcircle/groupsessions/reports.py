"""What a program's report covers: the filters (from the URL, so a report can be bookmarked and
shared) and the rows they select. The Reports page and the CSV exports read the same rows.

The filters pick sessions and people:
- sessions by their start (a date range read in the program's time zone, so two managers who
  share a link see the same figures) and by host;
- people by cohort and tag: people figures then count only those members' rows, and the
  sessions are those at least one of them registered for.

Then the figures, each from aggregate queries, so that a report costs the same number of
queries for 10 sessions or 10,000:
- about sessions (held, cancelled, seats and fill rate): the whole session, whoever took a seat;
- about people (registrations, waitlist, attendance, ratings, hours, reach): the chosen people's
  places, never the host's own row.

The headline figures, the hosts' table, the chart and the order of the sessions by a figure all
add up the same per-session counts (`session_totals`): one grouped pass over the report's places,
read once per `ReportFilters` and summed here.
"""

import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, overload

from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.services import NOT_ENOUGH_PARTICIPANTS
from mentorcircle.programs.models import Cohort, Membership, Program, Tag

# People who took a place in a session (the host is counted apart, as the host).
TOOK_PART = (Participant.Status.REGISTERED, Participant.Status.WAITLISTED, Participant.Status.LEFT)


class Period:
    LAST_30 = "30d"
    LAST_90 = "90d"
    LAST_QUARTER = "quarter"
    THIS_YEAR = "year"
    ALL = "all"
    CUSTOM = "custom"

    CHOICES = (
        (LAST_30, "Last 30 days"),
        (LAST_90, "Last 90 days"),
        (LAST_QUARTER, "Last quarter"),
        (THIS_YEAR, "This year"),
        (ALL, "All time"),
        (CUSTOM, "Custom"),
    )
    DEFAULT = LAST_90


@dataclass(frozen=True)
class ReportFilters:
    program: Program
    start: date | None = None  # first day included (program's zone); None: from the beginning
    end: date | None = None  # last day included; None: up to now and beyond
    cohort: Cohort | None = None
    tag: Tag | None = None
    host: User | None = None
    # What the report has read once for all its figures (see `session_totals`).
    _read: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def narrows_people(self) -> bool:
        return self.cohort is not None or self.tag is not None

    def _instant(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(self.program.time_zone))

    @property
    def starts_from(self) -> datetime | None:
        return self._instant(self.start) if self.start else None

    @property
    def starts_before(self) -> datetime | None:
        return self._instant(self.end + timedelta(days=1)) if self.end else None


def period_dates(period: str, *, today: date) -> tuple[date | None, date | None]:
    """The first and last day of a preset period ending today (both included)."""
    if period == Period.LAST_30:
        return today - timedelta(days=29), today
    if period == Period.LAST_90:
        return today - timedelta(days=89), today
    if period == Period.LAST_QUARTER:  # the calendar quarter before today's
        this_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        end = this_quarter - timedelta(days=1)
        return date(end.year, end.month - 2, 1), end
    if period == Period.THIS_YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return None, None


def members_in(filters: ReportFilters) -> QuerySet[Membership]:
    """The program's members the filters are about (all of them without cohort or tag)."""
    members = Membership.objects.filter(program=filters.program)
    if filters.cohort is not None:
        members = members.filter(cohorts=filters.cohort)
    if filters.tag is not None:
        members = members.filter(tags=filters.tag)
    return members


def _people_rows(filters: ReportFilters) -> QuerySet[Participant]:
    """Participant rows of the chosen people, in any of the program's sessions."""
    rows = Participant.objects.filter(session__program=filters.program, status__in=TOOK_PART)
    if filters.narrows_people:
        rows = rows.filter(user_id__in=members_in(filters).values("user_id"))
    return rows


def _range_q(filters: ReportFilters, prefix: str = "") -> Q:
    """The program's sessions in the date range and of the host, seen from `prefix`."""
    where = Q(**{f"{prefix}program": filters.program})
    if filters.starts_from is not None:
        where &= Q(**{f"{prefix}starts_at__gte": filters.starts_from})
    if filters.starts_before is not None:
        where &= Q(**{f"{prefix}starts_at__lt": filters.starts_before})
    if filters.host is not None:
        where &= Q(**{f"{prefix}host": filters.host})
    return where


def sessions_in(filters: ReportFilters) -> QuerySet[GroupSession]:
    """The program's sessions within the filters, cancelled ones included."""
    sessions = GroupSession.objects.filter(_range_q(filters))
    if filters.narrows_people:
        sessions = sessions.filter(Exists(_people_rows(filters).filter(session=OuterRef("pk"))))
    return sessions


def participants_in(filters: ReportFilters) -> QuerySet[Participant]:
    """Every place taken (registered, waitlisted, or left since) by the chosen people in the
    chosen sessions. The host's own row is not a registration and is left out. (A chosen
    person's place is always in a session one of them registered for: the range and the host
    are all there is to check, on the place's own session.)"""
    return _people_rows(filters).filter(_range_q(filters, prefix="session__"))


def held_q(*, now: datetime, prefix: str = "") -> Q:
    """Sessions that took place: not cancelled and over (the query form of Phase.ENDED).
    `prefix` reaches the session from another model ("session__" from a participant)."""
    over = Q(**{f"{prefix}ends_at__lte": now}) | Q(**{f"{prefix}call_ended_at__isnull": False})
    return over & ~Q(**{f"{prefix}status": GroupSession.Status.CANCELLED})


def cancelled_for_quorum_q(prefix: str = "") -> Q:
    """Cancelled by the platform's decision for want of participants (nobody cancelled it)."""
    return Q(
        **{
            f"{prefix}status": GroupSession.Status.CANCELLED,
            f"{prefix}cancelled_by__isnull": True,
            f"{prefix}cancel_reason": NOT_ENOUGH_PARTICIPANTS,
        }
    )


def stood_in_line_q(prefix: str = "") -> Q:
    """Places that stood in the waitlist: still waiting, moved up to a seat since, or left
    while waiting. `prefix` reaches the place from another model."""
    waiting = Q(**{f"{prefix}status": Participant.Status.WAITLISTED})
    promoted = Q(**{f"{prefix}status__in": TOOK_PART, f"{prefix}promoted_at__isnull": False})
    gone = Q(**{f"{prefix}status": Participant.Status.LEFT, f"{prefix}waitlisted_at__isnull": False})
    return waiting | promoted | gone


def _chosen(filters: ReportFilters, prefix: str = "") -> Q:
    """The chosen people's places (hosts' rows left out), seen from `prefix`."""
    chosen = Q(**{f"{prefix}status__in": TOOK_PART})
    if filters.narrows_people:
        chosen &= Q(**{f"{prefix}user_id__in": members_in(filters).values("user_id")})
    return chosen


# ---- Headline figures ---------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """The headline figures of a report. Rates are None when there is nothing to divide by."""

    sessions: int  # every session in the range, whatever became of it
    held: int
    upcoming: int  # neither held nor cancelled yet
    cancelled: int
    cancelled_for_quorum: int  # by the platform, for want of participants
    seats_offered: int  # the maximum of each held session, summed
    seats_taken: int  # seats taken in held sessions, hosts included
    registrations: int  # seats the chosen people hold in sessions held or still to come
    people: int  # distinct people who attended at least one held session
    waitlisted: int  # places on a waitlist (still waiting, or promoted since)
    promoted: int
    registered_held: int  # registered places in held sessions
    attended: int  # of those, attended
    ratings: int
    average_rating: float | None
    minutes: int  # attended places' time: minutes present where reported, else the duration

    @property
    def cancelled_by_people(self) -> int:
        """By the host or a program manager."""
        return self.cancelled - self.cancelled_for_quorum

    @property
    def fill_rate(self) -> float | None:
        return _rate(self.seats_taken, self.seats_offered)

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.attended, self.registered_held)

    @property
    def no_shows(self) -> int:
        return self.registered_held - self.attended

    @property
    def no_show_rate(self) -> float | None:
        return _rate(self.no_shows, self.registered_held)

    @property
    def hours(self) -> float:
        return self.minutes / 60


def _minutes(duration: timedelta | None) -> int:
    return round(duration / timedelta(minutes=1)) if duration else 0


class SessionTotals(NamedTuple):
    """One session of a report with its counts: seats taken and the waitlist are the whole
    session's; the other counts are of the chosen people's places (`participants_in`). (A named
    tuple: a report makes one per session.)"""

    pk: int
    title: str
    host_id: int
    host_name: str
    host_email: str
    starts_at: datetime
    ends_at: datetime
    call_ended_at: datetime | None
    status: str
    cancelled_by_id: int | None
    cancel_reason: str
    max_participants: int
    duration: timedelta
    taken: int  # seats taken, the host's included
    waiting: int  # still on the waitlist, whoever they are
    registered: int
    waitlisted: int  # waiting, or promoted since
    promoted: int
    came: int  # registered and attended
    ratings: int  # of registered places
    rating_total: int
    reported: int  # minutes present of those who came, where reported
    unreported: int  # those who came without minutes reported

    @property
    def cancelled(self) -> bool:
        return self.status == GroupSession.Status.CANCELLED

    @property
    def cancelled_for_quorum(self) -> bool:
        """The Python form of `cancelled_for_quorum_q`."""
        return (
            self.cancelled and self.cancelled_by_id is None and self.cancel_reason == NOT_ENOUGH_PARTICIPANTS
        )

    def held(self, now: datetime) -> bool:
        """The Python form of `held_q`."""
        return not self.cancelled and (self.ends_at <= now or self.call_ended_at is not None)

    @property
    def average(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


# The fields of `SessionTotals` read from the session; its counts of places follow.
SESSION_FIELDS = (
    "pk",
    "title",
    "host_id",
    "host__full_name",
    "host__email",
    "starts_at",
    "ends_at",
    "call_ended_at",
    "status",
    "cancelled_by_id",
    "cancel_reason",
    "max_participants",
    "duration",
)


def session_totals(filters: ReportFilters) -> list[SessionTotals]:
    """Every session of the report with its counts (`SessionTotals`): the places grouped by
    session, then the sessions (two queries), read the first time a figure needs them, so
    that the figures of one `ReportFilters` agree."""
    if "totals" not in filters._read:
        sessions = sessions_in(filters)
        places = Participant.objects.filter(session__in=sessions)
        if filters.narrows_people:  # grouped by whether the place is a chosen person's
            chosen = Q(user_id__in=members_in(filters).values("user_id"))
            places = places.annotate(chosen=ExpressionWrapper(chosen, output_field=BooleanField()))
        else:
            places = places.annotate(chosen=Value(True))
        registered = Q(status=Participant.Status.REGISTERED)
        came = registered & Q(attended=True)
        promoted = Q(status__in=TOOK_PART, promoted_at__isnull=False)
        waiting = Q(status=Participant.Status.WAITLISTED)
        stood_in_line = stood_in_line_q()
        counts: dict[int, list[int]] = {}
        for session_id, chosen_rows, *figures in (
            places.values_list("session_id", "chosen")
            .annotate(
                taken=Count("pk", filter=Q(status__in=Participant.SEATED)),
                waiting=Count("pk", filter=waiting),
                registered=Count("pk", filter=registered),
                waitlisted=Count("pk", filter=stood_in_line),
                promoted=Count("pk", filter=promoted),
                came=Count("pk", filter=came),
                ratings=Count("feedback", filter=registered),
                rating_total=Sum("feedback__rating", filter=registered, default=0),
                reported=Sum("minutes_present", filter=came, default=0),
                unreported=Count("pk", filter=came & Q(minutes_present__isnull=True)),
            )
            .order_by()
        ):
            # Seats and the waitlist count everyone in the session, the rest the chosen people.
            total = counts.setdefault(session_id, [0] * len(figures))
            total[0] += figures[0]
            total[1] += figures[1]
            if chosen_rows:
                total[2:] = figures[2:]
        nothing = [0] * (len(SessionTotals._fields) - len(SESSION_FIELDS))
        filters._read["totals"] = [
            SessionTotals(*session, *counts.get(session[0], nothing))
            for session in sessions.values_list(*SESSION_FIELDS).order_by()
        ]
    read: list[SessionTotals] = filters._read["totals"]
    return read


def figures(filters: ReportFilters, *, now: datetime) -> Figures:
    """The headline figures: the sessions' totals added up, and one query for the people."""
    rows = session_totals(filters)
    held_rows = [row for row in rows if row.held(now)]
    places = [row for row in rows if not row.cancelled]  # figures of places leave cancelled ones out
    ratings = sum(row.ratings for row in held_rows)
    rating_total = sum(row.rating_total for row in held_rows)
    people = _attendees(filters, now=now).aggregate(people=Count("user_id", distinct=True))["people"]
    return Figures(
        sessions=len(rows),
        held=len(held_rows),
        upcoming=len(places) - len(held_rows),
        cancelled=len(rows) - len(places),
        cancelled_for_quorum=sum(row.cancelled_for_quorum for row in rows),
        seats_offered=sum(row.max_participants for row in held_rows),
        seats_taken=sum(row.taken for row in held_rows),
        registrations=sum(row.registered for row in places),
        people=people,
        waitlisted=sum(row.waitlisted for row in places),
        promoted=sum(row.promoted for row in places),
        registered_held=sum(row.registered for row in held_rows),
        attended=sum(row.came for row in held_rows),
        ratings=ratings,
        average_rating=rating_total / ratings if ratings else None,
        minutes=sum(row.reported for row in held_rows)
        + _minutes(sum((row.duration * row.unreported for row in held_rows), timedelta())),
    )


# ---- Reach ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """How many of a group's mentors and mentees attended at least one held session."""

    name: str
    members: int
    reached: int

    @property
    def share(self) -> float | None:
        return _rate(self.reached, self.members)


def reach_members(filters: ReportFilters) -> QuerySet[Membership]:
    """The people reach is about: the chosen members who are mentors or mentees."""
    return members_in(filters).exclude(role=Membership.Role.MANAGER)


def _attendees(filters: ReportFilters, *, now: datetime) -> QuerySet[Participant, Any]:
    """The people who attended at least one held session of the report, as user ids (the
    database reads this once and looks each member up in it)."""
    places = participants_in(filters).filter(
        held_q(now=now, prefix="session__"), status=Participant.Status.REGISTERED, attended=True
    )
    return places.values("user_id")


def reach(filters: ReportFilters, *, now: datetime) -> tuple[Reach, list[Reach], list[Reach]]:
    """Everyone chosen, then each cohort and each tag of the program (three queries). With a
    cohort or tag chosen, its table lists it alone, and the other table the groups that have
    chosen members (the rest would only show zeros)."""
    attendees = _attendees(filters, now=now)
    overall = reach_members(filters).aggregate(
        members=Count("pk"), reached=Count("pk", filter=Q(user_id__in=attendees))
    )
    everyone = Reach(name="Everyone", members=overall["members"], reached=overall["reached"])
    in_group = ~Q(memberships__role=Membership.Role.MANAGER)
    if filters.narrows_people:
        in_group &= Q(memberships__in=members_in(filters).values("pk"))
    groups: list[list[Reach]] = []
    for model, chosen in ((Cohort, filters.cohort), (Tag, filters.tag)):
        found = model.objects.filter(program=filters.program)
        if chosen is not None:
            found = found.filter(pk=chosen.pk)
        found = found.annotate(
            members=Count("memberships", filter=in_group),
            reached=Count("memberships", filter=in_group & Q(memberships__user_id__in=attendees)),
        )
        if filters.narrows_people and chosen is None:
            found = found.filter(members__gt=0)
        rows = found.order_by("name", "pk").values_list("name", "members", "reached")
        groups.append([Reach(name=name, members=members, reached=reached) for name, members, reached in rows])
    return everyone, groups[0], groups[1]


class MemberList(Sequence[Membership]):
    """Members in a fixed order, for a paginator: their keys read once (one query, however many
    pages are counted and shown), then a page at a time with their users."""

    def __init__(self, members: QuerySet[Membership]) -> None:
        self.members = members
        self._keys: list[int] | None = None

    @property
    def keys(self) -> list[int]:
        if self._keys is None:
            self._keys = list(self.members.values_list("pk", flat=True))
        return self._keys

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, index: int) -> Membership: ...
    @overload
    def __getitem__(self, index: slice) -> list[Membership]: ...
    def __getitem__(self, index: int | slice) -> Membership | list[Membership]:
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        keys = self.keys[index]
        found = Membership.objects.select_related("user").in_bulk(keys)
        return [found[pk] for pk in keys if pk in found]

    def __iter__(self) -> Iterator[Membership]:
        return iter(self[:])


def never_registered(filters: ReportFilters) -> MemberList:
    """Mentors and mentees (of the chosen cohort and tag) who have never taken a place in, nor
    hosted, any session of the program, at any time: people to invite next time. (Counting
    them reads every place of the program, so the list is read once for the count and the page.)"""
    places = Participant.objects.filter(
        session__program=filters.program,
        user_id=OuterRef("user_id"),
        status__in=(*TOOK_PART, Participant.Status.HOST),
    )
    return MemberList(
        reach_members(filters).filter(~Exists(places)).order_by("user__full_name", "user__email", "pk")
    )


# ---- Sorting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    """A table's order from the URL: a column's key, "-" first for descending."""

    key: str
    descending: bool

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    @classmethod
    def parse(cls, value: str | None, *, keys: Sequence[str], default: str) -> "Sort":
        value = (value or "")[:30]
        key = value.removeprefix("-")
        if key not in keys:
            value, key = default, default.removeprefix("-")
        return cls(key=key, descending=value.startswith("-"))


def _sorted_nones_last(rows: list[Any], key: Callable[[Any], Any], *, descending: bool) -> list[Any]:
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    return sorted(known, key=key, reverse=descending) + unknown


# ---- Per host ------------------------------------------------------------------------------------


@dataclass
class HostRow:
    host_id: int
    full_name: str
    email: str
    sessions: int = 0
    held: int = 0
    cancelled: int = 0
    seats_offered: int = 0
    seats_taken: int = 0
    registered: int = 0
    attended: int = 0
    ratings: int = 0
    average_rating: float | None = None

    @property
    def host(self) -> User:
        """Enough of the host to name them and link to their profile."""
        return User(pk=self.host_id, full_name=self.full_name, email=self.email)

    @property
    def fill_rate(self) -> float | None:
        return _rate(self.seats_taken, self.seats_offered)

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.attended, self.registered)


HOST_SORTS: dict[str, Callable[[HostRow], Any]] = {
    "host": lambda row: (row.full_name.casefold() or row.email, row.host_id),
    "sessions": lambda row: row.sessions,
    "held": lambda row: row.held,
    "fill": lambda row: row.fill_rate,
    "attendance": lambda row: row.attendance_rate,
    "rating": lambda row: row.average_rating,
}
HOST_SORT_DEFAULT = "-held"


def host_rows(filters: ReportFilters, *, now: datetime, sort: Sort) -> list[HostRow]:
    """One row per host of the report's sessions, in `sort`'s order, added up from the sessions'
    totals (a program has as many rows as hosts, so they are sorted here)."""
    rows: dict[int, HostRow] = {}
    rating_totals: dict[int, int] = {}
    for session in session_totals(filters):
        host = rows.get(session.host_id)
        if host is None:
            host = rows[session.host_id] = HostRow(
                host_id=session.host_id, full_name=session.host_name, email=session.host_email
            )
            rating_totals[session.host_id] = 0
        host.sessions += 1
        host.cancelled += session.cancelled
        if session.held(now):
            host.held += 1
            host.seats_offered += session.max_participants
            host.seats_taken += session.taken
            host.registered += session.registered
            host.attended += session.came
            host.ratings += session.ratings
            rating_totals[session.host_id] += session.rating_total
    for host in rows.values():
        host.average_rating = rating_totals[host.host_id] / host.ratings if host.ratings else None
    by_name = sorted(rows.values(), key=HOST_SORTS["host"])  # ties in any other column: by name
    return _sorted_nones_last(by_name, HOST_SORTS[sort.key], descending=sort.descending)


# ---- Per session ---------------------------------------------------------------------------------

# Column -> what the sessions are ordered by: fields, or a figure of `session_figures` (ordered
# here from the sessions' totals, which have the same names).
SESSION_SORTS: dict[str, tuple[str, ...]] = {
    "date": ("starts_at",),
    "title": ("title",),
    "host": ("host__full_name", "host__email"),
    "seats": ("taken",),
    "waitlist": ("waiting",),
    "attended": ("came",),
    "rating": ("average",),
}
SESSION_SORT_DEFAULT = "-date"


def session_figures(filters: ReportFilters) -> dict[str, Aggregate]:
    """Per session: seats taken (host included) and those waiting now describe the session;
    the waitlisted (ever, as `session_totals` counts them), registered, attended and ratings
    count the chosen people's places."""
    chosen = _chosen(filters, prefix="participants__")
    registered = chosen & Q(participants__status=Participant.Status.REGISTERED)
    return {
        "taken": Count("participants", filter=Q(participants__status__in=Participant.SEATED)),
        "waiting": Count("participants", filter=Q(participants__status=Participant.Status.WAITLISTED)),
        "waitlisted": Count("participants", filter=chosen & stood_in_line_q(prefix="participants__")),
        "registered": Count("participants", filter=registered),
        "came": Count("participants", filter=registered & Q(participants__attended=True)),
        "ratings": Count("participants__feedback", filter=registered),
        "average": Avg("participants__feedback__rating", filter=registered),
    }


class SessionList(Sequence[GroupSession]):
    """The report's sessions in a table's order, for a paginator: counted from the sessions'
    totals and read a page at a time, from a query in the table's order or, for an order by a
    figure, by the keys already put in order."""

    def __init__(self, filters: ReportFilters, rows: QuerySet[GroupSession] | list[int]) -> None:
        self.filters = filters
        self.rows = rows

    def __len__(self) -> int:
        return len(session_totals(self.filters))

    @overload
    def __getitem__(self, index: int) -> GroupSession: ...
    @overload
    def __getitem__(self, index: slice) -> list[GroupSession]: ...
    def __getitem__(self, index: int | slice) -> GroupSession | list[GroupSession]:
        if isinstance(self.rows, QuerySet):
            return list(self.rows[index]) if isinstance(index, slice) else self.rows[index]
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        ids = self.rows[index]
        found = GroupSession.objects.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def __iter__(self) -> Iterator[GroupSession]:
        return iter(self.rows if isinstance(self.rows, QuerySet) else self[:])


def _by_figure(rows: list[SessionTotals], name: str, *, descending: bool) -> list[int]:
    """The sessions' keys by a figure (unknown ones last), then latest first, then by key in
    the figure's direction: the order the database gives for a field."""

    def figure(row: SessionTotals) -> Any:
        return getattr(row, name)

    rows = sorted(rows, key=lambda row: row.pk, reverse=descending)
    rows.sort(key=lambda row: row.starts_at, reverse=True)  # stable: ties keep the key's order
    known = sorted((row for row in rows if figure(row) is not None), key=figure, reverse=descending)
    return [row.pk for row in known] + [row.pk for row in rows if figure(row) is None]


def session_list(filters: ReportFilters, *, sort: Sort) -> SessionList:
    """The report's sessions in `sort`'s order, for pagination; decorate one page with
    `session_rows`. An order by a figure is put together from the sessions' totals."""
    fields = SESSION_SORTS[sort.key]
    if fields[0] in session_figures(filters):
        return SessionList(
            filters, _by_figure(session_totals(filters), fields[0], descending=sort.descending)
        )
    order = [
        F(name).desc(nulls_last=True) if sort.descending else F(name).asc(nulls_last=True) for name in fields
    ]
    tie = F("pk").desc() if sort.descending else F("pk").asc()
    return SessionList(filters, sessions_in(filters).order_by(*order, "-starts_at", tie))


def session_status(session: GroupSession, *, now: datetime) -> str:
    """What became of the session, as the report names it."""
    if session.status == GroupSession.Status.CANCELLED:
        if session.cancelled_by_id is None:
            if session.cancel_reason == NOT_ENOUGH_PARTICIPANTS:
                return "Cancelled: too few"
            return "Cancelled"  # before who cancelled was recorded: the host or a manager
        if session.cancelled_by_id == session.host_id:
            return "Cancelled by the host"
        return "Cancelled by a manager"
    if session.ends_at <= now or session.call_ended_at is not None:
        return "Held"
    if session.starts_at <= now:
        return "Under way"
    return "Upcoming"


def session_rows(
    filters: ReportFilters, sessions: Iterable[GroupSession], *, now: datetime
) -> list[GroupSession]:
    """One page of `session_list` with its figures (attributes named as in `session_figures`)
    and `report_status`, in the page's order: one query."""
    ids = [session.pk for session in sessions]
    found = (
        GroupSession.objects.filter(pk__in=ids).select_related("host").annotate(**session_figures(filters))
    )
    by_id = {session.pk: session for session in found}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    for row in rows:
        row.report_status = session_status(row, now=now)  # type: ignore[attr-defined]
    return rows


# ---- Over time -----------------------------------------------------------------------------------

WEEK, MONTH, YEAR = "week", "month", "year"
# The longest range drawn week by week, and month by month.
MAX_WEEKLY = timedelta(weeks=16)
MAX_MONTHLY = timedelta(days=366 * 5)


@dataclass(frozen=True)
class Bucket:
    start: date
    held: int
    attended: int


@dataclass(frozen=True)
class Timeline:
    unit: str  # WEEK, MONTH or YEAR
    buckets: list[Bucket]


def _bucket_start(day: date, unit: str) -> date:
    if unit == WEEK:
        return day - timedelta(days=day.weekday())
    if unit == MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _next_bucket(start: date, unit: str) -> date:
    if unit == WEEK:
        return start + timedelta(weeks=1)
    if unit == MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def timeline(filters: ReportFilters, *, now: datetime, today: date) -> Timeline:
    """Sessions held and places attended, day by day in the program's zone from the sessions'
    totals, then gathered by week (ranges up to 16 weeks), month (up to 5 years) or year, from
    the range's first day (or the first session held) to its last day or today."""
    zone = zoneinfo.ZoneInfo(filters.program.time_zone)
    by_day: dict[date, list[int]] = {}
    for session in session_totals(filters):
        if session.held(now):
            counts = by_day.setdefault(session.starts_at.astimezone(zone).date(), [0, 0])
            counts[0] += 1
            counts[1] += session.came
    days = sorted(by_day)
    first = filters.start or (days[0] if days else None)
    last = min(filters.end or today, today)
    if days:
        last = max(last, days[-1])  # a call ended early today is still today
    if first is None or first > last:
        return Timeline(unit=WEEK, buckets=[])
    span = last - first
    unit = WEEK if span <= MAX_WEEKLY else MONTH if span <= MAX_MONTHLY else YEAR
    totals: dict[date, list[int]] = {}
    start = _bucket_start(first, unit)
    while start <= last:
        totals[start] = [0, 0]
        start = _next_bucket(start, unit)
    for day, (held_, came_) in by_day.items():
        bucket = totals.setdefault(_bucket_start(day, unit), [0, 0])
        bucket[0] += held_
        bucket[1] += came_
    return Timeline(
        unit=unit,
        buckets=[
            Bucket(start=start, held=held_, attended=came_)
            for start, (held_, came_) in sorted(totals.items())
        ],
    )
