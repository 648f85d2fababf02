"""Invitations: the email and the in-app notice, answering from the email's links without signing
in, links that are broken, expired or tampered with, and a program manager inviting whole groups."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.tokens import SALT, rsvp_token
from mentorcircle.notifications.models import Notice
from mentorcircle.programs.models import Membership
from tests.factories import CohortFactory, TagFactory
from tests.helpers import page_text, run_tasks, toasts
from tests.notifications.conftest import (
    NOW,
    PARIS,
    STARTS,
    attendees,
    calendar,
    cancel,
    committed,
    create,
    decline,
    html,
    inbox,
    invite,
    join,
    member,
    subjects,
    the_email,
    the_event,
)

pytestmark = pytest.mark.usefixtures("clock")
Status = Participant.Status
TITLE = "Negotiating your first salary"
BROKEN = "This link no longer works"


def status_of(session: GroupSession, user) -> str | None:
    row = Participant.objects.filter(session=session, user=user).first()
    return row.status if row else None


def links_in(message) -> dict[str, str]:
    """The Accept and Decline links of an invitation email, as paths on this site."""
    found = dict(re.findall(r"^(Accept|Decline): (\S+)$", message.body, re.M))
    return {label: urlsplit(url).path for label, url in found.items()}


@pytest.fixture
def session(personas) -> GroupSession:
    """The mentor's session for 3 (host included); Mina is invited and has her email."""
    session = create(personas.program, personas.mentor, max_participants=3)
    invite(session, personas.mentor, personas.mentee)
    run_tasks()
    return session


@pytest.fixture
def links(personas, session) -> dict[str, str]:
    return links_in(the_email(personas.mentee, f"Theo Mentor invited you: {session.title}"))


# ---- The invitation ----------------------------------------------------------------------------


@pytest.mark.usefixtures("session")
def test_an_invitee_gets_an_email_with_accept_and_decline_links(personas, links):
    message = the_email(personas.mentee, "Theo Mentor invited you")
    assert message.subject == f"Theo Mentor invited you: {TITLE}"
    # The host invited: named once; when and for how long, without brackets in brackets.
    assert (
        "Theo Mentor invited you to “Negotiating your first salary”, a group session on "
        "Mon 8 Mar 2027, 09:00 (Europe/London) for 1 hour."
    ) in message.body
    assert set(links) == {"Accept", "Decline"}
    assert links["Accept"] != links["Decline"]
    for path in links.values():
        assert f'href="http://testserver{path}"' in html(message)
    # The invitation holds no seat: no calendar entry yet.
    assert message.attachments == []


def test_an_invitee_sees_the_invitation_on_their_personal_sessions_page(client, personas, session):
    client.force_login(personas.mentee)
    text = page_text(client.get(reverse("personal:sessions")))

    assert "New for you" in text
    assert "Theo Mentor invited you to “Negotiating your first salary”." in text
    assert TITLE in text
    assert "Invited" in text
    assert Notice.objects.filter(user=personas.mentee, kind="invitation", session=session).count() == 1


@pytest.mark.parametrize(
    ("label", "question"),
    [("Accept", "Accept the invitation and take a seat?"), ("Decline", "Decline the invitation?")],
)
def test_opening_a_link_asks_first_and_changes_nothing(client, personas, session, links, label, question):
    tasks_before = DBTaskResult.objects.count()

    response = client.get(links[label])  # not signed in, as a mail scanner or a click would be

    assert response.status_code == 200
    assert question in page_text(response)
    assert TITLE in page_text(response)
    assert status_of(session, personas.mentee) == Status.INVITED
    assert DBTaskResult.objects.count() == tasks_before


def test_accepting_from_the_email_registers_without_signing_in(client, personas, session, links):
    with committed():
        response = client.post(links["Accept"])

    assert response.status_code == 200
    assert "You're registered" in page_text(response)
    assert status_of(session, personas.mentee) == Status.REGISTERED
    run_tasks()
    confirmation = the_email(personas.mentee, "You're registered")
    assert attendees(the_event(calendar(confirmation))) == [personas.mentee.email]
    assert the_email(personas.mentor, "Mina Mentee registered")


def test_accepting_twice_keeps_one_seat_and_one_confirmation(client, personas, session, links):
    with committed():
        client.post(links["Accept"])
        again = client.post(links["Accept"])

    assert "You're registered" in page_text(again)
    run_tasks()
    assert Participant.objects.filter(session=session, user=personas.mentee).count() == 1
    assert subjects(personas.mentee).count(f"You're registered: {TITLE}") == 1


def test_accepting_a_full_session_puts_you_on_the_waitlist_and_says_so(client, personas, session, links):
    join(session, member(personas.program))
    join(session, member(personas.program))  # with the host: 3 of 3

    with committed():
        response = client.post(links["Accept"])

    assert "The session is full: you're on the waitlist" in page_text(response)
    assert status_of(session, personas.mentee) == Status.WAITLISTED
    run_tasks()
    assert the_email(personas.mentee, "You're on the waitlist")


def test_declining_from_the_email_is_recorded_and_the_host_is_told(client, personas, session, links):
    with committed():
        response = client.post(links["Decline"])

    assert "You declined" in page_text(response)
    assert status_of(session, personas.mentee) == Status.DECLINED
    run_tasks()
    assert the_email(personas.mentor, "Mina Mentee declined").subject == f"Mina Mentee declined: {TITLE}"
    client.force_login(personas.mentor)
    page = page_text(client.get(session.get_absolute_url()))
    assert re.search(r"<h3>Declined</h3>\s*<ul[^>]*>\s*<li>Mina Mentee</li>", page)


def test_an_accept_link_only_ever_accepts(client, personas, session, links):
    with committed():
        response = client.post(links["Accept"], {"action": "decline"})

    assert "You're registered" in page_text(response)
    assert status_of(session, personas.mentee) == Status.REGISTERED


def tampered(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


@pytest.mark.parametrize(
    "make_link",
    [
        pytest.param(lambda _participant, _token: "/rsvp/not-a-token/", id="garbage"),
        pytest.param(lambda _participant, token: f"/rsvp/{tampered(token)}/", id="tampered-signature"),
        pytest.param(
            lambda participant, _token: f"/rsvp/{signing.dumps({'p': participant.pk, 'a': 'decline'})}/",
            id="signed-for-another-purpose",
        ),
        pytest.param(
            lambda participant, _token: (
                f"/rsvp/{signing.dumps({'p': participant.pk, 'a': 'leave'}, salt=SALT)}/"
            ),
            id="unknown-answer",
        ),
        pytest.param(
            lambda participant, _token: (
                f"/rsvp/{rsvp_token(participant_id=participant.pk + 999, version='', action='accept')}/"
            ),
            id="no-such-invitation",
        ),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_broken_link_shows_a_clear_page_and_changes_nothing(
    client, personas, session, links, make_link, method
):
    participant = Participant.objects.get(session=session, user=personas.mentee)
    token = links["Accept"].split("/")[-2]
    tasks_before = DBTaskResult.objects.count()

    with committed():
        response = getattr(client, method)(make_link(participant, token))

    assert response.status_code == 404
    assert BROKEN in page_text(response)
    assert status_of(session, personas.mentee) == Status.INVITED
    assert DBTaskResult.objects.count() == tasks_before


def test_a_link_works_for_30_days_then_expires(client, personas, clock):
    session = create(personas.program, personas.mentor, starts_at=NOW + timedelta(days=60))
    invite(session, personas.mentor, personas.mentee)
    run_tasks()
    links = links_in(the_email(personas.mentee, "Theo Mentor invited you"))

    clock.move_to(NOW + timedelta(days=29, hours=23))
    assert client.get(links["Accept"]).status_code == 200

    clock.move_to(NOW + timedelta(days=30, minutes=1))
    with committed():
        response = client.post(links["Accept"])
    assert response.status_code == 404
    assert BROKEN in page_text(response)
    assert "links last 30 days" in page_text(response)
    assert status_of(session, personas.mentee) == Status.INVITED


def test_inviting_never_makes_a_session_exclusive(client, personas, session):
    client.force_login(personas.manager)  # a member nobody invited

    page = page_text(client.get(session.get_absolute_url()))
    assert ">Join</button>" in page
    with committed():
        client.post(reverse("groupsessions:join", args=[session.pk]))

    assert status_of(session, personas.manager) == Status.REGISTERED


# ---- Inviting whole groups ---------------------------------------------------------------------


@pytest.fixture
def groups(personas):
    """A cohort and a tag in the program. The manager is in the cohort; the mentor has the tag."""
    program = personas.program
    cohort = CohortFactory(program=program, name="Spring 2027")
    tag = TagFactory(program=program, name="Finance")
    in_cohort = [member(program, full_name=f"Cohort {i}") for i in range(2)]
    tagged = [member(program, full_name=f"Tagged {i}") for i in range(2)]
    loner = member(program, full_name="No Group")
    for person in [*in_cohort, personas.manager]:
        Membership.objects.get(program=program, user=person).cohorts.add(cohort)
    for person in [*tagged, personas.mentor, personas.mentee]:
        Membership.objects.get(program=program, user=person).tags.add(tag)
    return {"cohort": cohort, "tag": tag, "in_cohort": in_cohort, "tagged": tagged, "loner": loner}


def form_data(program, **changes) -> dict:
    data = {
        "program": str(program.pk),
        "title": TITLE,
        "description": "We practise real offers.",
        "starts_at": STARTS.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "Europe/Paris",
        "duration_hours": "1",
        "duration_minutes": "0",
        "min_participants": "",
        "max_participants": "",
    }
    data.update(changes)
    return data


def invited_people(session: GroupSession) -> set:
    return {
        p.user
        for p in Participant.objects.filter(session=session, status=Status.INVITED).select_related("user")
    }


@pytest.mark.parametrize("field", ["invite_cohorts", "invite_tags", "invite_everyone"])
def test_a_program_manager_invites_a_whole_group_from_the_create_form(client, personas, groups, field):
    value = {
        "invite_cohorts": [groups["cohort"].pk],
        "invite_tags": [groups["tag"].pk],
        "invite_everyone": "on",
    }[field]
    expected = {
        "invite_cohorts": set(groups["in_cohort"]),
        "invite_tags": {*groups["tagged"], personas.mentor, personas.mentee},
        "invite_everyone": {
            *groups["in_cohort"],
            *groups["tagged"],
            groups["loner"],
            personas.mentor,
            personas.mentee,
        },
    }[field]
    client.force_login(personas.manager)

    with committed():
        response = client.post(
            reverse("manage:session_create", args=[personas.program.slug]),
            form_data(personas.program, **{field: value}),
        )

    assert response.status_code == 302
    session = GroupSession.objects.get(host=personas.manager)
    assert invited_people(session) == expected  # the host (in the cohort) is never invited
    run_tasks()
    for person in expected:
        assert subjects(person) == [f"Maria Manager invited you: {TITLE}"]
    assert inbox(personas.manager) == []
    assert inbox(personas.other_manager) == []


def test_a_program_manager_invites_from_the_session_page_and_no_one_twice(client, personas, groups):
    session = create(personas.program, personas.mentor)  # the mentor is tagged and hosts
    join(session, personas.mentee)  # tagged too, and already registered
    client.force_login(personas.manager)
    url = reverse("groupsessions:invite", args=[session.pk])

    with committed():
        first = client.post(url, {"invite_tags": [groups["tag"].pk]}, follow=True)
    assert invited_people(session) == set(groups["tagged"])
    assert "Invited 2 people." in toasts(first)

    with committed():
        second = client.post(url, {"invite_everyone": "on", "invite_tags": [groups["tag"].pk]}, follow=True)
    assert invited_people(session) == {*groups["tagged"], *groups["in_cohort"], groups["loner"]}
    assert "Invited 3 people." in toasts(second)

    with committed():
        third = client.post(url, {"invite_everyone": "on"}, follow=True)
    assert "Everyone you picked was already invited or registered." in toasts(third)

    run_tasks()
    for person in [*groups["tagged"], *groups["in_cohort"], groups["loner"]]:
        assert subjects(person) == [f"Maria Manager invited you: {TITLE}"]
    # Someone other than the host invited: the email names the host too.
    assert (
        "for 1 hour, hosted by Theo Mentor." in the_email(groups["loner"], "Maria Manager invited you").body
    )
    assert status_of(session, personas.mentee) == Status.REGISTERED
    assert not [s for s in subjects(personas.mentee) if "invited you" in s]
    assert not [s for s in subjects(personas.mentor) if "invited you" in s]
    assert status_of(session, personas.manager) is None  # the one who invites is not invited


def test_a_program_manager_invites_a_cohort_from_the_edit_form(client, personas, groups):
    session = create(personas.program, personas.mentor)
    client.force_login(personas.manager)
    data = form_data(personas.program, invite_cohorts=[groups["cohort"].pk], max_participants="40")
    data["min_participants"] = "1"

    with committed():
        response = client.post(reverse("groupsessions:edit", args=[session.pk]), data)

    assert response.status_code == 302
    # The manager edits, so the manager is the one inviting, and is not invited.
    assert invited_people(session) == set(groups["in_cohort"])


def test_a_mentor_cannot_invite_whole_groups(client, personas, groups):
    session = create(personas.program, personas.mentor)
    client.force_login(personas.mentor)
    rows_before, tasks_before = Participant.objects.count(), DBTaskResult.objects.count()

    with committed():
        response = client.post(
            reverse("groupsessions:invite", args=[session.pk]),
            {"invite_everyone": "on", "invite_cohorts": [groups["cohort"].pk]},
            follow=True,
        )

    assert "Pick at least one person to invite." in toasts(response)
    with pytest.raises(services.SessionError, match="Only program managers"), committed():
        services.session_invite(
            session=session,
            actor=personas.mentor,
            invitees=services.Invitees(everyone=True, tags=(groups["tag"],)),
        )
    assert (Participant.objects.count(), DBTaskResult.objects.count()) == (rows_before, tasks_before)


@pytest.mark.usefixtures("groups")
def test_a_mentor_creating_a_session_cannot_invite_the_whole_program(client, personas):
    client.force_login(personas.mentor)

    with committed():
        client.post(reverse("personal:session_create"), form_data(personas.program, invite_everyone="on"))

    session = GroupSession.objects.get(host=personas.mentor)
    assert invited_people(session) == set()


def test_declining_after_accepting_takes_the_event_out_of_their_calendar(personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks()
    decline(session, personas.mentee)
    run_tasks()

    left = the_email(personas.mentee, "You left")
    assert calendar(left)["METHOD"] == "CANCEL"
    assert f"Mina Mentee declined: {session.title}" in subjects(personas.mentor)


def test_declining_a_cancelled_session_bothers_nobody(personas):
    session = create(personas.program, personas.mentor)
    invite(session, personas.mentor, personas.mentee)
    cancel(session, personas.mentor)
    run_tasks()
    host_mail = subjects(personas.mentor)

    decline(session, personas.mentee)
    run_tasks()

    assert subjects(personas.mentor) == host_mail


def test_the_invitation_notice_goes_away_when_the_session_is_cancelled(client, personas):
    session = create(personas.program, personas.mentor)
    invite(session, personas.mentor, personas.mentee)
    run_tasks()
    client.force_login(personas.mentee)
    assert "Theo Mentor invited you" in page_text(client.get(reverse("personal:sessions")))

    cancel(session, personas.mentor)

    assert "Theo Mentor invited you" not in page_text(client.get(reverse("personal:sessions")))
