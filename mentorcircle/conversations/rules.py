"""Who may do what in a conversation: small predicates, asked by the views (to show or hide,
and to answer 404) and again by the services where the write happens."""

from dataclasses import dataclass

from mentorcircle.accounts.models import User
from mentorcircle.conversations.models import Conversation, ConversationMember, Message
from mentorcircle.programs.models import Membership


@dataclass(frozen=True)
class Access:
    """What one person is to one conversation. `membership` is theirs in the conversation's
    program (None: not a member, so nothing of it is theirs); `member` their state row, if any;
    `seated` whether they hold a seat (the host's included) in the conversation's session."""

    conversation: Conversation
    user: User
    membership: Membership | None
    member: ConversationMember | None
    seated: bool = False
    host: bool = False

    @property
    def is_manager(self) -> bool:
        return bool(self.membership and self.membership.is_manager)

    @property
    def can_read(self) -> bool:
        """People outside the program see nothing of it. A session's conversation: everyone
        seated and the program's managers; any other: the people in it who have not left."""
        if self.membership is None:
            return False
        if self.conversation.is_session:
            return self.seated or self.is_manager
        return self.member is not None and self.member.left_at is None

    @property
    def can_announce(self) -> bool:
        """Announcements: in a session's conversation, by its host and the program's managers."""
        return self.can_read and self.conversation.is_session and (self.host or self.is_manager)

    @property
    def can_moderate(self) -> bool:
        """The program's managers remove messages and see reports."""
        return self.can_read and self.is_manager

    @property
    def can_leave(self) -> bool:
        return self.can_read and self.conversation.kind == Conversation.Kind.GROUP


def may_moderate_message(found: Access, *, message: Message, reported: bool) -> bool:
    """Remove a message or close its reports: the program's managers, in any conversation they
    can read, and in the program's other conversations (direct or group ones they are not in)
    only for a message with an open report (`reported`), or one removed already (so doing it
    again is harmless). They see that message on Reported messages, never the conversation
    around it."""
    return found.can_moderate or (found.is_manager and (reported or message.is_removed))
