"""What group sessions publish when they change (see core/events.py).

Each event carries IDs and plain values only; subscribers reload what they need. `version` on a
participant's event is that row's change stamp (Participant.version), which keys its emails.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SessionScheduled:
    """A session was created, or its time changed: it now ends at `ends_at`."""

    session_id: int
    ends_at: datetime
    created: bool = False


@dataclass(frozen=True)
class SessionUpdated:
    """Time, duration or title changed; `before` holds the old values that changed."""

    session_id: int
    version: int
    actor_id: int | None = None
    before: dict[str, Any] | None = None


@dataclass(frozen=True)
class SessionCancelled:
    session_id: int
    include_host: bool = False


@dataclass(frozen=True)
class SessionConfirmed:
    session_id: int


@dataclass(frozen=True)
class CallEnded:
    session_id: int


@dataclass(frozen=True)
class AttendanceCorrected:
    session_id: int


@dataclass(frozen=True)
class ResourcesShared:
    session_id: int


@dataclass(frozen=True)
class ParticipantInvited:
    participant_id: int


@dataclass(frozen=True)
class ParticipantRegistered:
    participant_id: int
    version: str


@dataclass(frozen=True)
class ParticipantWaitlisted:
    participant_id: int
    version: str


@dataclass(frozen=True)
class ParticipantPromoted:
    participant_id: int
    version: str


@dataclass(frozen=True)
class ParticipantLeft:
    participant_id: int
    version: str


@dataclass(frozen=True)
class InvitationDeclined:
    participant_id: int
    version: str
    had_seat: bool = False
