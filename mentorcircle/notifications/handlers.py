"""What follows when group sessions or programs publish an event: the background tasks that
tell people (see core/events.py). Events carry IDs; the tasks reload and re-check everything."""

from dataclasses import asdict
from typing import Any

from django_tasks.base import Task

from mentorcircle.conversations import events as conversation_events
from mentorcircle.conversations import services as conversation_services
from mentorcircle.conversations.models import Message
from mentorcircle.core.events import subscribe
from mentorcircle.groupsessions import events as session_events
from mentorcircle.groupsessions.models import FOLLOW_UP_DELAY
from mentorcircle.notifications import services, tasks
from mentorcircle.programs import events as program_events

# Events whose fields are exactly the arguments of the task that handles them.
TASK_FOR: dict[type, Task[..., None]] = {
    session_events.ParticipantInvited: tasks.participant_invited,
    session_events.ParticipantRegistered: tasks.participant_registered,
    session_events.ParticipantWaitlisted: tasks.participant_waitlisted,
    session_events.ParticipantPromoted: tasks.participant_promoted,
    session_events.ParticipantLeft: tasks.participant_left,
    session_events.InvitationDeclined: tasks.invitation_declined,
    session_events.SessionUpdated: tasks.session_updated,
    session_events.SessionCancelled: tasks.session_cancelled,
    session_events.SessionConfirmed: tasks.session_confirmed,
    session_events.AttendanceCorrected: tasks.feedback_requests,
    session_events.ResourcesShared: tasks.resources_shared,
}


def _enqueue(event: Any) -> None:
    TASK_FOR[type(event)].enqueue(**asdict(event))


def _session_scheduled(event: session_events.SessionScheduled) -> None:
    """Attendees are asked how it went shortly after the end; a new host gets reminders."""
    follow_up = tasks.session_follow_up.using(run_after=event.ends_at + FOLLOW_UP_DELAY)
    follow_up.enqueue(session_id=event.session_id, ends_at=event.ends_at.isoformat())
    if event.created:
        tasks.host_reminders.enqueue(session_id=event.session_id)


def _call_ended(event: session_events.CallEnded) -> None:
    tasks.session_follow_up.enqueue(session_id=event.session_id, ends_at="")


def _members_added(event: program_events.MembersAdded) -> None:
    for chunk in tasks.batches(event.membership_ids):
        tasks.member_invitations.enqueue(membership_ids=chunk, invited_by_name=event.invited_by_name)


def _program_invitations_made(event: program_events.ProgramInvitationsMade) -> None:
    for chunk in tasks.batches(event.invitation_ids):
        tasks.program_invitations.enqueue(invitation_ids=chunk, invited_by_name=event.invited_by_name)


def _message_posted(event: conversation_events.MessagePosted) -> None:
    """Readers are emailed at the end of the message's 15-minute window: the window's first
    message enqueues its one task (one email per window, whatever the number of messages; the
    task's deliveries are keyed by the window, so a retry sends nothing twice)."""
    posted_at = Message.objects.filter(pk=event.message_id).values_list("created_at", flat=True).first()
    if posted_at is None:
        return
    end = services.message_window_end(posted_at)
    if conversation_services.message_emails_due(conversation_id=event.conversation_id, window_end=end):
        tasks.message_emails.using(run_after=end).enqueue(
            conversation_id=event.conversation_id, window_end=end.isoformat()
        )


def connect() -> None:
    for event_type in TASK_FOR:
        subscribe(event_type, _enqueue)
    subscribe(session_events.SessionScheduled, _session_scheduled)
    subscribe(session_events.CallEnded, _call_ended)
    subscribe(program_events.MembersAdded, _members_added)
    subscribe(program_events.ProgramInvitationsMade, _program_invitations_made)
    subscribe(conversation_events.MessagePosted, _message_posted)
