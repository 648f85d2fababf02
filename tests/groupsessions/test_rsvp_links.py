"""An invitation's Accept and Decline links act once, on the state they were sent for. Replayed
later (after leaving, answering, a cancellation or the end) they change nothing and say how
things stand now."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django_tasks_db.models import DBTaskResult

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.tokens import SALT
from tests.helpers import page_text, run_tasks
from tests.notifications.conftest import (
    NOW,
    STARTS,
    cancel,
    committed,
    create,
    invite,
    join,
    leave,
    member,
    subjects,
    the_email,
)

Status = Participant.Status
TITLE = "Negotiating your first salary"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW)
    return time_machine


@pytest.fixture
def session(personas) -> GroupSession:
    """The mentor's session for 3 (host included); Mina is invited and has her email."""
    session = create(personas.program, personas.mentor, max_participants=3)
    invite(session, personas.mentor, personas.mentee)
    run_tasks()
    return session


@pytest.fixture
def links(personas, session) -> dict[str, str]:
    """The Accept and Decline links of Mina's invitation, as paths on this site."""
    message = the_email(personas.mentee, f"Theo Mentor invited you: {session.title}")
    found = dict(re.findall(r"^(Accept|Decline): (\S+)$", message.body, re.M))
    return {label: urlsplit(url).path for label, url in found.items()}


def status_of(session: GroupSession, user) -> str:
    return Participant.objects.get(session=session, user=user).status


def answer(client, path: str):
    with committed():
        return client.post(path)


def nothing_queued_by(client, path: str, method: str = "post"):
    """Open the link and check that it queued no work (no email, no reminder)."""
    tasks_before = DBTaskResult.objects.count()
    with committed():
        response = getattr(client, method)(path)
    assert DBTaskResult.objects.count() == tasks_before
    return response


def test_an_accept_link_replayed_after_leaving_does_not_register_again(client, personas, session, links):
    answer(client, links["Accept"])
    leave(session, personas.mentee)  # from the session page, later the same day

    replay = nothing_queued_by(client, links["Accept"])

    assert replay.status_code == 409
    assert status_of(session, personas.mentee) == Status.LEFT
    text = page_text(replay)
    assert "You left this session on 1 Mar 2027" in text
    assert "Accept invitation" not in text


def test_opening_a_used_link_shows_where_you_stand_without_a_button(client, personas, session, links):
    answer(client, links["Accept"])
    leave(session, personas.mentee)

    page = nothing_queued_by(client, links["Accept"], method="get")

    assert page.status_code == 200
    assert "You left this session on 1 Mar 2027" in page_text(page)
    assert "<form" not in page.content.decode().split("<main", 1)[-1]


def test_a_decline_link_after_the_session_was_cancelled_changes_nothing(client, personas, session, links):
    cancel(session, personas.mentor, reason="The speaker is ill")
    run_tasks()
    host_mail = subjects(personas.mentor)

    page = nothing_queued_by(client, links["Decline"], method="get")
    replay = nothing_queued_by(client, links["Decline"])

    assert "This session was cancelled" in page_text(page)
    assert "Decline invitation" not in page_text(page)
    assert replay.status_code == 409
    assert "This session was cancelled" in page_text(replay)
    assert status_of(session, personas.mentee) == Status.INVITED
    run_tasks()
    assert subjects(personas.mentor) == host_mail  # nobody told of a "decline"


def test_an_accept_link_after_the_session_ended_says_so(client, clock, personas, session, links):
    clock.move_to(STARTS + timedelta(hours=2))

    page = nothing_queued_by(client, links["Accept"], method="get")
    replay = nothing_queued_by(client, links["Accept"])

    assert "This session has ended" in page_text(page)
    assert "Accept invitation" not in page_text(page)
    assert replay.status_code == 409
    assert status_of(session, personas.mentee) == Status.INVITED


def test_after_accepting_the_decline_link_only_says_you_are_registered(client, personas, session, links):
    answer(client, links["Accept"])

    replay = nothing_queued_by(client, links["Decline"])

    assert replay.status_code == 409
    assert "You're registered" in page_text(replay)
    assert status_of(session, personas.mentee) == Status.REGISTERED


def test_after_declining_the_accept_link_only_says_you_declined(client, personas, session, links):
    answer(client, links["Decline"])

    replay = nothing_queued_by(client, links["Accept"])

    assert replay.status_code == 409
    assert "You declined" in page_text(replay)
    assert status_of(session, personas.mentee) == Status.DECLINED


def test_a_link_used_to_join_the_waitlist_then_shows_the_waitlist(client, personas, session, links):
    join(session, member(personas.program))
    join(session, member(personas.program))  # with the host: 3 of 3
    answer(client, links["Accept"])

    again = nothing_queued_by(client, links["Accept"], method="get")

    assert "You're on the waitlist" in page_text(again)
    assert status_of(session, personas.mentee) == Status.WAITLISTED


def test_an_answer_given_for_an_older_state_of_the_row_is_refused(personas, session):
    participant = Participant.objects.get(session=session, user=personas.mentee)
    sent_for = participant.version
    with committed():
        services.invitation_answer(participant_id=participant.pk, action="decline", version=sent_for)

    with committed():
        again = services.invitation_answer(participant_id=participant.pk, action="accept", version=sent_for)

    assert again is None
    assert status_of(session, personas.mentee) == Status.DECLINED


def test_a_link_sent_before_links_named_their_state_answers_once(client, personas, session):
    participant = Participant.objects.get(session=session, user=personas.mentee)
    token = signing.dumps({"p": participant.pk, "a": "accept"}, salt=SALT, compress=True)

    first = answer(client, f"/rsvp/{token}/")
    leave(session, personas.mentee)
    replay = nothing_queued_by(client, f"/rsvp/{token}/")

    assert "You're registered" in page_text(first)
    assert replay.status_code == 409
    assert status_of(session, personas.mentee) == Status.LEFT
