"""Refused forms, messages and menus in the browser: the error summary takes the focus and leads
to each field (at desktop and phone width), an error message stays until it is closed, and both
menus (under your name, "Session actions") open, move and close from the keyboard."""

import pytest
from playwright.sync_api import Page, expect

from mentorcircle.programs.models import Membership
from tests.browser.conftest import VIEWPORT, look, program_member, sign_in
from tests.factories import PASSWORD, ProgramFactory
from tests.groupsessions.conftest import create_session

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["desktop", "phone"])
def test_a_refused_session_form_brings_the_summary_into_focus_and_leads_to_each_field(
    page: Page, live_server, viewport
):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    manager = program_member(program, Membership.Role.MANAGER, "Maria Manager")
    page.set_viewport_size(viewport)
    sign_in(page, live_server, manager.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/alpha/sessions/new/")

    page.get_by_label("Description").fill("How to prepare, and when to stop.")
    page.get_by_role("group", name="Duration").get_by_label("Minutes").fill("75")
    page.get_by_role("button", name="Create session").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_in_viewport()
    title_link = summary.get_by_role("link", name="Title: This field is required.")
    expect(title_link).to_have_attribute("href", "#id_title")
    expect(summary.get_by_role("link", name="Start time: This field is required.")).to_be_visible()
    minutes_link = summary.get_by_role(
        "link", name="Minutes: Enter the minutes (0 to 59); add an hour for 60 or more."
    )
    expect(minutes_link).to_be_visible()
    look(page, f"refused-01-session-form-summary-{viewport['width']}")
    # What was typed is still there; nothing else was marked.
    expect(page.get_by_label("Description")).to_have_value("How to prepare, and when to stop.")
    expect(page.get_by_label("Description")).not_to_have_attribute("aria-invalid", "true")

    # From the summary, the keyboard reaches the field, which says what is wrong with it.
    page.keyboard.press("Tab")
    expect(title_link).to_be_focused()
    page.keyboard.press("Enter")
    title = page.get_by_label("Title")
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("This field is required.")
    expect(page.locator("label[for=id_title]")).to_be_in_viewport()

    minutes_link.click()
    minutes = page.get_by_role("group", name="Duration").get_by_label("Minutes")
    expect(minutes).to_be_focused()
    expect(minutes).to_have_accessible_description("Enter the minutes (0 to 59); add an hour for 60 or more.")
    expect(page.get_by_role("group", name="Duration")).to_be_in_viewport()
    look(page, f"refused-02-session-form-field-{viewport['width']}")


def test_an_error_message_stays_until_it_is_closed_and_a_confirmation_fades(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    host = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    session = create_session(program, host, title="Portfolio review")
    page.clock.install()
    sign_in(page, live_server, host.email, PASSWORD)
    page.goto(live_server.url + session.get_absolute_url())

    # Nobody picked: refused, said in a message at the bottom left.
    invite = page.get_by_role("region", name="Invite people")
    invite.get_by_role("button", name="Send invitations").click()
    toast = page.get_by_role("status").locator(".toast").filter(has_text="Pick at least one person")
    expect(toast).to_be_visible()
    page.clock.run_for(10_000)
    expect(toast).to_be_visible()
    look(page, "refused-03-error-message-after-10-s")

    toast.get_by_role("button", name="Close message").click()
    expect(toast).to_have_count(0)

    invite.get_by_role("combobox", name="Invite participants").fill("Mina")
    page.get_by_role("option", name="Mina Mentee").click()
    invite.get_by_role("button", name="Send invitations").click()
    done = page.get_by_role("status").locator(".toast").filter(has_text="Invited 1 person.")
    expect(done).to_be_visible()
    expect(done.get_by_role("button")).to_have_count(0)
    page.clock.run_for(10_000)
    expect(done).to_have_count(0)


@pytest.mark.parametrize(
    ("button", "first_item", "second_item"),
    [("Theo Mentor", "Personal", "Profile settings"), ("Session actions", "Edit", "Cancel")],
    ids=["user menu", "session actions"],
)
def test_both_menus_work_the_same_from_the_keyboard(page: Page, live_server, button, first_item, second_item):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    host = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    session = create_session(program, host, title="Portfolio review")
    sign_in(page, live_server, host.email, PASSWORD)
    page.goto(live_server.url + session.get_absolute_url())

    toggle = page.get_by_role("button", name=button)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    panel = page.locator(f"#{toggle.get_attribute('aria-controls')}")
    expect(panel).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    first = panel.get_by_role("link", name=first_item, exact=True)
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(panel.get_by_role("link", name=second_item, exact=True)).to_be_focused()
    look(page, f"refused-04-menu-open-{button.split()[0].lower()}")

    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(first).to_be_hidden()

    # A click elsewhere closes it too.
    toggle.click()
    expect(first).to_be_visible()
    page.get_by_role("heading", name="Portfolio review", level=1).click()
    expect(first).to_be_hidden()
