"""Background work: every side effect of a session change runs here, after the commit.

Tasks receive IDs, reload what they need, return quietly when it is gone, and send through
`emails.send_once`, so running any task twice (a retry, a duplicate, a worker that died halfway
through a fan-out) sends each person each email exactly once. Tasks that send email are
`email_task`s: an email that cannot be sent is recorded and the task does the rest of its work,
then fails, so that the worker retries it later (see recovery.py).

A session's fan-out (cancelled, updated, confirmed, resources shared, feedback requests) is
one task for up to FANOUT_BATCH people; a bigger one is handed out to one task per
FANOUT_BATCH people, so that several workers share it. Each task sends its emails as one
`emails.Batch`: one claim of their deliveries, one mail connection, and what they share (the
calendar file, the rendering around what is personal) made once.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.core.mail import get_connection
from django.db import IntegrityError
from django.utils import timezone
from django.utils.text import Truncator
from django_tasks import task
from django_tasks.base import Task

from mentorcircle.conversations import selectors as conversation_selectors
from mentorcircle.conversations import services as conversation_services
from mentorcircle.conversations.models import Conversation
from mentorcircle.groupsessions.models import FOLLOW_UP_DELAY, GroupSession, Participant
from mentorcircle.notifications import emails, selectors, services
from mentorcircle.notifications.models import HostUpdate, Notice, Preferences, preferences_for
from mentorcircle.programs.models import Membership, ProgramInvitation

Status = Participant.Status
REMINDERS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


def email_task(function: Callable[..., None]) -> Task[..., None]:
    """A task that sends email: an email that cannot be sent does not stop the rest of the work
    (the next person, the reminders); the task fails at the end, naming what was not sent."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        with emails.failures_collected():
            function(*args, **kwargs)

    return task()(run)


def _participant(participant_id: int) -> Participant | None:
    return (
        Participant.objects.select_related("user", "session__host", "session__program", "invited_by")
        .filter(pk=participant_id)
        .first()
    )


def _current(participant_id: int, *, version: str, status: str) -> Participant | None:
    """The row, if it still is as the change that queued this task left it; None when a later
    change (leave, rejoin, decline…) superseded it: that change has a task of its own."""
    participant = _participant(participant_id)
    if participant is None or participant.status != status or participant.version != version:
        return None
    return participant


def _session_rows(session_id: int, statuses: tuple[str, ...]) -> list[Participant]:
    return list(
        Participant.objects.select_related("user", "session__host", "session__program")
        .filter(session_id=session_id, status__in=statuses)
        .order_by("pk")
    )


# How many people one task tells (a session's fan-out, member or program invitations): more
# are handed out to several tasks.
FANOUT_BATCH = 100


def batches(ids: Sequence[int]) -> list[list[int]]:
    """`ids` in lists of FANOUT_BATCH, one for each task."""
    return [list(ids[start : start + FANOUT_BATCH]) for start in range(0, len(ids), FANOUT_BATCH)]


def _fan_out(
    fan_out: Task[..., None],
    *,
    session_id: int,
    statuses: tuple[str, ...],
    participant_ids: list[int] | None,
    current: Callable[[GroupSession], bool] | None = None,
    **arguments: Any,
) -> list[Participant]:
    """The rows this run of a fan-out task tells: none unless `current` (if given) holds for
    their session.

    The first run (no `participant_ids`) looks at everyone in `statuses`; a batch run at those
    of its own rows still in them. Up to FANOUT_BATCH rows are told by this run; more are handed
    out to one `fan_out` task (with the same `arguments`) per FANOUT_BATCH rows and this run
    tells nobody itself.
    """
    rows = Participant.objects.filter(session_id=session_id, status__in=statuses).order_by("pk")
    if participant_ids is not None:
        rows = rows.filter(pk__in=participant_ids)
    found = list(rows.select_related("user", "session__host", "session__program")[: FANOUT_BATCH + 1])
    if not found or (current is not None and not current(found[0].session)):
        return []
    if len(found) <= FANOUT_BATCH:
        return found
    ids = list(rows.values_list("pk", flat=True))
    for batch in batches(ids):
        fan_out.enqueue(session_id=session_id, participant_ids=batch, **arguments)
    return []


@contextmanager
def _mail_batch() -> Iterator[emails.Batch]:
    """A task's emails, to send together over one mail connection (opened by the first send and
    closed at the end): add them, then `send()`."""
    connection = get_connection()
    try:
        yield emails.Batch(connection)
    finally:
        emails.close_quietly(connection)


def schedule_reminders(participant: Participant, *, now: datetime | None = None) -> None:
    """Queue the 24-hour and 1-hour reminders for a seat (each re-checks when it runs)."""
    now = now or timezone.now()
    starts_at = participant.session.starts_at
    for which, lead in REMINDERS.items():
        run_after = starts_at - lead
        if run_after > now:
            send_reminder.using(run_after=run_after).enqueue(
                participant_id=participant.pk, which=which, starts_at=starts_at.isoformat()
            )


@email_task
def participant_registered(*, participant_id: int, version: str) -> None:
    """A seat was taken: confirmation with the calendar invite, a note to the host, reminders."""
    participant = _current(participant_id, version=version, status=Status.REGISTERED)
    if participant is None:
        return
    schedule_reminders(participant)  # first: a failing email must not cost the seat its reminders
    emails.registration_confirmed(participant, version=version)
    _tell_host(participant, kind=HostUpdate.Kind.REGISTERED, version=version)


@email_task
def participant_waitlisted(*, participant_id: int, version: str) -> None:
    participant = _current(participant_id, version=version, status=Status.WAITLISTED)
    if participant is None:
        return
    emails.waitlisted(participant, version=version)


@email_task
def participant_promoted(*, participant_id: int, version: str) -> None:
    participant = _current(participant_id, version=version, status=Status.REGISTERED)
    if participant is None:
        return
    schedule_reminders(participant)
    emails.promoted(participant, version=version)
    _tell_host(participant, kind=HostUpdate.Kind.PROMOTED, version=version)


@email_task
def participant_left(*, participant_id: int, version: str) -> None:
    participant = _current(participant_id, version=version, status=Status.LEFT)
    if participant is None:
        return
    emails.left(participant, version=version)
    _tell_host(participant, kind=HostUpdate.Kind.LEFT, version=version)


def _tell_host(participant: Participant, *, kind: str, version: str) -> None:
    """The host hears of registrations as they chose: each one by email; an hourly digest (the
    default: the first registration at once, then one email an hour at most, with leaves,
    promotions and the session filling up); or nothing."""
    choice = preferences_for(participant.session.host).registration_emails
    if choice == Preferences.RegistrationEmails.EACH:
        if kind == HostUpdate.Kind.REGISTERED:
            emails.host_new_registration(participant, version=version)
        return
    if choice != Preferences.RegistrationEmails.DIGEST:
        return
    recorded = services.host_update_record(participant=participant, kind=kind, version=version)
    if recorded.digest_due is not None:
        host_digest.using(run_after=recorded.digest_due).enqueue(
            session_id=participant.session_id, window_end=recorded.digest_due.isoformat()
        )
    if recorded.first:
        emails.host_new_registration(participant, version=version)


@email_task
def host_digest(*, session_id: int, window_end: str) -> None:
    """At the end of an hour window, the host's one email about what happened in it (and before
    it, untold). The updates are claimed first, then sent once under the window's key, so a
    rerun or a duplicate sends nothing twice."""
    session = GroupSession.objects.select_related("host", "program").filter(pk=session_id).first()
    if session is None:
        return
    end = datetime.fromisoformat(window_end)
    services.host_updates_claim(session=session, window_end=end)
    phase = session.phase(timezone.now())
    if phase.is_cancelled or phase.is_over:
        return
    if preferences_for(session.host).registration_emails == Preferences.RegistrationEmails.NONE:
        return
    emails.host_digest(session, digest=selectors.host_digest(session=session, window_end=end), window_end=end)


@email_task
def participant_invited(*, participant_id: int) -> None:
    participant = _participant(participant_id)
    if participant is None or participant.status != Status.INVITED or participant.session.is_cancelled:
        return
    session = participant.session
    inviter = participant.invited_by or session.host
    try:
        Notice.objects.get_or_create(
            key=f"invitation:{participant.pk}",
            defaults={
                "user": participant.user,
                "session": session,
                "kind": "invitation",
                "text": Truncator(f"{inviter.display_name} invited you to “{session.title}”.").chars(
                    Notice._meta.get_field("text").max_length or 300
                ),
            },
        )
    except IntegrityError:
        pass
    emails.invitation(participant)


@email_task
def invitation_declined(*, participant_id: int, version: str, had_seat: bool = False) -> None:
    participant = _current(participant_id, version=version, status=Status.DECLINED)
    if participant is None or participant.session.is_cancelled:
        return
    if had_seat:
        emails.left(participant, version=version)  # takes the event out of their calendar
    emails.host_declined(participant, version=version)


@email_task
def session_updated(
    *,
    session_id: int,
    version: int,
    actor_id: int | None = None,
    before: dict[str, Any] | None = None,
    participant_ids: list[int] | None = None,
) -> None:
    """Tell everyone involved of a new time, duration or title, and what it was before: seats
    get the updated invite (same UID, higher SEQUENCE); the waitlisted and invited get the news
    (the invited with their Accept / Decline links); so does the host when someone else (a
    program manager) made the change."""
    rows = _fan_out(
        session_updated,
        session_id=session_id,
        statuses=(Status.HOST, Status.REGISTERED, Status.WAITLISTED, Status.INVITED),
        participant_ids=participant_ids,
        # a newer change has its own task
        current=lambda session: session.version == version and not session.is_cancelled,
        version=version,
        actor_id=actor_id,
        before=before,
    )
    with _mail_batch() as batch:
        for participant in rows:
            if participant.status == Status.HOST and participant.user_id == actor_id:
                continue
            emails.session_updated(participant, before=before, batch=batch)
        batch.send()
    for participant in rows:
        if participant.has_seat:
            schedule_reminders(participant)


@task()
def host_reminders(*, session_id: int) -> None:
    """The host is reminded too (the 24-hour and 1-hour reminders of their seat)."""
    for participant in _session_rows(session_id, (Status.HOST,)):
        if not participant.session.is_cancelled:
            schedule_reminders(participant)


@email_task
def session_cancelled(
    *, session_id: int, include_host: bool = False, participant_ids: list[int] | None = None
) -> None:
    """Tell everyone affected: seated, waitlisted and invited (and the host, when the platform
    cancelled it for want of participants)."""
    statuses = (Status.REGISTERED, Status.WAITLISTED, Status.INVITED)
    rows = _fan_out(
        session_cancelled,
        session_id=session_id,
        statuses=(Status.HOST, *statuses) if include_host else statuses,
        participant_ids=participant_ids,
        current=lambda session: session.is_cancelled,
        include_host=include_host,
    )
    with _mail_batch() as batch:
        for participant in rows:
            emails.session_cancelled(participant, batch=batch)
        batch.send()


@email_task
def session_confirmed(*, session_id: int, participant_ids: list[int] | None = None) -> None:
    rows = _fan_out(
        session_confirmed,
        session_id=session_id,
        statuses=(Status.HOST, Status.REGISTERED),
        participant_ids=participant_ids,
        current=lambda session: session.status == GroupSession.Status.CONFIRMED,
    )
    with _mail_batch() as batch:
        for participant in rows:
            emails.session_confirmed(participant, batch=batch)
        batch.send()


@email_task
def send_reminder(*, participant_id: int, which: str, starts_at: str) -> None:
    """Re-checked when it runs: nothing after leaving, after a cancel, or for an old start time."""
    participant = _participant(participant_id)
    if participant is None or not participant.has_seat:
        return
    session = participant.session
    if session.is_cancelled or session.starts_at.isoformat() != starts_at:
        return
    now = timezone.now()
    if now >= session.starts_at:
        return
    # Run late (a worker was down), a reminder gives way to a shorter one that is already due.
    if any(now >= session.starts_at - lead for lead in REMINDERS.values() if lead < REMINDERS[which]):
        return
    emails.reminder(participant, which=which)


@email_task
def session_follow_up(*, session_id: int, ends_at: str, participant_ids: list[int] | None = None) -> None:
    """Shortly after the end (or when the call was ended): ask those who came how it was.
    `ends_at` is the end this was scheduled for ("" when the call ended); a moved session has
    a follow-up of its own."""
    session = GroupSession.objects.select_related("program").filter(pk=session_id).first()
    if session is None or not session.phase(timezone.now()).is_over:
        return
    if ends_at and session.call_ended_at is None and session.ends_at.isoformat() != ends_at:
        return
    _ask_for_feedback(
        session_follow_up, session_id=session_id, participant_ids=participant_ids, ends_at=ends_at
    )


@email_task
def feedback_requests(*, session_id: int, participant_ids: list[int] | None = None) -> None:
    """After a correction of the attendance: people marked present get the prompt too (a
    correction made before the follow-up is due leaves the asking to the follow-up)."""
    session = GroupSession.objects.select_related("program").filter(pk=session_id).first()
    if session is None or not session.phase(now := timezone.now()).is_over:
        return
    if session.call_ended_at is None and now < session.ends_at + FOLLOW_UP_DELAY:
        return
    _ask_for_feedback(feedback_requests, session_id=session_id, participant_ids=participant_ids)


def _ask_for_feedback(
    fan_out: Task[..., None], *, session_id: int, participant_ids: list[int] | None, **arguments: Any
) -> None:
    """One email and one in-app prompt per attendee (never the host), each at most once. The
    calling task checked the session; `fan_out` is that task, for a big fan-out's batches."""
    rows = _fan_out(
        fan_out,
        session_id=session_id,
        statuses=(Status.REGISTERED,),
        participant_ids=participant_ids,
        **arguments,
    )
    with _mail_batch() as batch:
        for participant in rows:
            _ask_one_for_feedback(participant, batch=batch)
        batch.send()


def _ask_one_for_feedback(participant: Participant, *, batch: emails.Batch) -> None:
    if not participant.attended:
        return
    try:
        Notice.objects.get_or_create(
            key=f"feedback:{participant.pk}",
            defaults={
                "user": participant.user,
                "session": participant.session,
                "kind": "feedback",
                "text": f"How was “{participant.session.title}”? Rate it.",
            },
        )
    except IntegrityError:
        pass
    emails.feedback_request(participant, batch=batch)


@email_task
def resources_shared(*, session_id: int, participant_ids: list[int] | None = None) -> None:
    """The host shared the recording and notes: those who came get them; those who registered
    and did not come get one "Sorry we missed you" with them."""
    rows = _fan_out(
        resources_shared,
        session_id=session_id,
        statuses=(Status.REGISTERED,),
        participant_ids=participant_ids,
    )
    with _mail_batch() as batch:
        for participant in rows:
            if participant.attended:
                emails.resources_shared(participant, batch=batch)
            else:
                emails.missed_session(participant, batch=batch)
        batch.send()


@email_task
def member_invitations(*, membership_ids: list[int], invited_by_name: str) -> None:
    """People added to a program (one by one or by a CSV import) are told, each once."""
    memberships = Membership.objects.select_related("user", "program").filter(pk__in=membership_ids)
    with _mail_batch() as batch:
        for membership in memberships.order_by("pk"):
            emails.member_invitation(membership, invited_by_name=invited_by_name, batch=batch)
        batch.send()


@email_task
def program_invitations(*, invitation_ids: list[int], invited_by_name: str) -> None:
    """People with an account invited to a program are asked to join, each once per invitation
    (one answered or withdrawn meanwhile is gone and gets nothing)."""
    invitations = ProgramInvitation.objects.select_related("program").filter(pk__in=invitation_ids)
    with _mail_batch() as batch:
        for invitation in invitations.order_by("pk"):
            emails.program_invitation(invitation, invited_by_name=invited_by_name, batch=batch)
        batch.send()


@email_task
def message_emails(*, conversation_id: int, window_end: str) -> None:
    """At the end of a 15-minute window, one email to each reader about the messages of the
    window they have not read (none to who muted it, has it open or turned these emails off;
    see conversations.selectors.unread_to_email), once per conversation, reader and window."""
    found = Conversation.objects.select_related("program", "session").filter(pk=conversation_id)
    conversation = found.first()
    if conversation is None:
        return
    end = datetime.fromisoformat(window_end)
    conversation_services.message_emails_started(conversation_id=conversation.pk, window_end=end)
    unread = conversation_selectors.unread_to_email(
        conversation=conversation, since=end - services.MESSAGE_EMAIL_WINDOW, until=end, now=timezone.now()
    )
    # People without a preferences row have the default: on.
    readers = [item.reader.pk for item in unread]
    off = set(
        Preferences.objects.filter(user__in=readers, message_emails=False).values_list("user_id", flat=True)
    )
    with _mail_batch() as batch:
        for item in unread:
            if item.reader.pk not in off:
                emails.new_messages(conversation, unread=item, window_end=end, batch=batch)
        batch.send()
