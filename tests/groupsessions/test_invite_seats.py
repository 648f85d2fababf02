"""Inviting more people than there are seats left: the invite box warns before sending (the
page's script asks the server as the selection changes) and the page says so after sending."""

import re

import pytest
from django.urls import reverse

from mentorcircle.groupsessions.models import Participant
from tests.factories import CohortFactory, ParticipantFactory
from tests.groupsessions.conftest import add_members, create_session
from tests.helpers import page_text, toasts

WARNING = "7 seats left, 40 people selected. Seats go to whoever accepts first; the rest join the waitlist."


@pytest.fixture
def session(personas):
    """The mentor's session for 8 (7 seats left), in a program of 40 people besides its host and
    its manager."""
    add_members(personas.program, 39)
    return create_session(personas.program, personas.mentor, max_participants=8)


def check(client, session, **selection):
    response = client.get(reverse("groupsessions:invite_check", args=[session.pk]), selection)
    assert response.status_code == 200
    return response.json()


def test_selecting_the_whole_program_warns_that_seats_go_first_come(client, personas, session):
    client.force_login(personas.manager)

    assert check(client, session, invite_everyone="on") == {
        "selected": 40,
        "spots_left": 7,
        "warning": WARNING,
    }


def test_a_selection_that_fits_gives_no_warning(client, personas, session):
    client.force_login(personas.mentor)
    people = list(personas.program.memberships.filter(role="mentee").values_list("user", flat=True))

    assert check(client, session, invitees=people[:7])["warning"] == ""
    assert check(client, session, invitees=people[:8])["warning"] == (
        "7 seats left, 8 people selected. Seats go to whoever accepts first; the rest join the waitlist."
    )
    assert check(client, session)["selected"] == 0


def test_people_already_invited_or_registered_are_not_counted(client, personas, session):
    mentees = [m.user for m in personas.program.memberships.filter(role="mentee").select_related("user")]
    for person in mentees[:3]:
        ParticipantFactory(session=session, user=person, status=Participant.Status.REGISTERED)
    for person in mentees[3:10]:
        ParticipantFactory(session=session, user=person, status=Participant.Status.INVITED)
    client.force_login(personas.manager)

    assert check(client, session, invite_everyone="on") == {
        "selected": 30,
        "spots_left": 4,
        "warning": "4 seats left, 30 people selected. Seats go to whoever accepts first; "
        "the rest join the waitlist.",
    }


def test_a_cohort_and_its_overlap_with_picked_people_count_once(client, personas, session):
    mentees = [m.user for m in personas.program.memberships.filter(role="mentee").select_related("user")]
    cohort = CohortFactory(program=personas.program)
    for person in mentees[:9]:
        person.memberships.get(program=personas.program).cohorts.add(cohort)
    client.force_login(personas.manager)

    result = check(client, session, invite_cohorts=[cohort.pk], invitees=[mentees[0].pk, mentees[20].pk])

    assert result["selected"] == 10
    assert result["warning"].startswith("7 seats left, 10 people selected.")


def test_a_full_session_says_everyone_who_accepts_waits(client, personas):
    session = create_session(personas.program, personas.mentor, max_participants=2)
    ParticipantFactory(session=session, status=Participant.Status.REGISTERED)
    client.force_login(personas.mentor)

    assert check(client, session, invitees=[personas.mentee.pk])["warning"] == (
        "No seats left, 1 person selected. Everyone who accepts joins the waitlist, in the order they accept."
    )


def test_the_session_page_shows_the_seats_left_and_the_place_for_the_warning(client, personas, session):
    client.force_login(personas.manager)

    text = page_text(client.get(session.get_absolute_url()))

    assert "7 seats left. An invitation holds no seat: seats go to whoever accepts first." in text
    check_url = reverse("groupsessions:invite_check", args=[session.pk])
    assert re.search(rf'data-invite-seats="{re.escape(check_url)}" aria-live="polite"', text)
    assert '<script src="/static/js/invite_seats.js" defer></script>' in text


def test_sending_more_invitations_than_seats_says_so_after_sending(client, personas, session):
    client.force_login(personas.manager)
    invite = reverse("groupsessions:invite", args=[session.pk])

    few = client.post(invite, {"invitees": [personas.mentee.pk]}, follow=True)
    many = client.post(invite, {"invite_everyone": "on"}, follow=True)

    assert toasts(few) == ["Invited 1 person."]
    assert toasts(many) == [
        "Invited 39 people.",
        "7 seats left, 39 people invited. Seats go to whoever accepts first; the rest join the waitlist.",
    ]
    assert session.participants.filter(status=Participant.Status.INVITED).count() == 40


def test_only_program_managers_count_whole_groups(client, personas, session):
    client.force_login(personas.mentor)  # the host, but not a manager: groups are not theirs to invite

    assert check(client, session, invite_everyone="on")["selected"] == 0
