"""A member who has not given a name: the name part of their email address is shown only to them
and to their program's managers; everyone else reads "A member"."""

import pytest
from django.urls import reverse

from mentorcircle.accounts.models import NAMELESS, User
from mentorcircle.groupsessions.models import Participant
from mentorcircle.programs.models import Membership
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory
from tests.groupsessions.conftest import create_session
from tests.helpers import page_text


@pytest.fixture
def nameless(personas):
    """A mentee of the program who never gave a name, registered for the mentor's session."""
    person = UserFactory(email="zed.quiet@example.org", full_name="")
    MembershipFactory(program=personas.program, user=person, role=Membership.Role.MENTEE)
    return person


@pytest.fixture
def session(personas, nameless):
    session = create_session(personas.program, personas.mentor)
    ParticipantFactory(session=session, user=nameless, status=Participant.Status.REGISTERED)
    return session


def test_the_rule(personas, nameless):
    assert nameless.name_for(personas.mentee) == NAMELESS == "A member"
    assert nameless.name_for(personas.manager, manages=True) == "zed.quiet"
    assert nameless.name_for(nameless) == "zed.quiet"
    assert nameless.name_for(None) == "A member"
    assert nameless.display_name == "A member"
    assert personas.mentee.name_for(None) == "Mina Mentee"


def test_a_program_manager_sees_the_name_part_of_the_address_a_mentee_does_not(
    client, personas, nameless, session
):
    client.force_login(personas.manager)
    on_session = page_text(client.get(session.get_absolute_url()))
    on_members = page_text(client.get(reverse("manage:members", args=["alpha"])))
    on_profile = page_text(client.get(reverse("groupsessions:profile", args=[nameless.pk])))
    suggested = client.get(
        reverse("groupsessions:member_suggest"), {"program": personas.program.pk, "q": "zed"}
    )
    client.force_login(personas.mentee)
    to_a_mentee = page_text(client.get(session.get_absolute_url()))

    assert ">zed.quiet</a>" in on_session
    assert ">zed.quiet</a>" in on_members
    assert "<h1>zed.quiet</h1>" in on_profile
    assert suggested.json()["results"] == [{"id": nameless.pk, "name": "zed.quiet", "email": nameless.email}]
    assert "zed.quiet" not in to_a_mentee


@pytest.mark.parametrize("persona", ["mentee", "mentor"])
def test_everyone_else_reads_a_member(client, personas, nameless, session, persona):
    client.force_login(getattr(personas, persona))

    pages = {
        "session": page_text(client.get(session.get_absolute_url())),
        "profile": page_text(client.get(reverse("groupsessions:profile", args=[nameless.pk]))),
        "sessions list": page_text(client.get(reverse("personal:sessions"))),
    }

    assert ">A member</a>" in pages["session"]
    assert "<h1>A member</h1>" in pages["profile"]
    if persona == "mentor":  # the host's list shows who registered
        assert ">A member</a>" in pages["sessions list"]
    for where, text in pages.items():
        assert "zed.quiet" not in text, where


def test_the_manager_of_another_program_is_not_a_manager_here(client, personas, nameless):
    MembershipFactory(program=personas.program, user=personas.other_manager, role=Membership.Role.MENTEE)
    client.force_login(personas.other_manager)

    text = page_text(client.get(reverse("groupsessions:profile", args=[nameless.pk])))

    assert "<h1>A member</h1>" in text
    assert "zed.quiet" not in text


def test_a_nameless_person_sees_their_own_name_part_and_others_do_not(client, personas, nameless, session):
    client.force_login(nameless)
    own = page_text(client.get(session.get_absolute_url()))
    client.force_login(personas.mentee)
    theirs = page_text(client.get(session.get_absolute_url()))

    assert '<span class="usermenu-name">zed.quiet</span>' in own
    assert ">zed.quiet</a>" in own  # in the participants, too
    assert ">A member</a>" in theirs


@pytest.mark.parametrize(("viewer", "shown"), [("mentor", "A member"), ("manager", "quiet")])
def test_naming_many_nameless_people_costs_the_same_queries(client, personas, viewer, shown):
    """The rule reads the viewer's managed programs once per page, not once per name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import GroupSessionFactory

    session = GroupSessionFactory(program=personas.program, host=personas.mentor, max_participants=1000)
    client.force_login(getattr(personas, viewer))

    def grow_to(total: int) -> None:
        start = Participant.objects.filter(session=session).count() - 1
        users = User.objects.bulk_create(
            User(email=f"quiet{n}@example.org", full_name="", password="!") for n in range(start, total)
        )
        Membership.objects.bulk_create(Membership(program=personas.program, user=u) for u in users)
        Participant.objects.bulk_create(
            Participant(session=session, user=u, status=Participant.Status.REGISTERED) for u in users
        )

    def cost(total: int) -> int:
        grow_to(total)
        client.get(session.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            text = page_text(client.get(session.get_absolute_url()))
        assert text.count(f">{shown}") == total
        return len(captured)

    assert cost(5) == cost(200)
