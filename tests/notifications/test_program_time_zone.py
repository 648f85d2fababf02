"""A member who has never signed in (no zone of their own yet) reads times in the program's zone,
in emails and on the pages their links open; everyone else in their own."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Program
from tests.helpers import page_text, run_tasks
from tests.notifications.conftest import create, html, invite, member, the_email

pytestmark = pytest.mark.usefixtures("clock")
TITLE = "Negotiating your first salary"
# The sessions start on Monday 8 March 2027 at 09:00 UTC.
IN_TOKYO = "Mon 8 Mar 2027, 18:00 (Asia/Tokyo)"
IN_UTC = "Mon 8 Mar 2027, 09:00 (UTC)"
IN_NEW_YORK = "Mon 8 Mar 2027, 04:00 (America/New_York)"


@pytest.fixture
def tokyo_program(personas) -> Program:
    Program.objects.filter(pk=personas.program.pk).update(time_zone="Asia/Tokyo")
    personas.program.refresh_from_db()
    return personas.program


def invited(program: Program, host: User, *people: User):
    session = create(program, host)
    invite(session, host, *people)
    run_tasks()
    return session


def test_a_member_who_never_signed_in_gets_times_in_the_programs_zone(personas, tokyo_program):
    newcomer = member(tokyo_program, full_name="Nia Newcomer", time_zone="", last_login=None)
    own = member(tokyo_program, full_name="Olga Own", time_zone="America/New_York", last_login=None)
    signed_in = member(tokyo_program, full_name="Sid Signedin", time_zone="", last_login=timezone.now())

    invited(tokyo_program, personas.mentor, newcomer, own, signed_in)

    email = the_email(newcomer, "Theo Mentor invited you")
    assert f"a group session on {IN_TOKYO}" in email.body
    assert f"When: {IN_TOKYO}" in email.body
    assert "Times are shown in Asia/Tokyo." in email.body
    assert IN_TOKYO in html(email)
    assert "(UTC)" not in email.body
    # A zone of one's own wins; someone who signed in without one reads UTC, as their pages show.
    assert f"When: {IN_NEW_YORK}" in the_email(own, "Theo Mentor invited you").body
    assert f"When: {IN_UTC}" in the_email(signed_in, "Theo Mentor invited you").body


def test_the_programs_zone_is_read_when_the_email_is_written(personas, tokyo_program):
    newcomer = member(tokyo_program, full_name="Nia Newcomer", time_zone="", last_login=None)
    Program.objects.filter(pk=tokyo_program.pk).update(time_zone="America/New_York")

    invited(tokyo_program, personas.mentor, newcomer)

    assert f"When: {IN_NEW_YORK}" in the_email(newcomer, "Theo Mentor invited you").body


def test_the_page_the_emails_link_opens_shows_the_same_time_until_the_browser_says_its_zone(
    personas, tokyo_program
):
    newcomer = member(tokyo_program, full_name="Nia Newcomer", time_zone="", last_login=None)
    invited(tokyo_program, personas.mentor, newcomer)
    accept = re.search(r"^Accept: http://testserver(\S+)$", the_email(newcomer, "Theo").body, re.M).group(1)

    without_cookie = Client().get(accept)
    assert without_cookie.status_code == 200
    assert IN_TOKYO in page_text(without_cookie)

    browser = Client()
    browser.cookies["tz"] = "America/New_York"  # once the page's script has told the server
    assert IN_NEW_YORK in page_text(browser.get(accept))
