"""`manage.py decide_sessions`: holds or cancels what is due, and is safe to run again."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from mentorcircle.groupsessions.models import GroupSession, Participant
from tests.factories import GroupSessionFactory, ParticipantFactory

pytestmark = pytest.mark.usefixtures("due_and_not_due")


def decide() -> str:
    out = StringIO()
    call_command("decide_sessions", stdout=out)
    return out.getvalue().strip()


def snapshot() -> dict[str, tuple]:
    return {
        s.title: (s.status, s.cancel_reason, s.version, s.updated_at)
        for s in GroupSession.objects.order_by("title")
    }


@pytest.fixture
def due_and_not_due(personas):
    """Three sessions whose decision time has passed and one still ahead of it."""
    starts = timezone.now() + timedelta(hours=10)  # decision point (24 h before) already passed
    short = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        title="Short of people",
        starts_at=starts,
        min_participants=3,
    )
    ParticipantFactory(session=short, user=personas.mentee)
    enough = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        title="Enough people",
        starts_at=starts,
        min_participants=2,
    )
    ParticipantFactory(session=enough, user=personas.mentee)
    GroupSessionFactory(program=personas.program, host=personas.manager, title="Host alone", starts_at=starts)
    GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        title="Next month",
        starts_at=timezone.now() + timedelta(days=30),
        min_participants=5,
    )


def test_the_command_holds_or_cancels_every_session_that_is_due():
    output = decide()

    assert output == "Confirmed 2, cancelled 1 (not enough participants)."
    statuses = {title: state[:2] for title, state in snapshot().items()}
    assert statuses == {
        "Enough people": ("confirmed", ""),
        "Host alone": ("confirmed", ""),
        "Next month": ("scheduled", ""),
        "Short of people": ("cancelled", "Not enough participants"),
    }


def test_running_the_command_again_changes_nothing():
    decide()
    after_first = snapshot()

    output = decide()

    assert output == "Confirmed 0, cancelled 0 (not enough participants)."
    assert snapshot() == after_first
    assert Participant.objects.filter(status=Participant.Status.REGISTERED).count() == 2


def test_the_command_decides_a_session_once_its_time_comes():
    decide()

    with time_machine.travel(timezone.now() + timedelta(days=29, hours=1)):
        output = decide()

    assert output == "Confirmed 0, cancelled 1 (not enough participants)."
    assert snapshot()["Next month"][:2] == ("cancelled", "Not enough participants")
