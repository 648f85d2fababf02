"""Under the Content-Security-Policy the pages work as they are: the browser refuses nothing, and
without JavaScript the session menu still shows its links."""

import pytest
from django.test import Client
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from mentorcircle.programs.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, MembershipFactory, ProgramFactory, UserFactory
from tests.groupsessions.conftest import create_session

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def refusals(page: Page) -> list[str]:
    """Collects what the browser refuses under the page's policy (Chromium says so on the console)."""
    refused: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", note)
    return refused


def test_the_policy_blocks_nothing_the_pages_use(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    manager = UserFactory(full_name="Maria Manager", is_staff=True, is_superuser=True)
    MembershipFactory(program=program, user=manager, role=Membership.Role.MANAGER)
    session = create_session(program, manager)
    refused = refusals(page)

    sign_in(page, live_server, manager.email, PASSWORD)
    for path in [
        "/me/sessions/",
        session.get_absolute_url(),
        f"/sessions/{session.pk}/edit/",
        "/manage/alpha/members/",
        "/manage/alpha/sessions/new/",
        "/me/notifications/",
        "/accounts/email/",
        "/admin/",
        f"/admin/accounts/user/{manager.pk}/change/",
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    # The scripts run: the session menu opens, its links are there.
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_role("button", name="Session actions").click()
    expect(page.get_by_role("link", name="Edit")).to_be_visible()

    assert refused == []


def test_without_javascript_the_session_menu_shows_its_links(browser: Browser, live_server):
    program = ProgramFactory(slug="alpha")
    host = MembershipFactory(program=program, role=Membership.Role.MANAGER).user
    session = create_session(program, host)
    signed_in = Client()
    signed_in.force_login(host)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    refused = refusals(page)

    page.goto(live_server.url + session.get_absolute_url())

    expect(page.get_by_role("button", name="Session actions")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel")).to_be_visible()
    assert refused == []
    context.close()
