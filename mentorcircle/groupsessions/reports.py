"""What a program's report covers: the filters (from the URL, so a report can be bookmarked and
shared) and the rows they select. The Reports page and the CSV exports read the same rows.

The filters pick sessions and people:
- sessions by their start (a date range read in the program's time zone, so two managers who
  share a link see the same figures) and by host;
- people by cohort and tag: people figures then count only those members' rows, and the
  sessions are those at least one of them registered for.

Then the figures, each from an aggregate query, so that a report costs the same number of
queries for 10 sessions or 10,000:
- about sessions (held, cancelled, seats and fill rate): the whole session, whoever took a seat;
- about people (registrations, waitlist, attendance, ratings, hours, reach): the chosen people's
  places, never the host's own row.
"""

import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, overload

from django.db.models import Aggregate, Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.services import NOT_ENOUGH_PARTICIPANTS
from mentorcircle.programs.models import Cohort, Membership, Program, Tag

# People who took a place in a session (the host is counted apart, as the host).
TOOK_PART = (Participant.Status.REGISTERED, Participant.Status.WAITLISTED, Participant.Status.LEFT)


class Period:
    LAST_30 = "30d"
    LAST_90 = "90d"
    THIS_YEAR = "year"
    ALL = "all"
    CUSTOM = "custom"

    CHOICES = (
        (LAST_30, "Last 30 days"),
        (LAST_90, "Last 90 days"),
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


def held(sessions: QuerySet[GroupSession], *, now: datetime) -> QuerySet[GroupSession]:
    """Sessions that took place: not cancelled and over (the query form of Phase.ENDED)."""
    return sessions.filter(held_q(now=now))


def cancelled_for_quorum_q(prefix: str = "") -> Q:
    """Cancelled by the platform's decision for want of participants (nobody cancelled it)."""
    return Q(
        **{
            f"{prefix}status": GroupSession.Status.CANCELLED,
            f"{prefix}cancelled_by__isnull": True,
            f"{prefix}cancel_reason": NOT_ENOUGH_PARTICIPANTS,
        }
    )


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


def figures(filters: ReportFilters, *, now: datetime) -> Figures:
    """The headline figures: three aggregate queries, whatever the program's size."""
    sessions = sessions_in(filters)
    was_held = held_q(now=now)
    cancelled = Q(status=GroupSession.Status.CANCELLED)
    by_session = sessions.aggregate(
        total=Count("pk"),
        held=Count("pk", filter=was_held),
        cancelled=Count("pk", filter=cancelled),
        for_quorum=Count("pk", filter=cancelled_for_quorum_q()),
        offered=Sum("max_participants", filter=was_held),
    )
    seats_taken = Participant.objects.filter(
        session__in=held(sessions, now=now), status__in=Participant.SEATED
    ).count()

    # Every figure of places leaves cancelled sessions out: so does the query.
    place_held = held_q(now=now, prefix="session__")
    registered = Q(status=Participant.Status.REGISTERED)
    came = place_held & registered & Q(attended=True)
    promoted = Q(promoted_at__isnull=False)
    places = participants_in(filters).exclude(session__status=GroupSession.Status.CANCELLED)
    by_place = places.aggregate(
        registrations=Count("pk", filter=registered),
        waitlisted=Count("pk", filter=Q(status=Participant.Status.WAITLISTED) | promoted),
        promoted=Count("pk", filter=promoted),
        registered_held=Count("pk", filter=place_held & registered),
        came=Count("pk", filter=came),
        people=Count("user_id", filter=came, distinct=True),
        ratings=Count("feedback", filter=place_held & registered),
        average=Avg("feedback__rating", filter=place_held & registered),
        reported=Sum("minutes_present", filter=came & Q(minutes_present__isnull=False)),
        unreported=Sum("session__duration", filter=came & Q(minutes_present__isnull=True)),
    )
    return Figures(
        sessions=by_session["total"],
        held=by_session["held"],
        upcoming=by_session["total"] - by_session["held"] - by_session["cancelled"],
        cancelled=by_session["cancelled"],
        cancelled_for_quorum=by_session["for_quorum"],
        seats_offered=by_session["offered"] or 0,
        seats_taken=seats_taken,
        registrations=by_place["registrations"],
        people=by_place["people"],
        waitlisted=by_place["waitlisted"],
        promoted=by_place["promoted"],
        registered_held=by_place["registered_held"],
        attended=by_place["came"],
        ratings=by_place["ratings"],
        average_rating=float(by_place["average"]) if by_place["average"] is not None else None,
        minutes=(by_place["reported"] or 0) + _minutes(by_place["unreported"]),
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
    """Everyone chosen, then each cohort and each tag of the program (three queries)."""
    attendees = _attendees(filters, now=now)
    overall = reach_members(filters).aggregate(
        members=Count("pk"), reached=Count("pk", filter=Q(user_id__in=attendees))
    )
    everyone = Reach(name="Everyone", members=overall["members"], reached=overall["reached"])
    in_group = ~Q(memberships__role=Membership.Role.MANAGER)
    if filters.narrows_people:
        in_group &= Q(memberships__in=members_in(filters).values("pk"))
    groups: list[list[Reach]] = []
    for model in (Cohort, Tag):
        rows = (
            model.objects.filter(program=filters.program)
            .annotate(
                members=Count("memberships", filter=in_group),
                reached=Count("memberships", filter=in_group & Q(memberships__user_id__in=attendees)),
            )
            .order_by("name", "pk")
            .values_list("name", "members", "reached")
        )
        groups.append([Reach(name=name, members=members, reached=reached) for name, members, reached in rows])
    return everyone, groups[0], groups[1]


def never_registered(filters: ReportFilters) -> QuerySet[Membership]:
    """Mentors and mentees (of the chosen cohort and tag) who have never taken a place in, nor
    hosted, any session of the program, at any time: people to invite next time."""
    places = Participant.objects.filter(
        session__program=filters.program,
        user_id=OuterRef("user_id"),
        status__in=(*TOOK_PART, Participant.Status.HOST),
    )
    return (
        reach_members(filters)
        .filter(~Exists(places))
        .select_related("user")
        .order_by("user__full_name", "user__email", "pk")
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
    """One row per host of the report's sessions, in `sort`'s order (three grouped queries; a
    program has as many rows as hosts, so they are sorted here)."""
    sessions = sessions_in(filters)
    was_held = held_q(now=now)
    rows = {
        row["host_id"]: HostRow(
            host_id=row["host_id"],
            full_name=row["host__full_name"],
            email=row["host__email"],
            sessions=row["sessions"],
            held=row["held"],
            cancelled=row["cancelled"],
            seats_offered=row["offered"] or 0,
        )
        for row in sessions.values("host_id", "host__full_name", "host__email")
        .annotate(
            sessions=Count("pk"),
            held=Count("pk", filter=was_held),
            cancelled=Count("pk", filter=Q(status=GroupSession.Status.CANCELLED)),
            offered=Sum("max_participants", filter=was_held),
        )
        .order_by()
    }
    seats = (
        Participant.objects.filter(session__in=held(sessions, now=now), status__in=Participant.SEATED)
        .values("session__host_id")
        .annotate(taken=Count("pk"))
        .order_by()
    )
    for seat in seats:
        rows[seat["session__host_id"]].seats_taken = seat["taken"]
    registered = Q(status=Participant.Status.REGISTERED)
    places = (
        participants_in(filters)
        .filter(held_q(now=now, prefix="session__"))
        .values("session__host_id")
        .annotate(
            registered=Count("pk", filter=registered),
            came=Count("pk", filter=registered & Q(attended=True)),
            ratings=Count("feedback", filter=registered),
            average=Avg("feedback__rating", filter=registered),
        )
        .order_by()
    )
    for place in places:
        host = rows[place["session__host_id"]]
        host.registered, host.attended = place["registered"], place["came"]
        host.ratings = place["ratings"]
        host.average_rating = float(place["average"]) if place["average"] is not None else None
    by_name = sorted(rows.values(), key=HOST_SORTS["host"])  # ties in any other column: by name
    return _sorted_nones_last(by_name, HOST_SORTS[sort.key], descending=sort.descending)


# ---- Per session ---------------------------------------------------------------------------------

# Column -> what the database orders by (a field, or a figure of `_session_figures`).
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


def _session_figures(filters: ReportFilters) -> dict[str, Aggregate]:
    """Per session: seats taken (host included) and the waitlist describe the session; the
    registered, attended and ratings count the chosen people's places."""
    chosen = _chosen(filters, prefix="participants__")
    registered = chosen & Q(participants__status=Participant.Status.REGISTERED)
    return {
        "taken": Count("participants", filter=Q(participants__status__in=Participant.SEATED)),
        "waiting": Count("participants", filter=Q(participants__status=Participant.Status.WAITLISTED)),
        "registered": Count("participants", filter=registered),
        "came": Count("participants", filter=registered & Q(participants__attended=True)),
        "ratings": Count("participants__feedback", filter=registered),
        "average": Avg("participants__feedback__rating", filter=registered),
    }


class SessionList(Sequence[GroupSession]):
    """The report's sessions in a table's order, for a paginator: counted without their
    figures, and read (figures computed only when the order needs them) a page at a time."""

    def __init__(self, filters: ReportFilters, rows: QuerySet[GroupSession]) -> None:
        self.filters = filters
        self.rows = rows

    def __len__(self) -> int:
        return sessions_in(self.filters).count()

    @overload
    def __getitem__(self, index: int) -> GroupSession: ...
    @overload
    def __getitem__(self, index: slice) -> list[GroupSession]: ...
    def __getitem__(self, index: int | slice) -> GroupSession | list[GroupSession]:
        if isinstance(index, slice):
            return list(self.rows[index])
        return self.rows[index]

    def __iter__(self) -> Iterator[GroupSession]:
        return iter(self.rows)


def session_list(filters: ReportFilters, *, sort: Sort) -> SessionList:
    """The report's sessions in `sort`'s order, for pagination; decorate one page with
    `session_rows`. Only an order by a figure makes the database compute the figures."""
    fields = SESSION_SORTS[sort.key]
    sessions = sessions_in(filters)
    figures = _session_figures(filters)
    if any(name in figures for name in fields):
        sessions = sessions.annotate(**{name: figures[name] for name in fields})
    order = [
        F(name).desc(nulls_last=True) if sort.descending else F(name).asc(nulls_last=True) for name in fields
    ]
    tie = F("pk").desc() if sort.descending else F("pk").asc()
    return SessionList(filters, sessions.order_by(*order, "-starts_at", tie))


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
    """One page of `session_list` with its figures (attributes named as in `_session_figures`)
    and `report_status`, in the page's order: one query."""
    ids = [session.pk for session in sessions]
    found = (
        GroupSession.objects.filter(pk__in=ids).select_related("host").annotate(**_session_figures(filters))
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
    """Sessions held and places attended, day by day in the program's zone from one grouped
    query, then gathered by week (ranges up to 16 weeks), month (up to 5 years) or year, from
    the range's first day (or the first session held) to its last day or today."""
    zone = zoneinfo.ZoneInfo(filters.program.time_zone)
    came = _chosen(filters, prefix="participants__") & Q(
        participants__status=Participant.Status.REGISTERED, participants__attended=True
    )
    days = list(
        held(sessions_in(filters), now=now)
        .annotate(day=TruncDate("starts_at", tzinfo=zone))
        .values("day")
        .annotate(held=Count("pk", distinct=True), attended=Count("participants", filter=came))
        .order_by("day")
    )
    first = filters.start or (days[0]["day"] if days else None)
    last = min(filters.end or today, today)
    if days:
        last = max(last, days[-1]["day"])  # a call ended early today is still today
    if first is None or first > last:
        return Timeline(unit=WEEK, buckets=[])
    span = last - first
    unit = WEEK if span <= MAX_WEEKLY else MONTH if span <= MAX_MONTHLY else YEAR
    totals: dict[date, list[int]] = {}
    start = _bucket_start(first, unit)
    while start <= last:
        totals[start] = [0, 0]
        start = _next_bucket(start, unit)
    for row in days:
        bucket = totals.setdefault(_bucket_start(row["day"], unit), [0, 0])
        bucket[0] += row["held"]
        bucket[1] += row["attended"]
    return Timeline(
        unit=unit,
        buckets=[
            Bucket(start=start, held=held_, attended=came_)
            for start, (held_, came_) in sorted(totals.items())
        ],
    )
