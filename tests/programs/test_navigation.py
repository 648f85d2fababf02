"""The header's dashboards and the sidebar's programs: one query, and only for pages that show them."""

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorcircle.conversations import services
from mentorcircle.navigation import navigation
from mentorcircle.programs.models import Membership
from tests.factories import MembershipFactory, ProgramFactory


def test_the_header_lists_the_programs_one_manages_and_the_sidebar_all_of_them(client, personas):
    MembershipFactory(program=personas.other_program, user=personas.manager, role=Membership.Role.MENTEE)
    ProgramFactory(name="Gamma Circle", slug="gamma")  # not theirs
    client.force_login(personas.manager)

    page = client.get(reverse("personal:sessions")).content.decode()

    header = page[page.index('id="usermenu-panel"') : page.index("</nav>")]
    sidebar = page[page.index('aria-label="Your programs"') :]
    sidebar = sidebar[: sidebar.index("</nav>")]
    assert re.findall(r"Manager<span class=\"muted\"> · ([^<]+)</span>", header) == ["Alpha Mentoring"]
    assert re.findall(r">([^<>]+)</a>", sidebar) == ["Alpha Mentoring", "Beta Program"]


def test_the_navigation_reads_the_persons_programs_in_one_query_when_used(personas):
    MembershipFactory(program=personas.other_program, user=personas.manager, role=Membership.Role.MENTEE)
    request = RequestFactory().get("/")
    request.user = personas.manager

    with CaptureQueriesContext(connection) as building:
        context = navigation(request)
    with CaptureQueriesContext(connection) as reading:
        managed = [program.name for program in context["nav_managed_programs"]]
        programs = [program.name for program in context["nav_programs"]]
        again = [program.name for program in context["nav_programs"]]
        unread = int(str(context["unread_conversations"]))

    assert len(building) == 0  # a page that shows none of it pays nothing
    assert len(reading) == 1  # the programs and the unread count together
    assert managed == ["Alpha Mentoring"]
    assert programs == again == ["Alpha Mentoring", "Beta Program"]
    assert unread == 0


@pytest.mark.django_db
def test_someone_in_no_program_has_an_empty_navigation(django_user_model):
    request = RequestFactory().get("/")
    request.user = django_user_model.objects.create_user(email="new@example.org")

    context = navigation(request)

    assert not context["nav_programs"]
    assert list(context["nav_managed_programs"]) == []
    assert not context["unread_conversations"]


def test_the_unread_count_rides_on_the_programs_query(client, personas):
    """Every signed-in page shows the header's menu and the Messages link: one query for both."""
    services.conversation_start(
        program=personas.program, creator=personas.mentor, people=[personas.mentee], body="Hi"
    )
    client.force_login(personas.mentee)
    client.get(reverse("accounts:settings"))

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("accounts:settings")).content.decode()

    (unread_count,) = [q["sql"] for q in captured if "conversations_conversation" in q["sql"]]
    assert "programs_program" in unread_count  # the header's programs, read in the same query
    assert 'aria-label="Messages, 1 unread"' in page


def test_each_person_reads_their_own_programs_and_unread_count_from_the_shared_query(personas):
    """The navigation's SQL is built once per process; each person's id goes into it."""
    MembershipFactory(program=personas.other_program, user=personas.mentor, role=Membership.Role.MANAGER)
    services.conversation_start(
        program=personas.program, creator=personas.manager, people=[personas.mentee], body="Hello"
    )
    services.conversation_start(
        program=personas.program, creator=personas.mentor, people=[personas.mentee], body="Hi there"
    )

    def read(user):
        request = RequestFactory().get("/")
        request.user = user
        context = navigation(request)
        return (
            [program.name for program in context["nav_programs"]],
            [program.slug for program in context["nav_managed_programs"]],
            int(str(context["unread_conversations"])),
        )

    assert read(personas.mentee) == (["Alpha Mentoring"], [], 2)
    assert read(personas.mentor) == (["Alpha Mentoring", "Beta Program"], ["beta"], 0)
    assert read(personas.manager) == (["Alpha Mentoring"], ["alpha"], 0)
    assert read(personas.mentee) == (["Alpha Mentoring"], [], 2)
