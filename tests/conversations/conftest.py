"""What the conversation tests share: a session with a registered mentee, and conversations
made through the services."""

import pytest

from mentorcircle.conversations import services
from mentorcircle.conversations.models import Conversation, Message
from mentorcircle.groupsessions.models import GroupSession, Participant
from tests.factories import GroupSessionFactory, ParticipantFactory


@pytest.fixture
def session(personas) -> GroupSession:
    """A session a week from now, hosted by the mentor, with the mentee registered."""
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, title="Pitch practice")
    ParticipantFactory(session=session, user=personas.mentee, status=Participant.Status.REGISTERED)
    return session


@pytest.fixture
def session_chat(session) -> Conversation:
    return services.conversation_for_session(session=session)


@pytest.fixture
def direct(personas) -> Conversation:
    """The mentor's and the mentee's conversation, with one message from the mentor."""
    return services.conversation_start(
        program=personas.program, creator=personas.mentor, people=[personas.mentee], body="Hello Mina!"
    ).conversation


def post(conversation: Conversation, author, body: str = "Hi", **kwargs) -> Message:
    return services.message_post(conversation=conversation, author=author, body=body, **kwargs)
