"""Shared fixtures: a program with one person of each role, plus an outsider and another program."""

import os
from dataclasses import dataclass

import pytest

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Membership, Program
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_hashing_and_site(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "http://testserver"


@dataclass
class Personas:
    program: Program
    manager: User
    mentor: User
    mentee: User
    outsider: User
    other_program: Program
    other_manager: User


@pytest.fixture
def personas(db) -> Personas:  # noqa: ARG001 (requested for its effect: database access)
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    other = ProgramFactory(name="Beta Program", slug="beta")

    def member(role: str, program: Program, **kwargs) -> User:
        return MembershipFactory(program=program, role=role, user=UserFactory(**kwargs)).user

    return Personas(
        program=program,
        manager=member(Membership.Role.MANAGER, program, full_name="Maria Manager"),
        mentor=member(Membership.Role.MENTOR, program, full_name="Theo Mentor"),
        mentee=member(Membership.Role.MENTEE, program, full_name="Mina Mentee"),
        outsider=UserFactory(full_name="Olaf Outsider"),
        other_program=other,
        other_manager=member(Membership.Role.MANAGER, other, full_name="Bea Beta-Manager"),
    )
