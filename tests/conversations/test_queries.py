"""The inbox and a conversation cost the same number of SQL queries whatever their size: the
inbox at 5 and 200 conversations, a conversation at 5 and 500 messages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.conversations import services
from mentorcircle.conversations.models import Conversation, ConversationMember, Message, MessageReport
from mentorcircle.programs.models import Membership
from tests.conversations.conftest import post

SMALL, LARGE = 5, 200
FEW, MANY = 5, 500


def queries_for(client, path: str, *, expect: str, times: int) -> int:
    client.get(path)  # warm-up: per-process caches (content types, templates) are not the page's cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    assert response.content.decode().count(expect) == times
    return len(captured)


def add_conversations(program, viewer: User, count: int, first: int = 0) -> None:
    """`count` conversations of `viewer` (direct ones, every fifth a group of three), each with a
    message from the other side, built in bulk."""
    now = timezone.now()
    people = User.objects.bulk_create(
        User(email=f"peer{n}@example.org", full_name=f"Peer {n:03d}", password="!")
        for n in range(first, first + count)
    )
    Membership.objects.bulk_create(
        Membership(program=program, user=person, role="mentee") for person in people
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(
            program=program,
            kind="group" if n % 5 == 0 else "direct",
            direct_key="" if n % 5 == 0 else f"{min(viewer.pk, person.pk)}:{max(viewer.pk, person.pk)}",
            created_at=now,
        )
        for n, person in enumerate(people)
    )
    ConversationMember.objects.bulk_create(
        [ConversationMember(conversation=c, user=viewer, joined_at=now) for c in conversations]
        + [
            ConversationMember(conversation=c, user=p, joined_at=now)
            for c, p in zip(conversations, people, strict=True)
        ]
        + [
            ConversationMember(conversation=c, user=people[0], joined_at=now)
            for c in conversations
            if c.kind == "group" and c.pk != conversations[0].pk
        ]
    )
    Message.objects.bulk_create(
        Message(
            conversation=c,
            author=p,
            body=f"Hello from {p.full_name}",
            body_html=f"Hello from {p.full_name}",
            created_at=now + timedelta(seconds=n),
        )
        for n, (c, p) in enumerate(zip(conversations, people, strict=True))
    )
    for conversation in Conversation.objects.filter(pk__in=[c.pk for c in conversations]).annotate(
        newest=Max("messages__id")
    ):
        conversation.last_message_id = conversation.newest
        conversation.last_message_at = now
        conversation.save(update_fields=["last_message_id", "last_message_at"])


def test_the_inbox_costs_the_same_at_5_and_200_conversations(client, personas, session_chat):
    post(session_chat, personas.mentor, "Slides are up")
    client.force_login(personas.mentee)
    path = reverse("conversations:inbox")

    add_conversations(personas.program, personas.mentee, SMALL - 1)
    small = queries_for(client, path, expect='class="inbox-row', times=SMALL)
    add_conversations(personas.program, personas.mentee, LARGE - SMALL, first=SMALL)
    large = queries_for(client, path, expect='class="inbox-row', times=20)

    print(f"inbox: {small} queries at {SMALL} conversations, {large} at {LARGE}")
    assert large == small


def add_messages(conversation: Conversation, authors: list[User], count: int) -> None:
    earlier = timezone.now() - timedelta(hours=1)  # outside the rate limit's minute
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            author=authors[n % len(authors)],
            body=f"Message {n}",
            body_html=f"Message {n}",
            created_at=earlier,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("viewer", ["mentee", "manager"])
def test_a_conversation_costs_the_same_at_5_and_500_messages(client, personas, session, session_chat, viewer):
    """With an announcement, a share card, a removed and a reported message on the page each time."""
    authors = [personas.mentor, personas.mentee]
    client.force_login(getattr(personas, viewer))
    path = session_chat.get_absolute_url()

    def newest_of_every_kind() -> None:
        post(session_chat, personas.mentor, "Starting soon", kind=Message.Kind.ANNOUNCEMENT)
        post(session_chat, personas.mentor, "Bring a friend", kind=Message.Kind.SHARE, session=session)
        removed = post(session_chat, personas.mentee, "Oops")
        services.message_remove(message=removed, actor=personas.manager)
        reported = post(session_chat, personas.mentor, "Hmm")
        MessageReport.objects.create(message=reported, reporter=personas.mentee, created_at=timezone.now())

    add_messages(session_chat, authors, FEW - 4)
    newest_of_every_kind()
    small = queries_for(client, path, expect='data-message-id="', times=FEW)
    add_messages(session_chat, authors, MANY - FEW)
    newest_of_every_kind()
    large = queries_for(client, path, expect='data-message-id="', times=50)

    print(f"conversation as {viewer}: {small} queries at {FEW} messages, {large} at {MANY}")
    assert large == small


def test_the_live_updates_cost_the_same_for_1_or_50_new_messages(client, personas, session, session_chat):
    client.force_login(personas.mentee)
    url = reverse("conversations:poll", args=[session_chat.pk])

    def cost(count: int) -> int:
        after = session_chat.messages.aggregate(newest=Max("id"))["newest"] or 0
        add_messages(session_chat, [personas.mentor], count - 1)
        post(session_chat, personas.mentor, "Join us", kind=Message.Kind.SHARE, session=session)
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(url, {"after": after}).json()
        assert len(answer["messages"]) == count
        return len(captured)

    cost(1)  # warm-up
    assert cost(1) == cost(50)
