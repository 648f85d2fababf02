"""A mentor chooses how they hear of registrations to their sessions on the Notifications page:
each one, an hourly digest (the default) or none. On a laptop and a phone."""

import pytest
from playwright.sync_api import Page, expect

from mentorcircle.notifications.models import Preferences, preferences_for
from mentorcircle.programs.models import Membership
from tests.browser.conftest import axe_check, program_member, screenshot, sign_in
from tests.factories import PASSWORD, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_mentor_chooses_to_hear_of_each_registration(live_server, browser, browser_context_args, viewport):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    name = "desktop" if viewport == DESKTOP else "phone"
    context = browser.new_context(**{**browser_context_args, "viewport": viewport})
    try:
        journey(context.new_page(), live_server, email=mentor.email, name=name, phone=viewport == PHONE)
    finally:
        context.close()
    assert preferences_for(mentor).registration_emails == Preferences.RegistrationEmails.EACH


def journey(page: Page, live_server, *, email: str, name: str, phone: bool) -> None:
    sign_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server.url}/me/notifications/")
    choice = page.get_by_role("group", name="Registrations to my sessions")
    expect(choice.get_by_role("radio")).to_have_count(3)
    expect(choice.get_by_role("radio", name="Hourly digest")).to_be_checked()  # the default
    expect(page.get_by_text("at most one email an hour per session")).to_be_visible()
    screenshot(page, f"registration-emails-{name}-1-default")
    axe_check(page)
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"

    choice.get_by_role("radio", name="Each one").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Saved!")).to_be_visible()
    choice = page.get_by_role("group", name="Registrations to my sessions")
    expect(choice.get_by_role("radio", name="Each one")).to_be_checked()
    expect(choice.get_by_role("radio", name="Hourly digest")).not_to_be_checked()
    screenshot(page, f"registration-emails-{name}-2-each-one")
