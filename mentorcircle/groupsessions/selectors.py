"""Every read of group sessions. Lists cost a fixed number of queries, whatever their size."""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant
from mentorcircle.programs.models import Membership, Program

FUTURE, PAST = "future", "past"


def with_counts(sessions: QuerySet[GroupSession]) -> QuerySet[GroupSession]:
    return sessions.select_related("host", "program").annotate(
        seats_taken=Count("participants", filter=Q(participants__status__in=Participant.SEATED)),
        waitlist_size=Count("participants", filter=Q(participants__status=Participant.Status.WAITLISTED)),
        attended_count=Count(
            "participants",
            filter=Q(participants__status__in=Participant.SEATED, participants__attended=True),
        ),
    )


def seats_taken(session: GroupSession) -> int:
    """Seated participants of one session, the host included."""
    return Participant.objects.filter(session=session, status__in=Participant.SEATED).count()


# How many registered people a list names per session; the others are counted ("and 12 more").
LIST_NAMES = 8


def _attendees() -> Prefetch[str, QuerySet[Participant], str]:
    """The first `LIST_NAMES` registered people by name, as `attendees` (read with a window
    function, so a list's cost does not grow with the size of its sessions)."""
    attendees = (
        Participant.objects.filter(status=Participant.Status.REGISTERED)
        .select_related("user")
        .order_by("user__full_name", "user__email", "pk")
    )
    return Prefetch("participants", queryset=attendees[:LIST_NAMES], to_attr="attendees")


def with_my_status(sessions: QuerySet[GroupSession], *, user: User) -> QuerySet[GroupSession]:
    mine = Participant.objects.filter(session=OuterRef("pk"), user=user).values("status")[:1]
    return sessions.annotate(my_status=Subquery(mine))


def when(
    sessions: QuerySet[GroupSession], *, tab: str, now: datetime, with_cancelled: bool = False
) -> QuerySet[GroupSession]:
    """Future: not over yet, soonest first; cancelled ones too with `with_cancelled` (the Future
    lists show them, marked, until their time has passed). Past: the sessions that took place
    (over and not cancelled), latest first. (The query form of GroupSession.phase: over means
    past its end or its call ended.)"""
    cancelled = Q(status=GroupSession.Status.CANCELLED)
    if tab == PAST:
        over = Q(ends_at__lte=now) | Q(call_ended_at__isnull=False)
        return sessions.filter(over).exclude(cancelled).order_by("-starts_at", "-id")
    upcoming = sessions.filter(ends_at__gt=now, call_ended_at__isnull=True)
    if not with_cancelled:
        upcoming = upcoming.exclude(cancelled)
    return upcoming.order_by("starts_at", "id")


def for_display(
    sessions: Iterable[GroupSession],
    *,
    user: User,
    attendees: bool | Callable[[GroupSession], bool] = False,
    now: datetime | None = None,
) -> list[GroupSession]:
    """Seat counts, the state at `now`, the viewer's own status and (optionally) attendees for
    one page of a list: `attendees=True` for every session shown, or a predicate picking the
    sessions whose people the page shows (the others get no `attendees`).

    Lists are paginated on the plain query first and decorated here for that page only, so a
    page costs the same whether the program has 10 sessions or 10,000 (the attendees: one query
    more, none when no session is picked).
    """
    now = now or timezone.now()
    ids = [session.pk for session in sessions]
    decorated = with_my_status(with_counts(GroupSession.objects.filter(pk__in=ids)), user=user)
    by_id = {session.pk: session for session in decorated}
    shown = [by_id[pk] for pk in ids if pk in by_id]
    for session in shown:
        session.state = session.state_at(now)  # type: ignore[attr-defined]
    if attendees:
        picked = shown if attendees is True else [session for session in shown if attendees(session)]
        prefetch_related_objects(picked, _attendees())
        for session in picked:  # the host holds a seat too
            registered = session.state.seats_taken - 1  # type: ignore[attr-defined]
            session.more_attendees = max(registered - len(session.attendees), 0)  # type: ignore[attr-defined]
    return shown


def sessions_for_person(
    *, user: User, tab: str, now: datetime | None = None, with_cancelled: bool = False
) -> QuerySet[GroupSession]:
    """Sessions the person hosts, holds a seat in, waits for or is invited to, in the programs
    they are still a member of (undecorated: pass a page of it through `for_display`).
    `with_cancelled`: see `when`."""
    now = now or timezone.now()
    involved = Participant.objects.filter(
        user=user,
        status__in=(*Participant.SEATED, Participant.Status.WAITLISTED, Participant.Status.INVITED),
    ).values("session_id")
    programs = Membership.objects.filter(user=user).values("program_id")
    return when(
        GroupSession.objects.filter(pk__in=involved, program_id__in=programs),
        tab=tab,
        now=now,
        with_cancelled=with_cancelled,
    )


def sessions_for_program(
    *, program: Program, tab: str, now: datetime | None = None, with_cancelled: bool = False
) -> QuerySet[GroupSession]:
    """The program's sessions (undecorated). `with_cancelled`: see `when`; without it, Future is
    what is still to be held (as leaving the program needs)."""
    now = now or timezone.now()
    return when(GroupSession.objects.filter(program=program), tab=tab, now=now, with_cancelled=with_cancelled)


def places_to_give_up(*, program: Program, now: datetime) -> Q:
    """The places a person leaving the program gives up, as a filter on Participant: seats and
    waitlist places in its sessions that have not started, and unanswered invitations to those
    not over yet (a seat in a session under way stays)."""
    upcoming = sessions_for_program(program=program, tab=FUTURE, now=now)
    return Q(session__in=upcoming) & (
        Q(
            status__in=(Participant.Status.REGISTERED, Participant.Status.WAITLISTED),
            session__starts_at__gt=now,
        )
        | Q(status=Participant.Status.INVITED)
    )


@dataclass(frozen=True)
class Commitments:
    """What removing a member from a program would touch in its sessions."""

    hosting: int = 0  # upcoming sessions they host
    places: int = 0  # seats, waitlist places and invitations they would give up


def member_commitments(
    *, program: Program, user_ids: Collection[int], now: datetime
) -> dict[int, Commitments]:
    """Commitments per person in the program's upcoming sessions (two queries for any number)."""
    upcoming = sessions_for_program(program=program, tab=FUTURE, now=now)
    hosting = dict(
        upcoming.filter(host_id__in=user_ids).order_by().values_list("host_id").annotate(n=Count("pk"))
    )
    places = dict(
        Participant.objects.filter(places_to_give_up(program=program, now=now), user_id__in=user_ids)
        .order_by()
        .values_list("user_id")
        .annotate(n=Count("pk"))
    )
    return {pk: Commitments(hosting=hosting.get(pk, 0), places=places.get(pk, 0)) for pk in user_ids}


def upcoming_hosted_by(*, host: User, viewer: User, now: datetime | None = None) -> QuerySet[GroupSession]:
    """A host's upcoming sessions in the programs the viewer belongs to (for the public profile)."""
    now = now or timezone.now()
    sessions = GroupSession.objects.filter(
        host=host, program__in=Program.objects.filter(memberships__user=viewer)
    )
    return when(sessions, tab=FUTURE, now=now)


def new_invitees(
    *,
    session: GroupSession,
    invited_by: User,
    people: Iterable[int] = (),
    cohorts: Iterable[int] = (),
    tags: Iterable[int] = (),
    everyone: bool = False,
) -> set[int]:
    """The ids of the members an invitation would reach: the program's members picked by id,
    cohort, tag or all of them, who have no row in the session yet (nobody is invited twice,
    and people who registered or answered are left alone); never the host, nor the inviter."""
    who = (
        Q()
        if everyone
        else Q(user_id__in=list(people)) | Q(cohorts__in=list(cohorts)) | Q(tags__in=list(tags))
    )
    wanted = Membership.objects.filter(program_id=session.program_id).filter(who)
    already = Participant.objects.filter(session=session).values("user_id")
    return set(
        wanted.exclude(user_id__in=(session.host_id, invited_by.pk))
        .exclude(user_id__in=already)
        .values_list("user_id", flat=True)
    )


def session_get_visible(
    *, user: User, pk: int, now: datetime | None = None
) -> tuple[GroupSession, Membership]:
    """The session (with its `state` at `now`) and the viewer's membership in its program;
    404 for anyone outside it."""
    session = with_counts(GroupSession.objects.filter(pk=pk)).first()
    if session is None:
        raise Http404("No such session.")
    membership = Membership.objects.filter(program_id=session.program_id, user=user).first()
    if membership is None:
        raise Http404("No such session.")
    session.state = session.state_at(now or timezone.now())  # type: ignore[attr-defined]
    return session, membership


def _with_session(participants: QuerySet[Participant]) -> QuerySet[Participant]:
    """A participant with what the pages reached from an email link show."""
    return participants.select_related("session__program", "session__host", "user")


def participant_get(*, pk: int) -> Participant | None:
    return _with_session(Participant.objects.filter(pk=pk)).first()


def participant_by_join_token(*, token: str) -> Participant | None:
    """The row a join link belongs to."""
    if not token or len(token) > 64:
        return None
    return _with_session(Participant.objects.filter(join_token=token)).first()


@dataclass(frozen=True)
class FeedbackSummary:
    count: int
    average: float | None
    entries: list[Feedback]  # newest first, each with its participant's user loaded


def feedback_summary(*, session: GroupSession) -> FeedbackSummary:
    """Ratings and comments of one session (who sees names is the template's and view's call)."""
    entries = list(
        Feedback.objects.filter(participant__session=session)
        .select_related("participant__user")
        .order_by("-updated_at", "id")
    )
    average = sum(entry.rating for entry in entries) / len(entries) if entries else None
    return FeedbackSummary(count=len(entries), average=average, entries=entries)


def participant_for(*, session: GroupSession, user: User) -> Participant | None:
    return Participant.objects.filter(session=session, user=user).first()


def waitlist_position(*, participant: Participant) -> int:
    ahead = Participant.objects.filter(
        session_id=participant.session_id,
        status=Participant.Status.WAITLISTED,
    ).filter(
        Q(waitlisted_at__lt=participant.waitlisted_at)
        | Q(waitlisted_at=participant.waitlisted_at, id__lt=participant.pk)
    )
    return ahead.count() + 1


def session_people(*, session: GroupSession) -> dict[str, list[Participant]]:
    """Everyone with a row, grouped by status, in one query: the waitlist in its order, the
    other groups by name."""
    groups: dict[str, list[Participant]] = {status: [] for status in Participant.Status.values}
    rows = (
        Participant.objects.filter(session=session)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    for participant in rows:
        groups[participant.status].append(participant)
    groups[Participant.Status.WAITLISTED].sort(key=lambda p: (p.waitlisted_at, p.pk))
    return groups


def member_suggestions(
    *, program: Program, query: str, exclude: User, by_email: bool = False, limit: int = 8
) -> QuerySet[User]:
    """Members of the program whose name (or, for `by_email`, email) matches, for the invite
    type-ahead. Only program managers may search by email: a match would reveal an address."""
    query = query.strip()
    if len(query) < 1:
        return User.objects.none()
    matches = Q(full_name__icontains=query) | (Q(email__icontains=query) if by_email else Q(pk__in=[]))
    return (
        User.objects.filter(memberships__program=program)
        .filter(matches)
        .exclude(pk=exclude.pk)
        .order_by("full_name", "email")[:limit]
    )


def session_with_counts(*, pk: int) -> GroupSession:
    return with_counts(GroupSession.objects.filter(pk=pk)).get()


def session_for_callback(*, pk: int | None) -> GroupSession | None:
    """The session a video service's callback names, with its program (its secrets)."""
    if pk is None:
        return None
    return GroupSession.objects.select_related("program").filter(pk=pk).first()


def feedback_of(*, participant: Participant) -> Feedback | None:
    return Feedback.objects.filter(participant=participant).first()
