"""What conversations publish (see core/events.py): IDs only; subscribers reload the rows."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MessagePosted:
    """A message (of any kind) was posted in a conversation."""

    message_id: int
    conversation_id: int


@dataclass(frozen=True)
class SessionShared:
    """A share too big to send in the request: its recipients, handed to tasks in batches
    (handlers.py). `shared_at` (ISO 8601) is every share message's time, so a task run twice
    finds the messages it posted before."""

    session_id: int
    sharer_id: int
    user_ids: list[int]
    note: str
    shared_at: str
