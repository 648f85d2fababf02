"""Who is in a session's conversation follows the seats: the host and everyone registered, and
the program's managers; leaving the session is leaving it, a promotion from the waitlist joins it."""

import pytest
from django.urls import reverse

from mentorcircle.conversations import selectors, services
from mentorcircle.groupsessions import services as session_services
from mentorcircle.groupsessions.models import Participant
from tests.conversations.conftest import post
from tests.factories import GroupSessionFactory, MembershipFactory

Status = Participant.Status


def can_read(user, conversation) -> bool:
    return selectors.access(user=user, conversation=conversation).can_read


def in_inbox(user, conversation) -> bool:
    return selectors.listed_for(user=user).filter(pk=conversation.pk).exists()


def test_the_host_the_registered_and_the_managers_are_in_it_and_nobody_else(personas, session, session_chat):
    waiting = MembershipFactory(program=personas.program).user
    invited = MembershipFactory(program=personas.program).user
    Participant.objects.create(session=session, user=waiting, status=Status.WAITLISTED)
    Participant.objects.create(session=session, user=invited, status=Status.INVITED)

    readers = [personas.manager, personas.mentor, personas.mentee]
    others = [waiting, invited, personas.outsider, personas.other_manager]
    assert [can_read(user, session_chat) for user in readers] == [True, True, True]
    assert [can_read(user, session_chat) for user in others] == [False] * 4


def test_registering_brings_someone_in_and_leaving_takes_them_out(client, personas, session, session_chat):
    newcomer = MembershipFactory(program=personas.program).user
    post(session_chat, personas.mentor, "Welcome, everyone")
    client.force_login(newcomer)
    assert client.get(session_chat.get_absolute_url()).status_code == 404

    session_services.participant_join(session=session, user=newcomer)
    assert client.get(session_chat.get_absolute_url()).status_code == 200
    assert in_inbox(newcomer, session_chat)
    post(session_chat, newcomer, "Hello!")

    session_services.participant_leave(session=session, user=newcomer)
    assert client.get(session_chat.get_absolute_url()).status_code == 404
    assert client.get(reverse("conversations:poll", args=[session_chat.pk])).status_code == 404
    assert not in_inbox(newcomer, session_chat)
    with pytest.raises(services.NotFound):
        post(session_chat, newcomer, "Still here?")


def test_a_promotion_from_the_waitlist_brings_someone_in(personas):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, max_participants=2)
    first, second = (MembershipFactory(program=personas.program).user for _ in range(2))
    session_services.participant_join(session=session, user=first)
    assert session_services.participant_join(session=session, user=second).status == Status.WAITLISTED
    chat = services.conversation_for_session(session=session)
    assert not can_read(second, chat)

    session_services.participant_leave(session=session, user=first)

    assert can_read(second, chat)
    assert not can_read(first, chat)


def test_a_manager_finds_it_in_the_inbox_once_they_have_posted(personas, session_chat):
    post(session_chat, personas.mentee, "A question")
    assert not in_inbox(personas.manager, session_chat)
    assert in_inbox(personas.mentor, session_chat)

    post(session_chat, personas.manager, "An answer")

    assert in_inbox(personas.manager, session_chat)


def test_a_member_removed_from_the_program_loses_the_sessions_conversation(client, personas, session_chat):
    post(session_chat, personas.mentor, "Hi")
    personas.program.memberships.filter(user=personas.mentee).delete()
    client.force_login(personas.mentee)

    assert client.get(session_chat.get_absolute_url()).status_code == 404
    assert not in_inbox(personas.mentee, session_chat)
    assert selectors.unread_conversations(user=personas.mentee).count() == 0


def test_the_readers_of_a_sessions_conversation_are_the_seated_and_the_managers_who_posted(
    personas, session, session_chat
):
    leaver = MembershipFactory(program=personas.program).user
    session_services.participant_join(session=session, user=leaver)
    session_services.participant_leave(session=session, user=leaver)
    assert set(selectors.readers(conversation=session_chat)) == {personas.mentor, personas.mentee}

    post(session_chat, personas.manager, "Hello from the program team")

    assert set(selectors.readers(conversation=session_chat)) == {
        personas.mentor,
        personas.mentee,
        personas.manager,
    }


def test_the_readers_of_a_direct_conversation_are_its_two_members_still_in_the_program(personas, direct):
    assert set(selectors.readers(conversation=direct)) == {personas.mentor, personas.mentee}

    personas.program.memberships.filter(user=personas.mentee).delete()

    assert list(selectors.readers(conversation=direct)) == [personas.mentor]
