"""Shared fixtures: a program with one person of each role, plus an outsider and another program."""

import os
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Membership, Program
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Iterator[None]:  # noqa: ARG001 (pytest-django's, wrapped)
    """The test databases, and every connection the test thread opened to them closed before
    they are dropped.

    While Playwright's event loop runs in the test thread (browser tests), Django keeps that
    thread's connections per context (asgiref's Local) instead of per thread; once Playwright
    has stopped, the connections opened meanwhile are out of Django's sight, and dropping the
    test database would find one still open ("database ... is being accessed by other users").
    """
    opened: weakref.WeakSet[BaseDatabaseWrapper] = weakref.WeakSet()

    def remember(connection: BaseDatabaseWrapper, **_kwargs: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            opened.add(connection)

    connection_created.connect(remember, weak=False, dispatch_uid="tests-connections-opened")
    yield
    connection_created.disconnect(dispatch_uid="tests-connections-opened")
    for connection in list(opened):
        connection.close()


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
