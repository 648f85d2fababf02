"""What programs publish when people are added or invited (see core/events.py)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MembersAdded:
    """New accounts were made members; they are to be told, each once."""

    membership_ids: tuple[int, ...]
    invited_by_name: str


@dataclass(frozen=True)
class ProgramInvitationsMade:
    """People who already have an account were invited to join the program."""

    invitation_ids: tuple[int, ...]
    invited_by_name: str
