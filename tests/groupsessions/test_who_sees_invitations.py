"""Who was invited, who declined and who waits: the host and program managers see it, other
members do not."""

import pytest
from django.urls import reverse

from mentorcircle.groupsessions.models import Participant
from tests.factories import GroupSessionFactory, MembershipFactory, ParticipantFactory, UserFactory

Status = Participant.Status


@pytest.fixture
def session_with_answers(personas):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor)
    for status, name in [(Status.INVITED, "Ivy Invited"), (Status.DECLINED, "Dan Declined")]:
        person = MembershipFactory(program=personas.program, user=UserFactory(full_name=name)).user
        ParticipantFactory(session=session, user=person, status=status)
    waiting = MembershipFactory(program=personas.program, user=UserFactory(full_name="Wes Waiting")).user
    ParticipantFactory(session=session, user=waiting, status=Status.WAITLISTED)
    return session


@pytest.mark.parametrize(("persona", "sees"), [("mentor", True), ("manager", True), ("mentee", False)])
def test_only_the_host_and_managers_see_who_was_invited_declined_or_waits(
    client, personas, session_with_answers, persona, sees
):
    client.force_login(getattr(personas, persona))
    pages = [
        client.get(session_with_answers.get_absolute_url()).content.decode(),
        client.get(reverse("groupsessions:program", args=["alpha"])).content.decode(),
        client.get(reverse("groupsessions:profile", args=[personas.mentor.pk])).content.decode(),
    ]

    for name in ("Ivy Invited", "Dan Declined", "Wes Waiting"):
        assert any(name in page for page in pages) is sees, name
