"""Invitations: the host invites while creating; one guest accepts from the email, signed out;
another answers from the in-app notice on their Sessions page; the host sees who answered what."""

import re

import pytest
from playwright.sync_api import Page, expect

from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.notifications.models import Notice
from mentorcircle.programs.models import Membership
from tests.browser.conftest import (
    expect_toast,
    look,
    next_month_day,
    program_member,
    rsvp_box,
    run_worker,
    session_row,
    sign_in,
)
from tests.factories import PASSWORD, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

ACCEPT_LINK = re.compile(r"^Accept: (\S+)$", re.M)


def pick_guest(page: Page, name: str) -> None:
    page.get_by_role("combobox", name="Guests").fill(name.split()[0])
    page.get_by_role("option", name=name).click()
    expect(page.get_by_role("list", name="Picked")).to_contain_text(name)


def test_guest_accepts_from_the_email_and_another_answers_in_the_app(
    page: Page, live_server, mailoutbox, new_context, settings
):
    settings.SITE_URL = live_server.url  # links in emails point at the running server
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    mina = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    nora = program_member(program, Membership.Role.MENTEE, "Nora Newcomer")

    # The host invites two guests while creating the masterclass.
    sign_in(page, live_server, mentor.email, PASSWORD)
    page.get_by_role("link", name="Create a session").click()
    day = next_month_day(12)
    page.get_by_label("Title").fill("Writing a CV that gets read")
    page.get_by_label("Describe the objective of your masterclass").fill("One page, no buzzwords.")
    page.get_by_label("Start time").fill(f"{day:%Y-%m-%d}T17:00")
    pick_guest(page, "Mina Mentee")
    pick_guest(page, "Nora Newcomer")
    look(page, "invitation-01-create-with-guests")
    page.get_by_role("button", name="Create session").click()
    expect_toast(page, "Created!")
    session = GroupSession.objects.get(title="Writing a CV that gets read")
    invited = Participant.objects.filter(session=session, status=Participant.Status.INVITED)
    assert set(invited.values_list("user__full_name", flat=True)) == {"Mina Mentee", "Nora Newcomer"}

    # The worker sends each guest an email and an in-app notice.
    run_worker()
    to_mina = [m for m in mailoutbox if m.to == [mina.email]]
    assert [m.subject for m in to_mina] == ["Theo Mentor invited you: Writing a CV that gets read"]
    assert mentor.email not in to_mina[0].body
    assert nora.email not in to_mina[0].body
    accept_url = ACCEPT_LINK.search(to_mina[0].body).group(1)
    assert accept_url.startswith(f"{live_server.url}/rsvp/")
    assert Notice.objects.filter(user=nora, session=session, kind="invitation").exists()

    # Mina opens the Accept link in a browser where nobody is signed in.
    signed_out = new_context().new_page()
    signed_out.goto(accept_url)
    expect(signed_out.get_by_role("heading", name="Writing a CV that gets read", level=1)).to_be_visible()
    expect(signed_out.get_by_text("Accept the invitation and take a seat?")).to_be_visible()
    expect(signed_out.locator(".usermenu")).not_to_be_attached()
    look(signed_out, "invitation-02-email-link-confirm")
    signed_out.get_by_role("button", name="Accept invitation").click()
    expect(signed_out.get_by_text("You're registered", exact=True)).to_be_visible()
    expect(signed_out.get_by_text("2 of 40 spots taken")).to_be_visible()
    look(signed_out, "invitation-03-email-link-accepted")
    assert Participant.objects.get(session=session, user=mina).status == Participant.Status.REGISTERED

    # Opening the link again changes nothing and says where she stands.
    signed_out.goto(accept_url)
    expect(signed_out.get_by_text("You're registered", exact=True)).to_be_visible()
    expect(signed_out.get_by_role("button", name="Accept invitation")).to_have_count(0)

    # Nora, signed in, finds the invitation on Personal > Sessions, with Accept and Decline.
    nora_page = new_context().new_page()
    sign_in(nora_page, live_server, nora.email, PASSWORD)
    notices = nora_page.get_by_role("region", name="New for you")
    expect(notices).to_contain_text("Theo Mentor invited you to “Writing a CV that gets read”.")
    row = session_row(nora_page, "Writing a CV that gets read")
    expect(row).to_contain_text("Invited")
    expect(row.get_by_role("button", name="Accept")).to_be_visible()
    expect(row.get_by_role("button", name="Decline")).to_be_visible()
    look(nora_page, "invitation-04-invited-sessions-page")
    row.get_by_role("button", name="Decline").click()
    expect_toast(nora_page, "You declined")
    expect(rsvp_box(nora_page)).to_contain_text("You declined the invitation. You can still join.")
    expect(rsvp_box(nora_page).get_by_role("button", name="Join", exact=True)).to_be_visible()
    look(nora_page, "invitation-05-declined-session-page")
    assert Participant.objects.get(session=session, user=nora).status == Participant.Status.DECLINED

    # The host sees who accepted and who declined.
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    participants = page.get_by_role("region", name=re.compile("^Participants"))
    expect(participants.get_by_role("link", name="Mina Mentee")).to_be_visible()
    expect(participants.get_by_role("heading", name="Declined")).to_be_visible()
    expect(participants).to_contain_text("Nora Newcomer")
    look(page, "invitation-06-host-sees-answers")
