"""Emails about new messages: at most one per conversation, person and 15-minute window, only
about messages the person has not read, none while they have it open, muted it or turned these
emails off; exactly once under retries; odd names stay in their place."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django_tasks_db.models import DBTaskResult

from mentorcircle.conversations import services as conversation_services
from mentorcircle.conversations.models import Conversation, Message
from mentorcircle.notifications import tasks
from mentorcircle.notifications.models import Delivery, FailedDelivery, preferences_for
from tests.factories import GroupSessionFactory, ParticipantFactory
from tests.helpers import run_tasks
from tests.notifications.conftest import NOW, committed, html, inbox, member
from tests.notifications.test_after_session_emails import (
    LINE_BREAKS,
    LONGEST,
    RIGHT_TO_LEFT,
    assert_single_line_subjects_and_sendable,
    tricky_names,
)
from tests.notifications.test_delivery import enqueue_again

WINDOW_END = NOW + timedelta(minutes=15)  # NOW is 09:00 UTC: the window 09:00-09:15


@pytest.fixture
def chat(personas, clock) -> Conversation:  # noqa: ARG001 - the clock stands at NOW
    """The mentor's and the mentee's direct conversation, empty."""
    return conversation_services.conversation_direct_or_group(
        program=personas.program, creator=personas.mentor, people=[personas.mentee]
    )


def post(conversation: Conversation, author, body: str = "Hi", **kwargs) -> Message:
    with committed():
        return conversation_services.message_post(
            conversation=conversation, author=author, body=body, **kwargs
        )


def message_emails(user) -> list:
    return [m for m in inbox(user) if "new message" in m.subject.lower()]


def at_window_end(clock) -> None:
    clock.move_to(WINDOW_END + timedelta(seconds=1))
    run_tasks()


def test_one_email_per_window_whatever_the_number_of_messages(personas, chat, clock):
    for n in range(7):
        post(chat, personas.mentor, f"Line {n}\nmore of it")
    run_tasks()
    assert message_emails(personas.mentee) == []  # not before the window ends

    at_window_end(clock)

    (email,) = message_emails(personas.mentee)
    assert email.subject == "7 new messages from \u2068Theo Mentor\u2069"
    assert "\u2068Theo Mentor\u2069: \u2068Line 6 …\u2069" in email.body
    assert "… and 2 earlier messages." in email.body
    assert "Reply in MentorCircle:\n" in email.body
    assert (
        email.body.split("Reply in MentorCircle:\n", 1)[1].split("\n", 1)[0].endswith(chat.get_absolute_url())
    )
    assert "Reply in MentorCircle" in html(email)
    assert message_emails(personas.mentor) == []  # nobody is told of their own messages

    # The next window gets its own email, about its own messages only.
    post(chat, personas.mentor, "One more")
    clock.move_to(WINDOW_END + timedelta(minutes=15, seconds=1))
    run_tasks()
    assert [m.subject for m in message_emails(personas.mentee)] == [
        "7 new messages from \u2068Theo Mentor\u2069",
        "New message from \u2068Theo Mentor\u2069",
    ]


def test_none_when_the_person_read_the_messages(personas, chat, clock):
    message = post(chat, personas.mentor)
    conversation_services.conversation_mark_read(conversation=chat, user=personas.mentee, up_to=message.pk)
    at_window_end(clock)
    assert message_emails(personas.mentee) == []


def test_only_the_unread_messages_are_told(personas, chat, clock):
    read = post(chat, personas.mentor, "Read already")
    conversation_services.conversation_mark_read(
        conversation=chat, user=personas.mentee, up_to=read.pk, now=NOW - timedelta(minutes=5)
    )
    post(chat, personas.mentor, "Not read yet")
    at_window_end(clock)
    (email,) = message_emails(personas.mentee)
    assert "Not read yet" in email.body
    assert "Read already" not in email.body


def test_none_while_the_person_has_the_conversation_open(personas, chat, clock):
    post(chat, personas.mentor)
    clock.move_to(WINDOW_END + timedelta(seconds=1))
    # The page asked for news a few seconds ago (before the newest message was shown to them).
    chat.members.filter(user=personas.mentee).update(last_seen_at=WINDOW_END - timedelta(seconds=4))
    run_tasks()
    assert message_emails(personas.mentee) == []


def test_none_when_muted(personas, chat, clock):
    conversation_services.conversation_mute(conversation=chat, user=personas.mentee, muted=True)
    post(chat, personas.mentor)
    at_window_end(clock)
    assert message_emails(personas.mentee) == []


def test_none_when_the_preference_is_off(personas, chat, clock):
    preferences = preferences_for(personas.mentee)
    preferences.message_emails = False
    preferences.save()
    post(chat, personas.mentor)
    at_window_end(clock)
    assert message_emails(personas.mentee) == []


def test_the_preference_is_on_the_notifications_page_and_on_by_default(client, personas):
    client.force_login(personas.mentee)
    page = client.get("/me/notifications/").content.decode()
    assert "Email me about new messages" in page
    assert preferences_for(personas.mentee).message_emails is True

    client.post("/me/notifications/", {"missed_session_emails": "on"})
    assert preferences_for(personas.mentee).message_emails is False


def message_email_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=tasks.message_emails.module_path).order_by("enqueued_at")
    )


def test_twenty_messages_in_a_window_make_one_task_and_one_email_per_person(personas, clock):
    group = conversation_services.conversation_direct_or_group(
        program=personas.program, creator=personas.mentor, people=[personas.mentee, personas.manager]
    )
    for n in range(20):
        clock.move_to(NOW + timedelta(seconds=30 * n))
        post(group, personas.mentor, f"Message {n}")

    (pending,) = message_email_tasks()
    assert pending.args_kwargs["kwargs"] == {
        "conversation_id": group.pk,
        "window_end": WINDOW_END.isoformat(),
    }

    at_window_end(clock)
    for person in (personas.mentee, personas.manager):
        (email,) = message_emails(person)
        assert email.subject == "20 new messages from \u2068Theo Mentor\u2069"
    assert message_emails(personas.mentor) == []

    # A retry (or the same task delivered twice) sends nothing twice.
    enqueue_again(pending)
    run_tasks()
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(kind="new-messages").count() == 2


def test_the_next_window_gets_its_own_task_even_while_the_last_one_waits(personas, chat, clock):
    post(chat, personas.mentor, "First window")
    clock.move_to(WINDOW_END + timedelta(minutes=1))  # the worker has not run the first task yet
    post(chat, personas.mentor, "Second window")
    post(chat, personas.mentor, "Second window again")

    assert [t.args_kwargs["kwargs"]["window_end"] for t in message_email_tasks()] == [
        WINDOW_END.isoformat(),
        (WINDOW_END + timedelta(minutes=15)).isoformat(),
    ]
    clock.move_to(WINDOW_END + timedelta(minutes=15, seconds=1))
    run_tasks()
    assert [m.subject for m in message_emails(personas.mentee)] == [
        "New message from \u2068Theo Mentor\u2069",
        "2 new messages from \u2068Theo Mentor\u2069",
    ]


def test_a_message_committed_after_its_window_task_started_is_still_told(personas, chat, clock):
    post(chat, personas.mentee, "On time")
    at_window_end(clock)
    assert len(message_emails(personas.mentor)) == 1
    assert Conversation.objects.get(pk=chat.pk).email_due_at is None  # the task cleared its mark

    # Posted just before the window's end, committed after its task ran: a task is enqueued again.
    post(chat, personas.mentor, "Late", now=WINDOW_END - timedelta(seconds=1))
    assert len(message_email_tasks()) == 2
    run_tasks()

    (email,) = message_emails(personas.mentee)
    assert "Late" in email.body
    assert len(message_emails(personas.mentor)) == 1


def test_exactly_once_when_the_task_runs_twice(personas, chat, clock):
    post(chat, personas.mentor)
    post(chat, personas.mentor)  # one task for the window
    clock.move_to(WINDOW_END + timedelta(seconds=1))
    run_tasks()
    tasks.message_emails.call(conversation_id=chat.pk, window_end=WINDOW_END.isoformat())
    assert len(message_emails(personas.mentee)) == 1
    assert Delivery.objects.filter(kind="new-messages").count() == 1


def test_exactly_once_after_the_mail_server_failed_and_the_task_was_retried(personas, chat, clock):
    post(chat, personas.mentor)
    clock.move_to(WINDOW_END + timedelta(seconds=1))
    with mock.patch.object(EmailBackend, "send_messages", side_effect=ConnectionError("Mail server down")):
        run_tasks(fail_on_error=False)
    assert message_emails(personas.mentee) == []
    assert FailedDelivery.objects.get(kind="new-messages").sent_at is None

    tasks.message_emails.call(conversation_id=chat.pk, window_end=WINDOW_END.isoformat())
    tasks.message_emails.call(conversation_id=chat.pk, window_end=WINDOW_END.isoformat())

    assert len(message_emails(personas.mentee)) == 1
    assert FailedDelivery.objects.get(kind="new-messages").sent_at is not None


def test_a_worker_that_died_mid_send_leaves_its_claim_and_the_email_goes_once(personas, chat, clock):
    """A claim left unsent (the worker died before marking it) is taken over once stale."""
    post(chat, personas.mentor)
    clock.move_to(WINDOW_END + timedelta(seconds=1))
    with mock.patch("mentorcircle.notifications.emails._marked_sent", side_effect=SystemExit):
        with pytest.raises(SystemExit):
            tasks.message_emails.call(conversation_id=chat.pk, window_end=WINDOW_END.isoformat())
    assert len(message_emails(personas.mentee)) == 1  # it went out, but was not marked sent

    tasks.message_emails.call(conversation_id=chat.pk, window_end=WINDOW_END.isoformat())
    assert len(message_emails(personas.mentee)) == 1  # a claim still fresh: nobody sends again


def test_everyone_seated_in_a_session_is_told_but_blocked_authors_are_left_out(personas, clock):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, title="Pitch practice")
    ParticipantFactory(session=session, user=personas.mentee, status="registered")
    chat = conversation_services.conversation_for_session(session=session)
    conversation_services.block_create(blocker=personas.mentee, blocked_id=personas.manager.pk)
    post(chat, personas.manager, "From the manager")
    post(chat, personas.mentor, "From the host")
    at_window_end(clock)

    (email,) = message_emails(personas.mentee)
    assert email.subject == "New message from \u2068Theo Mentor\u2069 in “\u2068Pitch practice\u2069”"
    assert "From the manager" not in email.body


@pytest.mark.usefixtures("chat")
def test_a_share_message_email_shows_the_session(personas, clock):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, title="Pitch practice")
    with committed():
        conversation_services.session_share(
            session=session, sharer=personas.mentor, people=[personas.mentee.pk], note="Come!"
        )
    at_window_end(clock)
    (email,) = message_emails(personas.mentee)
    assert "\u2068Theo Mentor\u2069: shared the session “\u2068Pitch practice\u2069” (" in email.body
    assert ": \u2068Come!\u2069" in email.body


@pytest.mark.parametrize("name", tricky_names())
def test_odd_names_stay_on_one_line_in_subject_and_body(personas, clock, name):
    sender = member(personas.program, full_name=name)
    reader = member(personas.program, full_name=name)
    chat = conversation_services.conversation_direct_or_group(
        program=personas.program, creator=sender, people=[reader]
    )
    post(chat, sender, f"Hello from {name}")
    at_window_end(clock)

    emails = message_emails(reader)
    assert_single_line_subjects_and_sendable(emails)
    (email,) = emails
    shown = " ".join(name.split())  # one line, as the email shows it (cut short if long)
    if name == LONGEST:
        assert len(email.subject) < 120
        assert "\u2068Bartholomew xxx" in email.subject
    elif name == RIGHT_TO_LEFT:
        assert f"\u2068{name}\u2069" in email.subject  # isolated: it cannot reorder the rest
    elif name == LINE_BREAKS:
        assert "Eve Bcc: everyone@example.org X-Injected: yes" in email.subject
    (line,) = [line for line in email.body.splitlines() if "Hello from" in line]
    assert line.startswith(f"\u2068{shown[:40]}")
    assert f"<strong>\u2068{shown[:40]}" in html(email)
