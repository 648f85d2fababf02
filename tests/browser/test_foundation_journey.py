"""A program manager turns on group sessions for their program, then looks at their own profile."""

import pytest
from playwright.sync_api import Locator, Page, expect

from mentorcircle.programs.models import Membership
from tests.browser.conftest import TIME_ZONE, VIEWPORT, axe_check, goto_sign_in, screenshot, sign_in
from tests.factories import PASSWORD, MembershipFactory, ProgramFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def open_user_menu(page: Page, name: str) -> Locator:
    """Open the menu under the person's name in the header and return it."""
    page.get_by_role("banner").get_by_text(name, exact=True).click()
    menu = page.get_by_role("navigation", name="Switch dashboard")
    expect(menu).to_be_visible()
    return menu


def test_manager_allows_group_sessions_then_views_own_profile(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha", allow_group_sessions=False)
    manager = UserFactory(full_name="Maria Manager", email="maria@example.org", time_zone="")
    MembershipFactory(program=program, user=manager, role=Membership.Role.MANAGER)
    MembershipFactory(program=program, user=UserFactory(full_name="Theo Mentor"), role=Membership.Role.MENTOR)

    goto_sign_in(page, live_server)
    axe_check(page)
    screenshot(page, "foundation-01-sign-in")

    sign_in(page, live_server, manager.email, PASSWORD)
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    manager.refresh_from_db()
    assert manager.time_zone == TIME_ZONE, "a person without a time zone gets the browser's"

    # Personal -> Manager dashboard of the program, which opens on its members.
    menu = open_user_menu(page, "Maria Manager")
    axe_check(page)
    screenshot(page, "foundation-02-user-menu-open")
    menu.get_by_role("link", name="Manager · Alpha Mentoring").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Theo Mentor")).to_be_visible()
    axe_check(page)
    screenshot(page, "foundation-03-manager-members")

    # Program settings: Session type > Allow Group Sessions.
    page.get_by_role("navigation", name="Manager dashboard").get_by_role("link", name="Program").click()
    expect(page.get_by_role("heading", name="Program", level=1)).to_be_visible()
    allow = page.get_by_label("Allow Group Sessions")
    expect(allow).not_to_be_checked()
    axe_check(page)
    allow.check()
    page.get_by_role("button", name="Save").click()

    toast = page.get_by_role("status")
    expect(toast).to_have_text("Saved!")
    box = toast.get_by_text("Saved!").bounding_box()
    assert box is not None
    assert box["x"] < VIEWPORT["width"] / 2, f"the toast is not on the left: {box}"
    assert box["y"] > VIEWPORT["height"] / 2, f"the toast is not at the bottom: {box}"
    expect(page.get_by_label("Allow Group Sessions")).to_be_checked()
    axe_check(page)
    screenshot(page, "foundation-04-manager-program-saved")
    program.refresh_from_db()
    assert program.allow_group_sessions is True

    # Back to the personal dashboard, then the person's own profile.
    menu = open_user_menu(page, "Maria Manager")
    menu.get_by_role("link", name="Personal", exact=True).click()
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    axe_check(page)
    screenshot(page, "foundation-05-personal-sessions")

    page.get_by_role("navigation", name="Personal dashboard").get_by_role("link", name="View profile").click()
    expect(page.get_by_role("heading", name="Maria Manager", level=1)).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Program manager · Alpha Mentoring")).to_be_visible()
    axe_check(page)
    screenshot(page, "foundation-06-profile")
