"""The messages pages as each persona sees them, through Django's test client."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorcircle.conversations import services, views
from mentorcircle.conversations.models import Block, Conversation, Message, MessageReport
from mentorcircle.core.templatetags.when import when_date
from mentorcircle.groupsessions import services as session_services
from mentorcircle.groupsessions.models import Participant
from mentorcircle.navigation import navigation
from tests.conversations.conftest import post
from tests.core.test_security import inline_code
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import field_errors, page_text, toasts

MEMBERS = ("manager", "mentor", "mentee")
NON_MEMBERS = ("outsider", "other_manager")
PERSONAS = (*MEMBERS, *NON_MEMBERS)


@pytest.fixture
def chat(personas, session_chat) -> tuple[Conversation, Message]:
    """The session's conversation (the mentor hosts, the mentee is registered, the manager
    manages the program) with a message from the mentor."""
    return session_chat, post(session_chat, personas.mentor, "Slides are up")


# ---- Who may open what --------------------------------------------------------------------------

# name: (method, address from (personas, conversation, message))
PAGES = {
    "inbox": ("get", lambda _p, _c, _m: reverse("conversations:inbox")),
    "new": ("get", lambda _p, _c, _m: reverse("conversations:new")),
    "suggest": ("get", lambda p, _c, _m: f"{reverse('conversations:suggest')}?program={p.program.pk}&q=Mina"),
    "blocked": ("get", lambda _p, _c, _m: reverse("conversations:blocked")),
    "block": ("post", lambda p, _c, _m: reverse("conversations:block", args=[p.mentor.pk])),
    "unblock": ("post", lambda p, _c, _m: reverse("conversations:unblock", args=[p.mentor.pk])),
    "detail": ("get", lambda _p, c, _m: reverse("conversations:detail", args=[c.pk])),
    "reply": ("post", lambda _p, c, _m: reverse("conversations:reply", args=[c.pk])),
    "poll": ("get", lambda _p, c, _m: reverse("conversations:poll", args=[c.pk]) + "?after=0"),
    "mute": ("post", lambda _p, c, _m: reverse("conversations:mute", args=[c.pk])),
    "leave": ("post", lambda _p, c, _m: reverse("conversations:leave", args=[c.pk])),
    "report": ("get", lambda _p, c, m: reverse("conversations:report", args=[c.pk, m.pk])),
    "report post": ("post", lambda _p, c, m: reverse("conversations:report", args=[c.pk, m.pk])),
    "remove": ("post", lambda _p, c, m: reverse("conversations:remove", args=[c.pk, m.pk])),
    "keep": ("post", lambda _p, c, m: reverse("conversations:keep", args=[c.pk, m.pk])),
    "for session": ("get", lambda _p, c, _m: reverse("conversations:for_session", args=[c.session_id])),
    "share": ("get", lambda _p, c, _m: reverse("conversations:share", args=[c.session_id])),
    "reported messages": (
        "get",
        lambda p, _c, _m: reverse("manage:reported_messages", args=[p.program.slug]),
    ),
}
EVERYONE = (PERSONAS, None)
# Who is let through; everyone else gets the status on the right.
ALLOWED = {
    "inbox": EVERYONE,
    "new": EVERYONE,
    "suggest": (MEMBERS, 404),
    "blocked": EVERYONE,
    # Blocking needs a shared program; the mentor cannot block themselves (told so).
    "block": (MEMBERS, 404),
    "unblock": EVERYONE,
    "detail": (MEMBERS, 404),
    "reply": (MEMBERS, 404),
    "poll": (MEMBERS, 404),
    "mute": (MEMBERS, 404),
    "leave": (MEMBERS, 404),
    "report": (MEMBERS, 404),
    "report post": (MEMBERS, 404),
    "remove": (("manager",), {"mentor": 403, "mentee": 403, "outsider": 404, "other_manager": 404}),
    "keep": (("manager",), {"mentor": 403, "mentee": 403, "outsider": 404, "other_manager": 404}),
    "for session": (MEMBERS, 404),
    # Any member of the program may share one of its sessions (the POST: test_share.py).
    "share": (MEMBERS, 404),
    "reported messages": (
        ("manager",),
        {"mentor": 403, "mentee": 403, "outsider": 404, "other_manager": 404},
    ),
}

# The mentor wrote the message: reporting it is refused next to the form.
OWN_MESSAGE = {("report post", "mentor"): (400,)}


def snapshot(conversation: Conversation) -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        list(Message.objects.order_by("id").values_list("id", "body", "kind", "removed_at")),
        list(conversation.members.order_by("id").values_list("user_id", "muted", "left_at")),
        list(MessageReport.objects.values_list("id", "reason", "resolved_at")),
        list(Block.objects.values_list("blocker_id", "blocked_id")),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view", PAGES)
def test_each_page_answers_each_persona_as_it_should(client, personas, chat, view, persona):
    conversation, message = chat
    method, url = PAGES[view]
    allowed, refused = ALLOWED[view]
    client.force_login(getattr(personas, persona))
    before = snapshot(conversation)

    data = {"body": "Sent by the test", "reason": "Rude", "muted": "1"} if method == "post" else None
    response = getattr(client, method)(url(personas, conversation, message), data)

    if persona in allowed:
        expected = OWN_MESSAGE.get((view, persona)) or ((302,) if method == "post" else (200, 302))
        assert response.status_code in expected
        return
    expected = refused[persona] if isinstance(refused, dict) else refused
    assert response.status_code == expected
    assert "Slides are up" not in page_text(response)
    assert snapshot(conversation) == before


@pytest.mark.parametrize("view", PAGES)
@pytest.mark.usefixtures("personas")
def test_signed_out_visitors_are_sent_to_sign_in(client, personas, chat, view):
    conversation, message = chat
    method, url = PAGES[view]
    before = snapshot(conversation)

    response = getattr(client, method)(url(personas, conversation, message))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot(conversation) == before


DIRECT_PAGES = ("detail", "reply", "poll", "mute", "leave", "report", "report post", "remove", "keep")


@pytest.mark.parametrize("persona", ["manager", "outsider", "other_manager"])
@pytest.mark.parametrize("view", DIRECT_PAGES)
def test_a_direct_conversation_is_not_found_by_anyone_outside_it(client, personas, direct, view, persona):
    method, url = PAGES[view]
    message = direct.messages.get()
    client.force_login(getattr(personas, persona))
    before = snapshot(direct)

    response = getattr(client, method)(url(personas, direct, message), {"body": "Let me in"})

    assert response.status_code == 404
    assert "Hello Mina!" not in page_text(response)
    assert snapshot(direct) == before


@pytest.mark.parametrize("view", DIRECT_PAGES)
def test_a_member_removed_from_the_program_loses_access_to_every_page(client, personas, direct, view):
    method, url = PAGES[view]
    message = direct.messages.get()
    personas.program.memberships.filter(user=personas.mentee).delete()
    client.force_login(personas.mentee)

    response = getattr(client, method)(url(personas, direct, message), {"body": "Still here"})

    assert response.status_code == 404
    assert not direct.messages.filter(author=personas.mentee).exists()


def test_a_member_without_a_seat_is_told_the_conversation_is_for_the_people_with_one(
    client, personas, session
):
    client.force_login(MembershipFactory(program=personas.program).user)

    response = client.get(reverse("conversations:for_session", args=[session.pk]))

    assert response.status_code == 403
    assert "The session's conversation is for the people with a seat in it." in page_text(response)
    assert not Conversation.objects.exists()


def test_the_session_page_links_to_its_conversation_for_the_people_in_it(client, personas, session):
    link = reverse("conversations:for_session", args=[session.pk])
    stranger = MembershipFactory(program=personas.program).user
    for user, shown in [(personas.mentee, True), (personas.manager, True), (stranger, False)]:
        client.force_login(user)
        assert (link in client.get(session.get_absolute_url()).content.decode()) is shown

    client.force_login(personas.mentee)
    response = client.get(link)
    assert response["Location"] == Conversation.objects.get(session=session).get_absolute_url()


# ---- The inbox and the sidebar ------------------------------------------------------------------


@pytest.mark.usefixtures("direct")
def test_the_inbox_lists_conversations_newest_first_with_their_unread_counts(client, personas, session_chat):
    post(session_chat, personas.mentor, "Slides are up")
    post(session_chat, personas.manager, "Room 4", kind=Message.Kind.ANNOUNCEMENT)
    client.force_login(personas.mentee)

    page = client.get(reverse("conversations:inbox")).content.decode()

    titles = re.findall(r'<p class="inbox-title"><a href="[^"]+">([^<]+)</a>', page)
    assert titles == ["Pitch practice", "Theo Mentor"]
    assert re.findall(r'<span class="badge">(\d+)<span class="visually-hidden"> unread', page) == [
        "2",  # Personal > Messages in the sidebar: two conversations with unread messages
        "2",  # the session's conversation
        "1",  # the direct one
    ]
    assert "<strong>Announcement</strong> · Room 4" in page


@pytest.mark.usefixtures("direct")
def test_the_unread_count_is_read_in_one_query_and_only_when_shown(personas):
    request = RequestFactory().get("/")
    request.user = personas.mentee

    with CaptureQueriesContext(connection) as building:
        context = navigation(request)
    with CaptureQueriesContext(connection) as reading:
        shown = (str(context["unread_conversations"]), bool(context["unread_conversations"]))

    assert len(building) == 0  # a page that does not show it pays nothing
    assert len(reading) == 1
    assert shown == ("1", True)


@pytest.mark.usefixtures("direct")
def test_the_top_bar_shows_the_unread_count_on_every_page_in_one_query(client, personas):
    client.force_login(personas.mentee)
    client.get(reverse("accounts:settings"))  # warm-up

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("accounts:settings")).content.decode()
    counts = [q["sql"] for q in captured if "conversations_conversation" in q["sql"]]

    assert 'class="topbar-messages"' in page
    assert 'aria-label="Messages, 1 unread"' in page
    assert '<span class="badge" aria-hidden="true">1</span>' in page
    assert len(counts) == 1


@pytest.mark.usefixtures("direct")
def test_the_top_bar_has_no_count_when_all_is_read_and_costs_anonymous_visitors_nothing(client, personas):
    client.force_login(personas.mentor)  # wrote the only message
    page = client.get(reverse("accounts:settings")).content.decode()
    assert 'aria-label="Messages"' in page
    assert '<span class="badge"' not in page

    client.logout()
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("account_login")).content.decode()
    assert "topbar-messages" not in page
    assert not [q for q in captured if "conversations_" in q["sql"]]


def test_opening_a_conversation_reads_it(client, personas, direct):
    client.force_login(personas.mentee)
    assert '<span class="badge">1<span' in client.get(reverse("conversations:inbox")).content.decode()

    page = client.get(direct.get_absolute_url()).content.decode()

    assert '<li class="divider divider-new"><span>New</span></li>' in page
    assert '<span class="badge">' not in page
    assert '<span class="badge">' not in client.get(reverse("conversations:inbox")).content.decode()


def test_a_new_message_starts_a_conversation_and_opens_it(client, personas):
    client.force_login(personas.mentor)

    response = client.post(
        reverse("conversations:new"),
        {"program": personas.program.pk, "people": [personas.mentee.pk], "body": "Welcome!"},
    )

    conversation = Conversation.objects.get()
    assert response["Location"] == conversation.get_absolute_url()
    assert conversation.messages.get().body == "Welcome!"


def test_a_refused_new_message_says_why_next_to_the_field_and_makes_nothing(client, personas):
    client.force_login(personas.mentor)

    empty = client.post(reverse("conversations:new"), {"program": personas.program.pk, "body": ""})
    stranger = client.post(
        reverse("conversations:new"),
        {"program": personas.program.pk, "people": [personas.other_manager.pk], "body": "Hi"},
    )
    too_long = client.post(
        reverse("conversations:new"),
        {"program": personas.program.pk, "people": [personas.mentee.pk], "body": "x" * 5_001},
    )

    assert empty.status_code == 400
    assert field_errors(empty, "people") == ["Pick at least one person to write to."]
    assert field_errors(empty, "body") == ["Write a message."]
    assert field_errors(stranger, "people") != []
    assert field_errors(too_long, "body") == ["Keep the message to 5,000 characters or fewer (it has 5,001)."]
    assert not Conversation.objects.exists()


def test_people_are_suggested_from_the_chosen_program_only(client, personas):
    MembershipFactory(program=personas.other_program, user=UserFactory(full_name="Mina Elsewhere"))
    client.force_login(personas.mentee)

    response = client.get(reverse("conversations:suggest"), {"program": personas.program.pk, "q": "mina"})
    theirs = client.get(reverse("conversations:suggest"), {"program": personas.other_program.pk, "q": "mina"})

    assert response.json() == {"results": []}  # only the mentee is called Mina here: never oneself
    assert theirs.status_code == 404
    assert client.get(
        reverse("conversations:suggest"), {"program": personas.program.pk, "q": "theo"}
    ).json() == {"results": [{"id": personas.mentor.pk, "name": "Theo Mentor"}]}


# ---- A conversation's page ---------------------------------------------------------------------


def test_the_page_shows_a_share_card_with_a_join_button(client, personas, session):
    other = MembershipFactory(program=personas.program, user=UserFactory(full_name="Nia Newcomer")).user
    chat = services.conversation_start(
        program=personas.program, creator=personas.mentor, people=[other], body="Have a look"
    ).conversation
    post(chat, personas.mentor, "Seats are going fast", kind=Message.Kind.SHARE, session=session)
    client.force_login(other)

    page = client.get(chat.get_absolute_url()).content.decode()

    assert "Pitch practice" in page
    in_their_zone = session.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert in_their_zone.strftime("%H:%M (Europe/London)") in page
    assert "38 spots left" in page
    assert f'action="{reverse("groupsessions:join", args=[session.pk])}"' in page
    response = client.post(reverse("groupsessions:join", args=[session.pk]))
    assert response.status_code == 302
    assert session.participants.get(user=other).status == Participant.Status.REGISTERED
    assert "You&#x27;re registered" in client.get(chat.get_absolute_url()).content.decode()


def test_a_removed_message_shows_as_removed_to_everyone(client, personas, session_chat):
    message = post(session_chat, personas.mentee, "Something nasty")
    post(session_chat, personas.mentor, "Important", kind=Message.Kind.ANNOUNCEMENT)
    services.message_remove(message=message, actor=personas.manager)

    for user in (personas.mentor, personas.mentee, personas.manager):
        client.force_login(user)
        page = page_text(client.get(session_chat.get_absolute_url()))
        assert "This message was removed by a program manager." in page
        assert "Something nasty" not in page
        assert "Announcement" in page


def test_hostile_text_is_shown_as_text(client, personas, direct):
    post(
        direct,
        personas.mentor,
        '<script>alert(1)</script><img src=x onerror="alert(2)"> javascript:alert(3) '
        '<a href="javascript:alert(4)">x</a> https://example.org/?q=<b>',
    )
    client.force_login(personas.mentee)

    page = client.get(direct.get_absolute_url()).content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert '<a href="javascript' not in page  # as text, escaped, it may stay
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://example.org/?q=" target="_blank" rel="nofollow noopener noreferrer">' in page
    assert inline_code(page) == []


def test_the_messages_pages_have_no_inline_code(client, personas, chat):
    conversation, message = chat
    client.force_login(personas.manager)
    services.message_report(message=message, reporter=personas.mentee, reason="Hmm")
    post(conversation, personas.manager, "Room 4", kind=Message.Kind.ANNOUNCEMENT)
    for path in [
        reverse("conversations:inbox"),
        reverse("conversations:new"),
        reverse("conversations:blocked"),
        conversation.get_absolute_url(),
        reverse("conversations:report", args=[conversation.pk, message.pk]),
        reverse("manage:reported_messages", args=[personas.program.slug]),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.content.decode()) == [], path


def test_a_reply_is_posted_and_an_empty_one_is_refused_next_to_the_field(client, personas, direct):
    client.force_login(personas.mentee)
    url = reverse("conversations:reply", args=[direct.pk])

    sent = client.post(url, {"body": "Thanks!"})
    empty = client.post(url, {"body": "   "})

    message = direct.messages.last()
    assert (message.body, message.author) == ("Thanks!", personas.mentee)
    assert sent["Location"] == f"{direct.get_absolute_url()}#m{message.pk}"
    assert empty.status_code == 400
    assert field_errors(empty, "body") == ["Write a message."]
    assert direct.messages.count() == 2


def test_only_the_host_and_managers_see_the_announcement_box(client, personas, chat):
    conversation, _ = chat
    seen = {}
    for persona in MEMBERS:
        client.force_login(getattr(personas, persona))
        seen[persona] = 'name="announce"' in client.get(conversation.get_absolute_url()).content.decode()
    client.force_login(personas.mentee)
    client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Hear me", "announce": "on"})

    assert seen == {"manager": True, "mentor": True, "mentee": False}
    assert conversation.messages.last().kind == Message.Kind.MESSAGE  # the box was not theirs: ignored


def test_a_cancelled_sessions_conversation_shows_why_it_is_closed(client, personas, session, chat):
    conversation, _ = chat
    session_services.session_cancel(session=session, actor=personas.mentor, reason="Venue closed")
    client.force_login(personas.mentee)

    page = page_text(client.get(conversation.get_absolute_url()))
    response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Why?"})

    assert "This session was cancelled, so its conversation is closed for new messages." in page
    assert "Reason: Venue closed" in page
    assert 'name="body"' not in page
    assert response.status_code == 400
    assert conversation.messages.count() == 1


def test_in_a_sessions_conversation_the_messages_of_someone_blocked_are_hidden(client, personas, chat):
    conversation, _ = chat
    services.block_create(blocker=personas.mentee, blocked_id=personas.mentor.pk)
    client.force_login(personas.mentee)

    page = page_text(client.get(conversation.get_absolute_url()))

    assert "Hidden: you blocked this member." in page
    assert "Slides are up" not in page
    assert 'name="body"' in page  # the conversation is everyone's: they can still post


def test_leaving_a_group_takes_it_away(client, personas):
    group = services.conversation_start(
        program=personas.program,
        creator=personas.mentor,
        people=[personas.mentee, personas.manager],
        body="Hi all",
    ).conversation
    client.force_login(personas.mentee)

    response = client.post(reverse("conversations:leave", args=[group.pk]))

    assert response["Location"] == reverse("conversations:inbox")
    assert toasts(client.get(reverse("conversations:inbox"))) == ["You left the conversation."]
    assert client.get(group.get_absolute_url()).status_code == 404
    client.force_login(personas.mentor)
    assert "Maria Manager" in page_text(client.get(group.get_absolute_url()))


def test_muting_is_shown_and_undone(client, personas, direct):
    client.force_login(personas.mentee)
    url = reverse("conversations:mute", args=[direct.pk])

    client.post(url, {"muted": "1"})
    muted = page_text(client.get(direct.get_absolute_url()))
    client.post(url, {"muted": "0"})

    assert ">Unmute<" in muted
    assert not direct.members.get(user=personas.mentee).muted


def test_blocking_from_the_conversation_hides_the_reply_box(client, personas, direct):
    client.force_login(personas.mentee)

    response = client.post(
        reverse("conversations:block", args=[personas.mentor.pk]), {"next": direct.get_absolute_url()}
    )
    page = page_text(client.get(direct.get_absolute_url()))

    assert response["Location"] == direct.get_absolute_url()
    assert "You blocked Theo Mentor: neither of you can send messages here." in page
    assert 'name="body"' not in page


def test_the_next_address_stays_on_this_site(client, personas):
    client.force_login(personas.mentee)

    response = client.post(
        reverse("conversations:block", args=[personas.mentor.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("conversations:blocked")


def test_a_report_reaches_the_programs_managers(client, personas, chat):
    conversation, message = chat
    client.force_login(personas.mentee)

    response = client.post(
        reverse("conversations:report", args=[conversation.pk, message.pk]), {"reason": "Off topic"}
    )
    client.force_login(personas.manager)
    listed = page_text(client.get(reverse("manage:reported_messages", args=[personas.program.slug])))
    flagged = client.get(conversation.get_absolute_url()).content.decode()

    assert response.status_code == 302
    assert "Slides are up" in listed
    assert "Off topic" in listed
    assert "Mina Mentee" in listed
    assert '<span class="pill pill-err">Reported</span>' in flagged


# ---- Live updates ----------------------------------------------------------------------------------


def test_the_live_updates_bring_only_newer_messages_and_read_them(client, personas, direct):
    first = direct.messages.get()
    client.force_login(personas.mentee)
    url = reverse("conversations:poll", args=[direct.pk])
    second = post(direct, personas.mentor, "Are you there?")

    answer = client.get(url, {"after": first.pk}).json()

    assert [item["id"] for item in answer["messages"]] == [second.pk]
    assert "Are you there?" in answer["messages"][0]["html"]
    assert answer["closed"] is None
    assert client.get(url, {"after": second.pk}).json()["messages"] == []
    assert direct.members.get(user=personas.mentee).last_read_id == second.pk


def test_the_live_updates_give_each_message_its_day_for_the_date_divider(client, personas, direct):
    first = direct.messages.get()
    client.force_login(personas.mentee)
    personas.mentee.time_zone = "Asia/Tokyo"
    personas.mentee.save()
    late = post(direct, personas.mentor, "Late", now=datetime(2027, 3, 1, 14, 59, tzinfo=UTC))
    next_day = post(direct, personas.mentor, "Next day", now=datetime(2027, 3, 1, 15, 1, tzinfo=UTC))

    answer = client.get(reverse("conversations:poll", args=[direct.pk]), {"after": first.pk}).json()
    reply = client.post(
        reverse("conversations:reply", args=[direct.pk]),
        {"body": "Hi"},
        headers={"accept": "application/json"},
    ).json()

    # Days are the reader's: 15:00 UTC is midnight in Tokyo.
    assert [(item["id"], item["day"]) for item in answer["messages"]] == [
        (late.pk, "1 Mar 2027"),
        (next_day.pk, "2 Mar 2027"),
    ]
    assert reply["day"] == when_date(timezone.now())


def test_the_live_updates_show_a_removal_made_after_the_page_was_drawn(client, personas, chat):
    conversation, first = chat
    client.force_login(personas.mentee)
    page = client.get(conversation.get_absolute_url()).content.decode()
    since = re.search(r'data-since="([^"]+)"', page).group(1)
    url = reverse("conversations:poll", args=[conversation.pk])
    assert client.get(url, {"after": first.pk, "since": since}).json()["removed"] == []

    services.message_remove(message=first, actor=personas.manager)
    answer = client.get(url, {"after": first.pk, "since": since}).json()

    (removed,) = answer["removed"]
    assert removed["id"] == first.pk
    assert "This message was removed by a program manager." in removed["html"]
    assert "Slides are up" not in removed["html"]
    assert answer["messages"] == []
    # Asked again once the overlap has passed, it is not sent again.
    later = (timezone.now() + views.REMOVAL_OVERLAP + timedelta(seconds=1)).isoformat()
    assert client.get(url, {"after": first.pk, "since": later}).json()["removed"] == []
    # A made-up or naive `since` is ignored.
    for odd in ("yesterday", "2027-03-01T09:00:00"):
        assert client.get(url, {"after": first.pk, "since": odd}).json()["removed"] == []


def test_a_made_up_id_does_not_mark_later_messages_read(client, personas, direct):
    client.force_login(personas.mentee)

    client.get(reverse("conversations:poll", args=[direct.pk]), {"after": "999999999"})
    later = post(direct, personas.mentor, "Later")

    assert direct.members.get(user=personas.mentee).last_read_id < later.pk


def test_a_reply_sent_by_the_pages_script_comes_back_as_json(client, personas, direct):
    client.force_login(personas.mentee)
    url = reverse("conversations:reply", args=[direct.pk])

    sent = client.post(url, {"body": "Via fetch"}, headers={"accept": "application/json"})
    empty = client.post(url, {"body": ""}, headers={"accept": "application/json"})

    assert sent.status_code == 200
    assert sent.json()["id"] == direct.messages.last().pk
    assert "Via fetch" in sent.json()["html"]
    assert (empty.status_code, empty.json()) == (400, {"errors": ["Write a message."]})


def test_the_rate_limit_is_answered_with_its_message(client, personas, direct):
    client.force_login(personas.mentee)
    url = reverse("conversations:reply", args=[direct.pk])
    for n in range(30):
        post(direct, personas.mentee, f"Message {n}")

    answer = client.post(url, {"body": "Once more"}, headers={"accept": "application/json"})
    page = client.post(url, {"body": "Once more"})

    assert answer.status_code == 429
    assert answer.json() == {
        "errors": ["You have sent 30 messages in the last minute. Wait a moment and send again."]
    }
    assert field_errors(page, "body") == [
        "You have sent 30 messages in the last minute. Wait a moment and send again."
    ]
