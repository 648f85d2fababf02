"""Helpers shared by the group-session tests: a fixed clock and sessions made through the services."""

import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession
from mentorcircle.programs.models import Membership, Program
from tests.factories import MembershipFactory, UserFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A Monday morning well before the sessions below; services get it as `now=`.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STARTS = NOW + timedelta(days=7)

DEFAULT_DETAILS = services.SessionDetails(
    title="Negotiating your first salary",
    description="We practise **real** offers.",
    starts_at=STARTS,
    duration=timedelta(hours=1),
    min_participants=1,
    max_participants=40,
)


def details(**changes) -> services.SessionDetails:
    return replace(DEFAULT_DETAILS, **changes)


def create_session(program: Program, host: User, *, now: datetime = NOW, **changes) -> GroupSession:
    return services.session_create(program=program, host=host, details=details(**changes), now=now)


def add_members(program: Program, count: int, role: str = Membership.Role.MENTEE) -> list[User]:
    return [MembershipFactory(program=program, role=role, user=UserFactory()).user for _ in range(count)]


@pytest.fixture
def session(personas) -> GroupSession:
    """A session hosted by the mentor, a week after NOW, 40 seats, minimum 1."""
    return create_session(personas.program, personas.mentor)
