"""A program manager deals with reported messages of conversations they are not in (direct and
group ones) without being able to read those conversations; and a reader's inbox hides the
messages of people they blocked."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorcircle.conversations import services
from mentorcircle.conversations.models import Block, Message, MessageReport
from mentorcircle.programs.models import Membership
from tests.conversations.conftest import post
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import page_text, toasts

PERSONAS = ("manager", "mentor", "mentee", "outsider", "other_manager")
REMOVED = "This message was removed by a program manager."


@pytest.fixture
def nora(personas):
    """Another mentee of the program."""
    user = UserFactory(full_name="Nora Newcomer")
    MembershipFactory(program=personas.program, role=Membership.Role.MENTEE, user=user)
    return user


@pytest.fixture
def reported(personas, direct) -> Message:
    """The mentor's message in their direct conversation with the mentee, reported by the mentee."""
    message = direct.messages.get()
    services.message_report(message=message, reporter=personas.mentee, reason="Pushy")
    return message


def remove_url(message: Message) -> str:
    return reverse("conversations:remove", args=[message.conversation_id, message.pk])


def keep_url(message: Message) -> str:
    return reverse("conversations:keep", args=[message.conversation_id, message.pk])


def link_to(conversation_id: int) -> str:
    return f'href="{reverse("conversations:detail", args=[conversation_id])}'


def reported_page(personas) -> str:
    return reverse("manage:reported_messages", args=[personas.program.slug])


# Removing a reported direct message: the program's manager only; the people in the conversation
# are told it is not theirs to do; everyone else does not find it.
REMOVE = {"manager": 302, "mentor": 403, "mentee": 403, "outsider": 404, "other_manager": 404}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_programs_manager_removes_a_reported_direct_message(client, personas, reported, persona):
    client.force_login(getattr(personas, persona))

    response = client.post(remove_url(reported))

    assert response.status_code == REMOVE[persona]
    reported.refresh_from_db()
    assert reported.is_removed == (persona == "manager")
    assert "Hello Mina!" not in page_text(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_programs_manager_keeps_a_reported_direct_message(client, personas, reported, persona):
    client.force_login(getattr(personas, persona))

    response = client.post(keep_url(reported))

    assert response.status_code == REMOVE[persona]
    still_open = MessageReport.objects.filter(message=reported, resolved_at__isnull=True).exists()
    assert still_open == (persona != "manager")


def test_a_manager_removes_a_reported_direct_message_from_reported_messages(client, personas, reported):
    client.force_login(personas.manager)
    listed = client.get(reported_page(personas))
    listed_text = page_text(listed)

    # The message itself, who wrote it and the report are shown; the conversation is not offered.
    assert "Hello Mina!" in listed_text
    assert "Theo Mentor" in listed_text
    assert "Pushy" in listed_text
    assert "In a direct conversation you are not in" in listed_text
    assert link_to(reported.conversation_id) not in listed.content.decode()

    response = client.post(remove_url(reported), {"next": reported_page(personas)}, follow=True)

    assert response.redirect_chain[-1][0] == reported_page(personas)
    assert toasts(response) == ["Message removed."]
    assert "Hello Mina!" not in page_text(response)
    assert "No reported messages." in page_text(response)
    reported.refresh_from_db()
    assert reported.removed_by == personas.manager
    for user in (personas.mentor, personas.mentee):
        client.force_login(user)
        page = page_text(client.get(reported.conversation.get_absolute_url()))
        assert REMOVED in page
        assert "Hello Mina!" not in page


def test_without_next_a_manager_outside_the_conversation_lands_on_reported_messages(
    client, personas, reported
):
    client.force_login(personas.manager)
    response = client.post(remove_url(reported))
    assert response["Location"] == reported_page(personas)


def test_a_manager_can_neither_open_a_direct_conversation_nor_remove_an_unreported_message(
    client, personas, direct
):
    message = direct.messages.get()
    client.force_login(personas.manager)

    assert client.get(direct.get_absolute_url()).status_code == 404
    assert client.post(remove_url(message)).status_code == 404
    assert client.post(keep_url(message)).status_code == 404
    message.refresh_from_db()
    assert not message.is_removed
    with pytest.raises(services.NotFound):
        services.message_remove(message=message, actor=personas.manager)


def test_once_dealt_with_a_reported_direct_message_is_out_of_the_managers_reach(client, personas, reported):
    services.reports_resolve(message=reported, actor=personas.manager)
    client.force_login(personas.manager)

    assert client.post(remove_url(reported)).status_code == 404
    assert client.get(reported.conversation.get_absolute_url()).status_code == 404


def test_removing_twice_is_harmless(client, personas, reported):
    client.force_login(personas.manager)
    assert client.post(remove_url(reported)).status_code == 302
    assert client.post(remove_url(reported)).status_code == 302
    reported.refresh_from_db()
    assert reported.is_removed


def test_a_reported_group_message_is_shown_without_its_conversation(client, personas, nora):
    group = services.conversation_start(
        program=personas.program,
        creator=personas.mentor,
        people=[personas.mentee, nora],
        body="Group hello",
    )
    services.message_report(message=group, reporter=personas.mentee, reason="Spam")
    client.force_login(personas.manager)

    listed = client.get(reported_page(personas))

    assert "Group hello" in page_text(listed)
    assert "In a group conversation you are not in" in page_text(listed)
    assert link_to(group.conversation_id) not in listed.content.decode()


def test_a_manager_in_the_conversation_or_of_a_session_is_offered_to_open_it(client, personas, session_chat):
    message = post(session_chat, personas.mentee, "Session words")
    services.message_report(message=message, reporter=personas.mentor, reason="Rude")
    direct = services.conversation_start(
        program=personas.program, creator=personas.mentee, people=[personas.manager], body="To you"
    )
    services.message_report(message=direct, reporter=personas.manager, reason="Odd")
    client.force_login(personas.manager)

    listed = client.get(reported_page(personas)).content.decode()

    assert link_to(session_chat.pk) in listed
    assert link_to(direct.conversation_id) in listed


# ---- The inbox hides the messages of people the reader blocked -------------------------------------


@pytest.mark.usefixtures("direct")
def test_the_inbox_preview_hides_the_last_message_of_someone_blocked(client, personas):
    client.force_login(personas.mentee)
    assert "Hello Mina!" in page_text(client.get(reverse("conversations:inbox")))

    Block.objects.create(blocker=personas.mentee, blocked=personas.mentor, created_at=timezone.now())
    page = page_text(client.get(reverse("conversations:inbox")))

    assert "Hello Mina!" not in page
    assert "Hidden: you blocked this member." in page
    client.force_login(personas.mentor)  # the one blocked still sees their own message
    assert "Hello Mina!" in page_text(client.get(reverse("conversations:inbox")))


def test_a_group_inbox_row_hides_only_the_blocked_members_last_message(client, personas, nora):
    group = services.conversation_start(
        program=personas.program,
        creator=personas.mentor,
        people=[personas.mentee, nora],
        body="From the mentor",
    ).conversation
    Block.objects.create(blocker=personas.mentee, blocked=personas.mentor, created_at=timezone.now())
    client.force_login(personas.mentee)
    assert "From the mentor" not in page_text(client.get(reverse("conversations:inbox")))

    post(group, nora, "From the other mentee")
    assert "From the other mentee" in page_text(client.get(reverse("conversations:inbox")))
