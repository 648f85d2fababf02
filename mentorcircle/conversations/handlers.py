"""What conversations do when group sessions publish an event: a new session gets its
conversation. (services.conversation_for_session also makes it on first use, for sessions made
before conversations existed.) A big share is handed to tasks of SHARE_BATCH people."""

from mentorcircle.conversations import tasks
from mentorcircle.conversations.events import SessionShared
from mentorcircle.conversations.services import SHARE_BATCH, conversation_for_session_id
from mentorcircle.core.events import subscribe
from mentorcircle.groupsessions import events as session_events


def _session_scheduled(event: session_events.SessionScheduled) -> None:
    if event.created:
        conversation_for_session_id(session_id=event.session_id)


def _session_shared(event: SessionShared) -> None:
    for start in range(0, len(event.user_ids), SHARE_BATCH):
        tasks.share_batch.enqueue(
            session_id=event.session_id,
            sharer_id=event.sharer_id,
            user_ids=event.user_ids[start : start + SHARE_BATCH],
            note=event.note,
            shared_at=event.shared_at,
        )


def connect() -> None:
    subscribe(session_events.SessionScheduled, _session_scheduled)
    subscribe(SessionShared, _session_shared)
