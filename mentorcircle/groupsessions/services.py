"""Every write to group sessions and their participants goes through here.

Seat-taking writes lock the session row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite
the IMMEDIATE transaction already serialises writers), then count, so the number of seated
participants can never pass the maximum, however many people click Join at once.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.core.events import publish
from mentorcircle.core.ids import is_id
from mentorcircle.core.markdown import render_markdown
from mentorcircle.core.validators import has_control_characters
from mentorcircle.groupsessions import events, tasks, video
from mentorcircle.groupsessions.models import (
    AttendanceChange,
    Feedback,
    GroupSession,
    Participant,
    Phase,
    SessionState,
)
from mentorcircle.groupsessions.rules import can_create_sessions, can_manage_session
from mentorcircle.groupsessions.selectors import (
    FUTURE,
    member_commitments,
    new_invitees,
    places_to_give_up,
    seats_taken,
    sessions_for_program,
)
from mentorcircle.programs.models import Cohort, Membership, Program, Tag, VideoService
from mentorcircle.programs.services import (
    MembershipError,
    last_manager_refusal,
    membership_leave,
    memberships_remove,
)

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=12)
MAX_PARTICIPANTS = 1000
MAX_DESCRIPTION = 10_000
MAX_AHEAD = timedelta(days=5 * 365)
NOT_ENOUGH_PARTICIPANTS = "Not enough participants"
# Signs the video service's callback addresses, so nobody else can end a session's call.
CALLBACK_SALT = "mentorcircle.groupsessions.call-callback"

Status = Participant.Status


class SessionError(Exception):
    """A rule was broken; `field` names the form field the message belongs next to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SessionDetails:
    title: str
    description: str
    starts_at: datetime
    duration: timedelta
    min_participants: int
    max_participants: int
    meeting_url: str = ""

    def __post_init__(self) -> None:
        # A form hands over the start in the creator's zone, where `starts_at + duration` and
        # `starts_at - 24 h` are wall-clock sums: an hour off across a daylight-saving change.
        # Browsers send line breaks as CR LF: count and keep each as one character.
        object.__setattr__(self, "description", self.description.replace("\r\n", "\n"))
        try:
            object.__setattr__(self, "starts_at", self.starts_at.astimezone(UTC))
        except OverflowError:  # the edge of the calendar: far past any allowed start
            raise SessionError("Choose a start time within the next 5 years.", "starts_at") from None


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _schedule_decision(session: GroupSession) -> None:
    decide = tasks.decide_session.using(run_after=session.decide_at)
    transaction.on_commit(lambda: decide.enqueue(session_id=session.pk))


def validate_details(details: SessionDetails, *, now: datetime, check_start: bool = True) -> None:
    """The rules every session obeys, whoever creates or edits it."""
    if not details.title.strip():
        raise SessionError("Give the session a title.", "title")
    if len(details.title) > 200:
        raise SessionError("Keep the title to 200 characters or fewer.", "title")
    if has_control_characters(details.title):
        raise SessionError("Keep the title on a single line, without control characters.", "title")
    if not details.description.strip():
        raise SessionError("Describe the session.", "description")
    if len(details.description) > MAX_DESCRIPTION:
        raise SessionError(
            f"Keep the description to {MAX_DESCRIPTION:,} characters or fewer "
            f"(it has {len(details.description):,}).",
            "description",
        )
    if check_start and details.starts_at <= now:
        raise SessionError("Choose a start time in the future.", "starts_at")
    if details.starts_at > now + MAX_AHEAD:
        raise SessionError("Choose a start time within the next 5 years.", "starts_at")
    if not MIN_DURATION <= details.duration <= MAX_DURATION:
        raise SessionError("The duration must be between 5 minutes and 12 hours.", "duration")
    if not 2 <= details.max_participants <= MAX_PARTICIPANTS:
        raise SessionError(
            f"The maximum must be between 2 and {MAX_PARTICIPANTS} (the host counts as 1).",
            "max_participants",
        )
    if not 1 <= details.min_participants <= details.max_participants:
        raise SessionError("The minimum must be at least 1 and no more than the maximum.", "min_participants")
    if details.meeting_url.strip():
        validate_https_url(details.meeting_url, field="meeting_url", label="The meeting link")


def _in_decision_window(*, starts_at: datetime, program: Program, now: datetime) -> bool:
    """The start is already closer than the program's decision point (e.g. 24 hours)."""
    return starts_at - timedelta(hours=program.decision_hours_before) <= now


def _decide_at(*, starts_at: datetime, program: Program, now: datetime) -> datetime:
    """The program's hours before the start; for a start already inside that window, halfway
    between now and the start, so people have time to register and are told before it."""
    if _in_decision_window(starts_at=starts_at, program=program, now=now):
        return now + (starts_at - now) / 2
    return starts_at - timedelta(hours=program.decision_hours_before)


@dataclass(frozen=True)
class Invitees:
    """Who to invite: people picked by name and, for program managers, whole groups."""

    people: tuple[User, ...] = ()
    cohorts: tuple[Cohort, ...] = ()
    tags: tuple[Tag, ...] = ()
    everyone: bool = False

    @property
    def has_groups(self) -> bool:
        return bool(self.cohorts or self.tags or self.everyone)


def _invite(*, session: GroupSession, invitees: Invitees, invited_by: User) -> list[Participant]:
    """Add invited rows for members of the session's program who have no row yet (so nobody is
    invited twice, and people who registered or answered are left alone); never the host, nor
    the person inviting."""
    if (
        invitees.has_groups
        and not Membership.objects.filter(
            program_id=session.program_id, user=invited_by, role=Membership.Role.MANAGER
        ).exists()
    ):
        raise SessionError("Only program managers can invite a whole cohort, tag or program.")
    user_ids = new_invitees(
        session=session,
        invited_by=invited_by,
        people=[person.pk for person in invitees.people],
        cohorts=[cohort.pk for cohort in invitees.cohorts],
        tags=[tag.pk for tag in invitees.tags],
        everyone=invitees.everyone,
    )
    rows = [
        Participant(session=session, user_id=user_id, status=Status.INVITED, invited_by=invited_by)
        for user_id in sorted(user_ids)
    ]
    Participant.objects.bulk_create(rows)
    created = list(Participant.objects.filter(session=session, user_id__in=user_ids, status=Status.INVITED))
    for participant in created:
        publish(events.ParticipantInvited(participant_id=participant.pk))
    return created


class SessionAlreadyCreated(SessionError):
    """The create form was sent again (Back and send, a double click): `session` is the one it
    made the first time."""

    def __init__(self, session: GroupSession) -> None:
        super().__init__(
            "This session was already created from this form; changes made after sending it "
            "were not saved. "
            "Edit the session to change it."
        )
        self.session = session


def _refuse_resent_form(*, create_token: UUID, host: User) -> None:
    made = GroupSession.objects.filter(create_token=create_token).first()
    if made is None:
        return
    if made.host_id != host.pk:
        raise SessionError("This form was already used. Open the create page again.")
    raise SessionAlreadyCreated(made)


@transaction.atomic
def session_create(
    *,
    program: Program,
    host: User,
    details: SessionDetails,
    invitees: Invitees = Invitees(),
    create_token: UUID | None = None,
    now: datetime | None = None,
) -> GroupSession:
    """Create a session with its host seated. `create_token`, the create form's one-time token,
    makes a form sent twice create once: the second time raises SessionAlreadyCreated."""
    now = _now(now)
    if create_token is not None:
        _refuse_resent_form(create_token=create_token, host=host)
    membership = Membership.objects.select_related("program").filter(program=program, user=host).first()
    if not can_create_sessions(membership=membership):
        raise SessionError("Group sessions are not enabled for you in this program.")
    validate_details(details, now=now)
    session = GroupSession(
        program=program,
        host=host,
        title=details.title.strip(),
        description=details.description.strip(),
        description_html=render_markdown(details.description.strip()),
        starts_at=details.starts_at,
        duration=details.duration,
        ends_at=details.starts_at + details.duration,
        min_participants=details.min_participants,
        max_participants=details.max_participants,
        meeting_url=details.meeting_url.strip(),
        decide_at=_decide_at(starts_at=details.starts_at, program=program, now=now),
        create_token=create_token,
    )
    if (
        _in_decision_window(starts_at=details.starts_at, program=program, now=now)
        and not session.state_at(now, seats_taken=1).more_needed
    ):
        # Already past the usual decision point, and the host alone meets the minimum: held.
        session.status = GroupSession.Status.CONFIRMED
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError:
        if create_token is not None:  # the same form sent twice at once: the other one won
            _refuse_resent_form(create_token=create_token, host=host)
        raise
    Participant.objects.create(session=session, user=host, status=Status.HOST)
    _invite(session=session, invitees=invitees, invited_by=host)
    _schedule_decision(session)
    publish(events.SessionScheduled(session_id=session.pk, ends_at=session.ends_at, created=True))
    return session


def _lock(session_id: int) -> GroupSession:
    # Only the session's row: locking the joined program row too would queue every join, session
    # creation and settings change in the program behind any one join.
    return GroupSession.objects.select_for_update(of=("self",)).select_related("program").get(pk=session_id)


def _promote_from_waitlist(session: GroupSession, *, now: datetime) -> list[Participant]:
    """Fill free seats from the waitlist, first in line first. Caller holds the session lock."""
    free = session.state_at(now, seats_taken=seats_taken(session)).spots_left
    if not free:
        return []
    waiting = Participant.objects.filter(session=session, status=Status.WAITLISTED)
    promoted = list(waiting.order_by(*Participant.WAITLIST_ORDER)[:free])
    for participant in promoted:
        participant.status = Status.REGISTERED
        participant.waitlisted_at = None
        participant.promoted_at = now  # reports count who moved up from the waitlist
        participant.save(update_fields=["status", "waitlisted_at", "promoted_at", "updated_at"])
        publish(events.ParticipantPromoted(participant_id=participant.pk, version=participant.version))
    return promoted


def _check_open(state: SessionState) -> None:
    if state.phase.is_cancelled:
        raise SessionError("This session was cancelled, so it cannot be joined.")
    if not state.phase.accepts_registrations:
        raise SessionError("This session has ended, so it cannot be joined.")
    if state.phase == Phase.LIVE and not state.spots_left:
        raise SessionError("This session is full and has already started, so it cannot be joined.")


class NotAMember(SessionError):
    """The person is not in the session's program (pages answer 404: it is none of theirs)."""


def participant_join(*, session: GroupSession, user: User, now: datetime | None = None) -> Participant:
    """Take a seat, or a place on the waitlist when the session is full. Safe to repeat."""
    return participant_join_by_id(session_id=session.pk, user=user, now=now)


def participant_join_by_id(*, session_id: int, user: User, now: datetime | None = None) -> Participant:
    """`participant_join` for a session known by its id (the Join button): the session is read
    once, locked. Raises GroupSession.DoesNotExist, or NotAMember for someone outside its program."""
    now = _now(now)
    with transaction.atomic():
        return _join_locked(_lock(session_id), user=user, now=now)


def _join_locked(session: GroupSession, *, user: User, now: datetime) -> Participant:
    """The join itself; the caller holds the session's lock."""
    if not Membership.objects.filter(program_id=session.program_id, user=user).exists():
        raise NotAMember("Only members of this program can join.")
    participant = Participant.objects.filter(session=session, user=user).first()
    if participant and participant.status in (*Participant.SEATED, Status.WAITLISTED):
        return participant
    state = session.state_at(now, seats_taken=seats_taken(session))
    _check_open(state)
    if state.spots_left:
        status, waitlisted_at = Status.REGISTERED, None
    else:
        status, waitlisted_at = Status.WAITLISTED, now
    if participant is None:
        participant = Participant.objects.create(
            session=session, user=user, status=status, waitlisted_at=waitlisted_at
        )
    else:
        participant.status, participant.waitlisted_at = status, waitlisted_at
        participant.save(update_fields=["status", "waitlisted_at", "updated_at"])
    kind = events.ParticipantRegistered if status == Status.REGISTERED else events.ParticipantWaitlisted
    publish(kind(participant_id=participant.pk, version=participant.version))
    return participant


def participant_leave(*, session: GroupSession, user: User, now: datetime | None = None) -> list[Participant]:
    """Give up a seat or a waitlist place; returns whoever was promoted into the freed seat."""
    now = _now(now)
    with transaction.atomic():
        session = _lock(session.pk)
        participant = Participant.objects.filter(session=session, user=user).first()
        if participant is None or participant.status not in (Status.REGISTERED, Status.WAITLISTED):
            if participant and participant.status == Status.HOST:
                raise SessionError("As the host you cannot leave; cancel the session instead.")
            return []
        phase = session.phase(now)
        if phase.is_cancelled:
            raise SessionError("This session was cancelled.")
        if not phase.can_leave:
            raise SessionError("This session has started, so its seats are no longer given back.")
        had_seat = participant.has_seat
        # waitlisted_at stays: the status says they left, and reports count who was ever waitlisted.
        participant.status = Status.LEFT
        participant.save(update_fields=["status", "updated_at"])
        if had_seat:
            publish(events.ParticipantLeft(participant_id=participant.pk, version=participant.version))
        if had_seat and session.phase(now).can_leave:
            return _promote_from_waitlist(session, now=now)
        return []


def session_update(
    *,
    session: GroupSession,
    actor: User,
    details: SessionDetails,
    invitees: Invitees = Invitees(),
    now: datetime | None = None,
) -> GroupSession:
    """Edit a session; keeps registrations, promotes from the waitlist if the maximum grew."""
    now = _now(now)
    _require_manager(session=session, actor=actor, action="edit this session")
    with transaction.atomic():
        session = _lock(session.pk)
        phase = session.phase(now)
        if phase.is_cancelled:
            raise SessionError("A cancelled session cannot be edited.")
        if not phase.can_change:
            raise SessionError("A past session cannot be edited.")
        moved = details.starts_at != session.starts_at
        validate_details(details, now=now, check_start=moved)
        seated = seats_taken(session)
        if details.max_participants < seated:
            raise SessionError(
                f"{seated} people are already registered (host included); "
                f"the maximum cannot be lower than {seated}.",
                "max_participants",
            )
        old_duration = session.duration
        before = {
            "starts_at": session.starts_at.isoformat(),
            "minutes": int(old_duration / timedelta(minutes=1)),
            "title": session.title,
        }
        changed = moved or details.duration != old_duration or details.title.strip() != session.title
        if changed:
            session.version = F("version") + 1
        if moved:
            # A new time is a new decision: decide again relative to the new start.
            session.decide_at = _decide_at(starts_at=details.starts_at, program=session.program, now=now)
            session.status = GroupSession.Status.SCHEDULED
        session.title = details.title.strip()
        session.description = details.description.strip()
        session.description_html = render_markdown(session.description)
        session.starts_at = details.starts_at
        session.duration = details.duration
        session.ends_at = details.starts_at + details.duration
        session.min_participants = details.min_participants
        session.max_participants = details.max_participants
        session.meeting_url = details.meeting_url.strip()
        session.save()
        session.refresh_from_db(fields=["version"])
        if changed:
            publish(
                events.SessionUpdated(
                    session_id=session.pk, version=session.version, actor_id=actor.pk, before=before
                )
            )
        if moved:
            _schedule_decision(session)
        if moved or details.duration != old_duration:
            publish(events.SessionScheduled(session_id=session.pk, ends_at=session.ends_at))
        _promote_from_waitlist(session, now=now)
        _invite(session=session, invitees=invitees, invited_by=actor)
        return session


def session_cancel(
    *, session: GroupSession, actor: User, reason: str, now: datetime | None = None
) -> GroupSession:
    now = _now(now)
    _require_manager(session=session, actor=actor, action="cancel this session")
    reason = reason.strip()
    if not reason:
        raise SessionError("Tell participants why the session is cancelled.", "reason")
    with transaction.atomic():
        session = _lock(session.pk)
        phase = session.phase(now)
        if phase.is_cancelled:
            return session
        if not phase.can_change:
            raise SessionError("A past session cannot be cancelled.")
        session.status = GroupSession.Status.CANCELLED
        session.cancel_reason = reason[:500]
        session.cancelled_at = now
        session.cancelled_by = actor
        session.version = F("version") + 1
        session.save(
            update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "version", "updated_at"]
        )
        session.refresh_from_db(fields=["version"])
        # The host is told too when someone else (a program manager) cancelled their session.
        publish(events.SessionCancelled(session_id=session.pk, include_host=actor.pk != session.host_id))
        return session


def session_decide(*, session_id: int, now: datetime | None = None) -> str | None:
    """Hold or cancel a session whose decision time has come. Returns the new status, or None
    if there was nothing to decide (already decided, cancelled, not yet due, over, or gone)."""
    now = _now(now)
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None or session.status != GroupSession.Status.SCHEDULED or session.decide_at > now:
            return None
        state = session.state_at(now, seats_taken=seats_taken(session))
        if state.phase.is_over:
            return None  # too late to tell anyone anything useful: it happened, or it did not
        if not state.more_needed:
            session.status = GroupSession.Status.CONFIRMED
            session.save(update_fields=["status", "updated_at"])
            publish(events.SessionConfirmed(session_id=session.pk))
        else:
            session.status = GroupSession.Status.CANCELLED
            session.cancel_reason = NOT_ENOUGH_PARTICIPANTS
            session.cancelled_at = now
            session.version = F("version") + 1
            session.save(update_fields=["status", "cancel_reason", "cancelled_at", "version", "updated_at"])
            publish(events.SessionCancelled(session_id=session.pk, include_host=True))
        return session.status


def sessions_decide_due(*, now: datetime | None = None) -> dict[str, int]:
    """Decide every session that is due. Safe to run any number of times."""
    now = _now(now)
    due = GroupSession.objects.filter(
        status=GroupSession.Status.SCHEDULED, decide_at__lte=now, ends_at__gt=now
    ).values_list("pk", flat=True)
    outcome = {GroupSession.Status.CONFIRMED.value: 0, GroupSession.Status.CANCELLED.value: 0}
    for session_id in list(due):
        status = session_decide(session_id=session_id, now=now)
        if status:
            outcome[status] += 1
    return outcome


def participant_decline(*, session: GroupSession, user: User, now: datetime | None = None) -> Participant:
    """Answer "no" to an invitation (or give up a seat that way). The host is told."""
    now = _now(now)
    with transaction.atomic():
        session = _lock(session.pk)
        participant = Participant.objects.filter(session=session, user=user).first()
        if participant is None:
            raise SessionError("You were not invited to this session.")
        if participant.status == Status.HOST:
            raise SessionError("As the host you cannot decline; cancel the session instead.")
        if participant.status == Status.DECLINED:
            return participant
        had_seat = participant.has_seat
        participant.status, participant.waitlisted_at = Status.DECLINED, None
        participant.save(update_fields=["status", "waitlisted_at", "updated_at"])
        publish(
            events.InvitationDeclined(
                participant_id=participant.pk, version=participant.version, had_seat=had_seat
            )
        )
        if had_seat and session.phase(now).can_leave:
            _promote_from_waitlist(session, now=now)
        return participant


def session_invite(
    *, session: GroupSession, actor: User, invitees: Invitees, now: datetime | None = None
) -> int:
    """Invite more people to an upcoming session. Returns how many were newly invited."""
    now = _now(now)
    _require_manager(session=session, actor=actor, action="invite people to this session")
    with transaction.atomic():
        session = _lock(session.pk)
        if not session.phase(now).can_invite:
            raise SessionError("Invitations can only be sent for upcoming sessions.")
        return len(_invite(session=session, invitees=invitees, invited_by=actor))


def invitation_answerable(*, participant: Participant, version: str | None, now: datetime) -> bool:
    """Whether an invitation link may still answer: the row is as it was when the link was sent
    (same change stamp; a link made before links carried one: still invited), and the session is
    neither cancelled nor over. Answering changes the row, so each link acts once."""
    unchanged = participant.status == Status.INVITED if version is None else participant.version == version
    return unchanged and participant.session.phase(now).accepts_registrations


def invitation_answer(
    *, participant_id: int, action: str, version: str | None, now: datetime | None = None
) -> Participant | None:
    """Answer an invitation from its email link ("accept" or "decline"), signed in or not.
    Returns the row as the answer left it, or None (and changes nothing) when the link is stale."""
    if action not in ("accept", "decline"):
        raise ValueError(f"Unknown answer {action!r}")
    now = _now(now)
    with transaction.atomic():
        row = Participant.objects.filter(pk=participant_id).values_list("session_id", flat=True)
        session_id = row.first()
        if session_id is None:
            return None
        session = _lock(session_id)
        # Read under the session's lock, which every change to a participant row takes first, so
        # two clicks at once cannot both find the row unchanged.
        participant = Participant.objects.select_related("user").filter(pk=participant_id).first()
        if participant is None:
            return None
        participant.session = session
        if not invitation_answerable(participant=participant, version=version, now=now):
            return None
        if action == "accept":
            return _join_locked(session, user=participant.user, now=now)
        return participant_decline(session=session, user=participant.user, now=now)


def member_leave_program(*, program: Program, user: User, now: datetime | None = None) -> int:
    """Leave a program. The membership goes; in the program's sessions that are not over yet,
    seats and waitlist places are given up (the waitlist moves up) and pending invitations are
    declined, each through its usual service, so everyone is told as usual. A seat in a session
    already under way stays. Refused to the host of such a session and to the last program
    manager. Returns how many places were given up."""
    now = _now(now)
    upcoming = sessions_for_program(program=program, tab=FUTURE, now=now)
    with transaction.atomic():
        if upcoming.filter(host=user).exists():
            raise SessionError(
                "You host upcoming sessions in this program: cancel them (or ask a program manager "
                "to) before you leave."
            )
        try:
            membership_leave(program=program, user=user)
        except MembershipError as error:
            raise SessionError(str(error)) from None
        return _give_up_places(program=program, user=user, now=now)


def _give_up_places(*, program: Program, user: User, now: datetime) -> int:
    """For someone who left the program (or was removed): their seats and waitlist places in its
    sessions that have not started are given up (the waitlist moves up) and their unanswered
    invitations declined, each through its usual service, so everyone is told as usual. A seat
    in a session under way stays. Returns how many places were given up."""
    places = list(
        Participant.objects.filter(places_to_give_up(program=program, now=now), user=user).select_related(
            "session__program"
        )
    )
    for place in places:
        if place.status == Status.INVITED:
            participant_decline(session=place.session, user=user, now=now)
        else:
            participant_leave(session=place.session, user=user, now=now)
    return len(places)


def removal_refusals(
    *, program: Program, memberships: Collection[Membership], actor: User, now: datetime | None = None
) -> list[str]:
    """Why these members cannot be removed from the program now (empty: they can). Hosts of
    upcoming sessions stay until those are cancelled (or over): removing them would leave the
    sessions' people without a host. And someone has to stay to run the program."""
    now = _now(now)
    commitments = member_commitments(program=program, user_ids=[m.user_id for m in memberships], now=now)
    refusals = []
    for membership in memberships:
        hosting = commitments[membership.user_id].hosting
        if hosting:
            name = "You" if membership.user_id == actor.pk else membership.user.name_for(None, manages=True)
            sessions = "1 upcoming session" if hosting == 1 else f"{hosting} upcoming sessions"
            refusals.append(
                f"{name} {'host' if name == 'You' else 'hosts'} {sessions} in {program.name}: "
                f"cancel {'it' if hosting == 1 else 'them'} first (Manager › Sessions)."
            )
    last = last_manager_refusal(program=program, leaving=memberships, actor=actor)
    if last:
        refusals.append(last)
    return refusals


def members_remove(
    *, program: Program, memberships: Collection[Membership], actor: User, now: datetime | None = None
) -> int:
    """A program manager removes members from the program: as if each had left it (their places
    in its upcoming sessions are given up, the waitlist moves up, everyone is told as usual) and
    they no longer see the program. Their past participation stays, and so does their history
    there, with the removal recorded. All or nothing: refused (SessionError, nothing changes)
    when one of them hosts an upcoming session or no program manager would be left. Returns how
    many places were given up."""
    now = _now(now)
    with transaction.atomic():
        refusals = removal_refusals(program=program, memberships=memberships, actor=actor, now=now)
        if refusals:
            raise SessionError(" ".join(refusals))
        try:
            removed = memberships_remove(program=program, memberships=memberships, actor=actor)
        except MembershipError as error:
            raise SessionError(str(error)) from None
        return sum(_give_up_places(program=program, user=user, now=now) for user in removed)


# ---- The call, attendance and what follows the session ----------------------------------------

# A call token stays valid a little after the scheduled end, for sessions that run over.
CALL_GRACE = timedelta(minutes=30)
MAX_NOTE = 2000
MAX_COMMENT = 2000


def validate_https_url(url: str, *, field: str, label: str) -> str:
    """A link we send people to: https only, one line, a host name, bounded."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme != "https"
        or not parts.hostname
        or len(url) > 500
        or any(char.isspace() or ord(char) < 32 for char in url)
    ):
        raise SessionError(
            f"{label} must be a full https:// address (for example https://zoom.us/j/123).", field
        )
    return url


def is_call_moderator(*, participant: Participant) -> bool:
    """The host and the program's managers run the call."""
    return (
        participant.status == Status.HOST
        or Membership.objects.filter(
            program_id=participant.session.program_id,
            user_id=participant.user_id,
            role=Membership.Role.MANAGER,
        ).exists()
    )


def _call_address(*, participant: Participant, now: datetime) -> str:
    """Where this seated person's browser is sent: the host's own link, or a room on the
    program's video service (made, where the service needs it, on first use)."""
    session, program = participant.session, participant.session.program
    if session.meeting_url:
        return session.meeting_url
    user = video.CallUser(
        id=str(participant.pk),
        name=participant.user.display_name,
        email=participant.user.email,
        moderator=is_call_moderator(participant=participant),
    )
    if program.video_service == VideoService.BBB:
        if not (program.bbb_url and program.bbb_secret):
            raise SessionError(
                "The video call is not set up yet: the program's BigBlueButton server is missing. "
                "Please tell a program manager."
            )
        callback = signing.dumps(session.pk, salt=CALLBACK_SALT)
        try:
            video.bbb_create(
                api_url=program.bbb_url,
                secret=program.bbb_secret,
                meeting_id=session.room_name,
                name=session.title,
                duration_minutes=int((session.ends_at - now + CALL_GRACE) / timedelta(minutes=1)),
                end_callback_url=_absolute(reverse("groupsessions:call_ended", args=[callback])),
                analytics_callback_url=_absolute(reverse("groupsessions:call_analytics", args=[callback])),
                logout_url=_absolute(session.get_absolute_url()),
                timeout=settings.VIDEO_TIMEOUT,
            )
        except (video.VideoError, ValueError) as error:
            raise SessionError(f"The video server did not open the room: {error}") from error
        return video.bbb_join_url(
            api_url=program.bbb_url, secret=program.bbb_secret, meeting_id=session.room_name, user=user
        )
    try:
        return video.jitsi_url(
            server=program.jitsi_url or settings.JITSI_URL,
            room=session.room_name,
            user=user,
            app_id=program.jitsi_app_id,
            app_secret=program.jitsi_app_secret,
            expires_at=session.ends_at + CALL_GRACE,
            now=now,
        )
    except ValueError as error:
        raise SessionError(f"The program's Jitsi settings cannot be used: {error}") from error


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def participant_enter_call(*, participant: Participant, now: datetime | None = None) -> str:
    """Let a seated participant into the call while it is open: record that they came (once,
    with the first time) and return the room's address, which only they are given."""
    now = _now(now)
    participant = Participant.objects.select_related("session__program", "user").get(pk=participant.pk)
    phase = participant.session.phase(now)
    if not participant.has_seat:
        raise SessionError("This join link no longer works: you do not have a seat in this session.")
    if phase.is_cancelled:
        raise SessionError("This session was cancelled.")
    if not phase.call_open:
        raise SessionError("The call is not open now.")
    address = _call_address(participant=participant, now=now)
    # One UPDATE guarded by `joined_at IS NULL`: opening the link twice at once records it once.
    Participant.objects.filter(pk=participant.pk, joined_at__isnull=True).update(joined_at=now, attended=True)
    return address


def session_call_ended(*, session_id: int, now: datetime | None = None) -> bool:
    """The video service says the call is over: a started session ends now (one that has not
    started yet is left alone, so an early room closed by mistake locks nobody out)."""
    now = _now(now)
    with transaction.atomic():
        session = (
            GroupSession.objects.select_for_update(of=("self",))
            .select_related("program")
            .filter(pk=session_id)
            .first()
        )
        if session is None or session.call_ended_at is not None or session.phase(now) != Phase.LIVE:
            return False
        session.call_ended_at = now
        session.save(update_fields=["call_ended_at", "updated_at"])
        publish(events.CallEnded(session_id=session.pk))
        return True


def participants_record_minutes(*, session_id: int, minutes: dict[str, int]) -> int:
    """Minutes each participant was in the call, as the video service reported them."""
    ids = {int(key): value for key, value in minutes.items() if is_id(key)}
    rows = list(Participant.objects.filter(session_id=session_id, pk__in=ids))
    for row in rows:
        row.minutes_present = max(0, min(ids[row.pk], 24 * 60))
    Participant.objects.bulk_update(rows, ["minutes_present"])
    return len(rows)


def _require_manager(*, session: GroupSession, actor: User, action: str) -> None:
    membership = Membership.objects.filter(program_id=session.program_id, user=actor).first()
    if not can_manage_session(session=session, user=actor, membership=membership):
        raise SessionError(f"Only the host and program managers can {action}.")


def attendance_update(
    *, session: GroupSession, actor: User, attended_ids: Collection[int], now: datetime | None = None
) -> int:
    """Confirm or correct who attended, after the end. Each change records who made it.
    Returns how many people changed."""
    now = _now(now)
    _require_manager(session=session, actor=actor, action="change the attendance")
    wanted = set(attended_ids)
    with transaction.atomic():
        session = _lock(session.pk)
        if not session.phase(now).is_over:
            raise SessionError("Attendance can be confirmed once the session has ended.")
        changed = []
        for row in Participant.objects.filter(session=session, status__in=Participant.SEATED):
            if row.attended != (row.pk in wanted):
                row.attended = row.pk in wanted
                changed.append(row)
        Participant.objects.bulk_update(changed, ["attended"])
        AttendanceChange.objects.bulk_create(
            AttendanceChange(participant=row, attended=row.attended, changed_by=actor, changed_at=now)
            for row in changed
        )
        if any(row.attended for row in changed):
            # People marked present now get the feedback prompt too (once each).
            publish(events.AttendanceCorrected(session_id=session.pk))
        return len(changed)


def session_share_resources(
    *,
    session: GroupSession,
    actor: User,
    recording_url: str,
    note: str,
    now: datetime | None = None,
) -> GroupSession:
    """Add the recording link and a short note after the session. The first time there is
    something to share, participants are emailed: those who came, and those who missed it."""
    now = _now(now)
    _require_manager(session=session, actor=actor, action="share the recording")
    recording_url = recording_url.strip()
    if recording_url:
        recording_url = validate_https_url(recording_url, field="recording_url", label="The recording link")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise SessionError(f"Keep the note to {MAX_NOTE} characters or fewer.", "resources_note")
    with transaction.atomic():
        session = _lock(session.pk)
        if not session.phase(now).is_over:
            raise SessionError("The recording and notes can be added once the session has ended.")
        session.recording_url, session.resources_note = recording_url, note
        first_time = session.resources_shared_at is None and bool(recording_url or note)
        if first_time:
            session.resources_shared_at = now
        session.save(update_fields=["recording_url", "resources_note", "resources_shared_at", "updated_at"])
        if first_time:
            publish(events.ResourcesShared(session_id=session.pk))
        return session


def feedback_refusal(*, participant: Participant, now: datetime) -> str | None:
    """Why this person cannot rate the session now, or None if they can."""
    session = participant.session
    if participant.status == Status.HOST:
        return "Hosts do not rate their own sessions."
    if not (participant.has_seat and participant.attended):
        return "Only people who attended can rate this session."
    if not session.phase(now).is_over:
        return "You can rate the session once it has ended."
    if now > session.ends_at + Feedback.EDITABLE_FOR:
        return "Feedback for this session closed 14 days after it ended."
    return None


def feedback_give(
    *, participant: Participant, rating: int, comment: str = "", now: datetime | None = None
) -> Feedback:
    """One rating (1 to 5) and an optional comment per attendee, editable for 14 days."""
    now = _now(now)
    participant = Participant.objects.select_related("session__program").get(pk=participant.pk)
    refusal = feedback_refusal(participant=participant, now=now)
    if refusal:
        raise SessionError(refusal)
    if rating not in Feedback.RATINGS:
        raise SessionError("Choose a rating from 1 to 5.", "rating")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise SessionError(f"Keep the comment to {MAX_COMMENT} characters or fewer.", "comment")
    try:
        with transaction.atomic():
            feedback, _ = Feedback.objects.update_or_create(
                participant=participant, defaults={"rating": rating, "comment": comment}
            )
    except IntegrityError:  # the same person answered twice at once: the other answer was first
        feedback = Feedback.objects.get(participant=participant)
        feedback.rating, feedback.comment = rating, comment
        feedback.save(update_fields=["rating", "comment", "updated_at"])
    return feedback
