"""The rules of conversations and messages, through the services."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import TestCase

from mentorcircle.conversations import selectors, services
from mentorcircle.conversations.events import MessagePosted
from mentorcircle.conversations.models import Block, Conversation, Message, MessageReport
from mentorcircle.core import events
from mentorcircle.groupsessions import services as session_services
from mentorcircle.programs.models import Membership
from tests.conversations.conftest import post
from tests.factories import GroupSessionFactory, MembershipFactory, UserFactory

Kind = Message.Kind


def members(program, count: int):
    return [MembershipFactory(program=program).user for _ in range(count)]


# ---- Who can talk to whom ------------------------------------------------------------------------


def test_two_people_have_one_direct_conversation_per_program(personas):
    first = services.conversation_direct_or_group(
        program=personas.program, creator=personas.mentor, people=[personas.mentee]
    )
    again = services.conversation_direct_or_group(
        program=personas.program, creator=personas.mentee, people=[personas.mentor]
    )

    assert again == first
    assert first.kind == Conversation.Kind.DIRECT
    assert set(first.members.values_list("user_id", flat=True)) == {personas.mentor.pk, personas.mentee.pk}


def test_a_group_of_the_same_people_is_found_again_and_another_group_is_new(personas):
    extra = members(personas.program, 1)[0]
    people = [personas.mentee, personas.manager]

    group = services.conversation_direct_or_group(
        program=personas.program, creator=personas.mentor, people=people
    )
    same = services.conversation_direct_or_group(
        program=personas.program, creator=personas.manager, people=[personas.mentee, personas.mentor]
    )
    bigger = services.conversation_direct_or_group(
        program=personas.program, creator=personas.mentor, people=[*people, extra]
    )

    assert group.kind == Conversation.Kind.GROUP
    assert same == group
    assert bigger != group


def test_nobody_from_another_program_can_be_in_a_conversation(personas):
    with pytest.raises(services.MessageError, match="Pick members of Alpha Mentoring only."):
        services.conversation_start(
            program=personas.program, creator=personas.mentor, people=[personas.other_manager], body="Hi"
        )
    with pytest.raises(services.MessageError, match="Pick members of Alpha Mentoring only."):
        services.conversation_start(
            program=personas.program,
            creator=personas.mentor,
            people=[personas.mentee, personas.outsider],
            body="Hi",
        )

    assert not Conversation.objects.exists()


def test_someone_outside_the_program_cannot_start_a_conversation_in_it(personas):
    with pytest.raises(services.NotFound):
        services.conversation_start(
            program=personas.program, creator=personas.other_manager, people=[personas.mentee], body="Hi"
        )

    assert not Conversation.objects.exists()


def test_a_group_holds_at_most_20_people(personas):
    people = members(personas.program, 19)
    assert services.conversation_direct_or_group(
        program=personas.program, creator=personas.mentor, people=people
    )

    with pytest.raises(services.MessageError, match="at most 20 people, you included: remove 1"):
        services.conversation_direct_or_group(
            program=personas.program, creator=personas.mentor, people=[*people, personas.mentee]
        )


def test_a_refused_first_message_leaves_no_conversation_behind(personas):
    with pytest.raises(services.MessageError, match="Write a message."):
        services.conversation_start(
            program=personas.program, creator=personas.mentor, people=[personas.mentee], body="  \n "
        )

    assert not Conversation.objects.exists()


def test_a_member_removed_from_the_program_can_no_longer_post(personas, direct):
    Membership.objects.filter(program=personas.program, user=personas.mentee).delete()

    with pytest.raises(services.NotFound):
        post(direct, personas.mentee)
    with pytest.raises(services.MessageError, match="Mina Mentee is no longer a member of Alpha Mentoring."):
        post(direct, personas.mentor)


# ---- Blocks ------------------------------------------------------------------------------------


def test_a_block_stops_direct_messages_both_ways(personas, direct):
    services.block_create(blocker=personas.mentee, blocked_id=personas.mentor.pk)

    with pytest.raises(services.MessageError, match="You cannot send messages to Mina Mentee."):
        post(direct, personas.mentor)
    with pytest.raises(
        services.MessageError, match="You blocked Theo Mentor. Unblock them to send messages."
    ):
        post(direct, personas.mentee)
    assert direct.messages.count() == 1

    services.block_remove(blocker=personas.mentee, blocked_id=personas.mentor.pk)
    assert post(direct, personas.mentor, "Sorry!").body == "Sorry!"


@pytest.mark.parametrize("blocker", ["mentor", "mentee"])
def test_a_block_either_way_stops_starting_a_conversation(personas, blocker):
    blocked = personas.mentee if blocker == "mentor" else personas.mentor
    services.block_create(blocker=getattr(personas, blocker), blocked_id=blocked.pk)

    with pytest.raises(services.MessageError, match="You cannot send messages to Mina Mentee."):
        services.conversation_start(
            program=personas.program,
            creator=personas.mentor,
            people=[personas.mentee, personas.manager],
            body="Hi",
        )


def test_a_block_does_not_silence_anyone_in_a_sessions_conversation(personas, session_chat):
    services.block_create(blocker=personas.mentee, blocked_id=personas.mentor.pk)

    post(session_chat, personas.mentor, "Slides are up")
    post(session_chat, personas.mentee, "Thanks")

    assert session_chat.messages.count() == 2


def test_blocking_needs_a_shared_program_and_someone_else(personas):
    with pytest.raises(services.NotFound):
        services.block_create(blocker=personas.mentee, blocked_id=personas.other_manager.pk)
    with pytest.raises(services.MessageError, match="You cannot block yourself."):
        services.block_create(blocker=personas.mentee, blocked_id=personas.mentee.pk)
    services.block_create(blocker=personas.mentee, blocked_id=personas.mentor.pk)
    services.block_create(blocker=personas.mentee, blocked_id=personas.mentor.pk)  # again: no change

    assert list(Block.objects.values_list("blocker_id", "blocked_id")) == [
        (personas.mentee.pk, personas.mentor.pk)
    ]


# ---- What a message may hold -------------------------------------------------------------------


def test_the_text_is_stored_without_blank_space_around_it_and_an_empty_one_is_refused(personas, direct):
    assert post(direct, personas.mentee, "\r\n  Thanks!\r\nSee you  \n").body == "Thanks!\nSee you"

    with pytest.raises(services.MessageError, match="Write a message.") as refused:
        post(direct, personas.mentee, " \t \r\n ")
    assert refused.value.field == "body"


def test_a_message_holds_at_most_5000_characters_a_line_break_counting_as_one(personas, direct):
    assert len(post(direct, personas.mentee, "x" * 5_000).body) == 5_000
    assert len(post(direct, personas.mentee, ("x" * 99 + "\r\n") * 50).body) == 4_999

    with pytest.raises(
        services.MessageError, match=r"Keep the message to 5,000 characters or fewer \(it has 5,001\)."
    ):
        post(direct, personas.mentee, "x" * 5_001)


def test_control_characters_are_dropped_but_tabs_and_line_breaks_kept(personas, direct):
    assert post(direct, personas.mentee, "a\x07b\tc\nd\x1b").body == "ab\tc\nd"


def test_a_person_posts_at_most_30_messages_a_minute(personas, direct, session_chat):
    start = datetime(2030, 5, 6, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        for n in range(29):
            post(direct, personas.mentee, f"Message {n}")
        post(session_chat, personas.mentee, "The 30th, elsewhere")  # every conversation counts

        with pytest.raises(services.MessageError) as refused:
            post(direct, personas.mentee, "One too many")
        assert refused.value.message == (
            "You have sent 30 messages in the last minute. Wait a moment and send again."
        )
        post(direct, personas.mentor, "Others can still write")

    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert post(direct, personas.mentee, "Back again").body == "Back again"

    assert Message.objects.filter(author=personas.mentee).count() == 31


def test_announcements_are_for_the_host_and_the_programs_managers_in_a_sessions_conversation(
    personas, session_chat, direct
):
    by_host = post(session_chat, personas.mentor, "Starting on time", kind=Kind.ANNOUNCEMENT)
    by_manager = post(session_chat, personas.manager, "Room changed", kind=Kind.ANNOUNCEMENT)

    with pytest.raises(services.MessageError, match="Only the host and the program's managers"):
        post(session_chat, personas.mentee, "I announce", kind=Kind.ANNOUNCEMENT)
    with pytest.raises(services.MessageError, match="Announcements are made in a session's conversation."):
        post(direct, personas.mentor, "Hear ye", kind=Kind.ANNOUNCEMENT)
    assert (by_host.kind, by_manager.kind) == (Kind.ANNOUNCEMENT, Kind.ANNOUNCEMENT)


def test_a_cancelled_sessions_conversation_is_closed_with_the_sessions_reason(
    personas, session, session_chat
):
    post(session_chat, personas.mentee, "See you there")

    session_services.session_cancel(session=session, actor=personas.mentor, reason="The venue is closed")

    session_chat.refresh_from_db()
    assert session_chat.closed_reason == "The venue is closed"
    for author in (personas.mentor, personas.mentee, personas.manager):
        with pytest.raises(services.MessageError) as refused:
            post(session_chat, author, "Still on?")
        assert refused.value.message == (
            "This session was cancelled, so its conversation is closed. Reason: The venue is closed"
        )
    assert session_chat.messages.count() == 1


def test_a_share_shows_a_session_of_the_conversations_program(personas, direct, session):
    elsewhere = GroupSessionFactory(program=personas.other_program, host=personas.other_manager)

    shared = post(direct, personas.mentor, "", kind=Kind.SHARE, session=session)
    with pytest.raises(services.MessageError, match="Share a session of this conversation's program."):
        post(direct, personas.mentor, "", kind=Kind.SHARE, session=elsewhere)

    assert (shared.kind, shared.session, shared.body) == (Kind.SHARE, session, "")


def test_the_text_is_escaped_and_only_plain_links_come_through():
    html = services.render_body(
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> javascript:alert(3) '
        "[x](javascript:alert(4)) https://example.org/a?b=1&c=2 www.example.com mail@example.org"
    )

    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert 'href="javascript' not in html
    rel = 'target="_blank" rel="nofollow noopener noreferrer"'
    assert f'<a href="https://example.org/a?b=1&amp;c=2" {rel}>https://example.org/a?b=1&amp;c=2</a>' in html
    assert f'<a href="http://www.example.com" {rel}>www.example.com</a>' in html
    assert f'<a href="mailto:mail@example.org" {rel}>mail@example.org</a>' in html


def test_every_character_typed_is_shown():
    text = "Slides (www.example.com). Agenda: https://example.org/a.\n&lt; is not <"
    html = services.render_body(text)

    assert "(www.example.com)." in html
    assert html.count("<a ") == 1
    assert html.endswith("&amp;lt; is not &lt;")


# ---- Moderation ----------------------------------------------------------------------------------


def test_a_program_manager_removes_a_message_and_its_reports_are_closed(personas, session_chat):
    message = post(session_chat, personas.mentee, "Buy my course")
    services.message_report(message=message, reporter=personas.mentor, reason="Spam")

    with pytest.raises(services.MessageError, match="Only the program's managers can remove messages."):
        services.message_remove(message=message, actor=personas.mentor)
    services.message_remove(message=message, actor=personas.manager)

    message.refresh_from_db()
    assert message.is_removed
    assert message.removed_by == personas.manager
    assert message.body == "Buy my course"  # kept for the record, never shown again
    assert not selectors.reported_messages(program=personas.program).exists()


def test_a_report_is_stored_once_per_person_and_listed_for_the_programs_managers(personas, session_chat):
    message = post(session_chat, personas.mentee, "Rude words")

    services.message_report(message=message, reporter=personas.mentor, reason="Rude")
    services.message_report(message=message, reporter=personas.mentor, reason="Very rude")
    services.message_report(message=message, reporter=personas.manager, reason="")
    with pytest.raises(services.MessageError, match="This is your own message."):
        services.message_report(message=message, reporter=personas.mentee, reason="")
    with pytest.raises(services.MessageError, match=r"500 characters or fewer \(it has 501\)"):
        services.message_report(message=message, reporter=personas.mentor, reason="x" * 501)

    assert sorted(MessageReport.objects.values_list("reason", flat=True)) == ["", "Very rude"]
    listed = selectors.reported_messages(program=personas.program).get()
    assert (listed, listed.report_count) == (message, 2)
    assert not selectors.reported_messages(program=personas.other_program).exists()

    services.reports_resolve(message=message, actor=personas.manager)
    assert not selectors.reported_messages(program=personas.program).exists()


def test_nobody_outside_a_conversation_can_report_or_remove_its_messages(personas, direct):
    message = direct.messages.get()

    with pytest.raises(services.NotFound):
        services.message_report(message=message, reporter=personas.manager, reason="")
    with pytest.raises(services.NotFound):
        services.message_remove(message=message, actor=personas.other_manager)


# ---- Read and unread, and what is published ----------------------------------------------------------


def test_unread_counts_follow_reading_and_leave_out_muted_conversations(personas, direct, session_chat):
    assert selectors.unread_conversations(user=personas.mentee).count() == 1
    assert selectors.unread_conversations(user=personas.mentor).count() == 0  # their own message

    post(session_chat, personas.mentor, "Slides")
    assert selectors.unread_conversations(user=personas.mentee).count() == 2

    services.conversation_mark_read(conversation=direct, user=personas.mentee, up_to=direct.last_message_id)
    services.conversation_mute(conversation=session_chat, user=personas.mentee, muted=True)
    assert selectors.unread_conversations(user=personas.mentee).count() == 0

    rows = selectors.for_inbox(list(selectors.listed_for(user=personas.mentee)), user=personas.mentee)
    assert [(row.conversation, row.unread, row.muted) for row in rows] == [
        (session_chat, 1, True),
        (direct, 0, False),
    ]


def test_reading_never_moves_back(personas, direct):
    newest = post(direct, personas.mentor, "Second")
    services.conversation_mark_read(conversation=direct, user=personas.mentee, up_to=newest.pk)
    services.conversation_mark_read(conversation=direct, user=personas.mentee, up_to=1)

    assert direct.members.get(user=personas.mentee).last_read_id == newest.pk


def test_a_posted_message_is_published_after_the_commit(personas, direct):
    heard = []
    events.subscribe(MessagePosted, heard.append)
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            message = post(direct, personas.mentee, "Thanks")
            assert heard == []
    finally:
        events._subscribers[MessagePosted].remove(heard.append)

    assert heard == [MessagePosted(message_id=message.pk, conversation_id=direct.pk)]


def test_a_new_session_gets_its_conversation(personas):
    from tests.groupsessions.conftest import create_session

    with TestCase.captureOnCommitCallbacks(execute=True):
        session = create_session(personas.program, personas.mentor)

    assert Conversation.objects.get(session=session).kind == Conversation.Kind.SESSION


def test_a_message_in_someone_elses_conversation_is_refused(personas, direct):
    with pytest.raises(services.NotFound):
        post(direct, personas.manager, "Let me in")
    other = UserFactory()
    with pytest.raises(services.NotFound):
        post(direct, other, "Let me in")
