"""A person saved in UTC opens MentorCircle from a browser in Berlin: a banner offers Berlin's
time, they take it, and the times on the page move to Berlin's clock. On a laptop and a phone."""

import zoneinfo
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import Page, expect

from mentorcircle.accounts.models import User
from mentorcircle.core.templatetags.when import format_when
from mentorcircle.groupsessions.models import Participant
from mentorcircle.programs.models import Membership
from tests.browser.conftest import axe_check, next_month_day, program_member, screenshot, session_row, sign_in
from tests.factories import PASSWORD, GroupSessionFactory, ParticipantFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

BERLIN = "Europe/Berlin"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TITLE = "Salary talks, practised"


def shown(at: datetime, zone: str) -> str:
    """How a page writes the instant in that zone: "Sat 15 Mar 2031, 11:00 (Europe/Berlin)"."""
    from django.utils import timezone

    with timezone.override(zoneinfo.ZoneInfo(zone)):
        return format_when(at)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_utc_person_in_berlin_switches_to_berlin_time_from_the_banner(
    live_server, browser, browser_context_args, viewport
):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    host = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    uma = program_member(program, Membership.Role.MENTEE, "Uma Utc", time_zone="UTC")
    starts = datetime.combine(next_month_day(15), time(10, 0), tzinfo=UTC)
    session = GroupSessionFactory(program=program, host=host, title=TITLE, starts_at=starts)
    ParticipantFactory(session=session, user=uma, status=Participant.Status.REGISTERED)
    name = "desktop" if viewport == DESKTOP else "phone"
    context = browser.new_context(**{**browser_context_args, "timezone_id": BERLIN, "viewport": viewport})
    try:
        journey(context.new_page(), live_server, uma=uma, starts=starts, name=name, phone=viewport == PHONE)
    finally:
        context.close()


def journey(page: Page, live_server, *, uma: User, starts: datetime, name: str, phone: bool) -> None:
    sign_in(page, live_server, uma.email, PASSWORD)
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    # The browser had told the server its zone before, when Berlin was not yet where it was: the
    # page notices the change, tells the server and reloads once, and the banner asks.
    page.context.add_cookies([{"name": "tz", "value": "UTC", "url": live_server.url}])
    page.goto(f"{live_server.url}/me/sessions/")
    banner = page.get_by_role("region", name="Time zone")
    expect(banner).to_have_text(
        f"Your browser is in {BERLIN}; times here are in UTC. Use {BERLIN}? Use {BERLIN} Keep UTC",
        use_inner_text=True,
    )
    row = session_row(page, TITLE)
    expect(row).to_contain_text(shown(starts, "UTC"))
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
            "the page scrolls sideways"
        )
        for button in (f"Use {BERLIN}", "Keep UTC"):
            box = banner.get_by_role("button", name=button).bounding_box()
            assert box is not None
            assert box["x"] >= 0, (button, box)
            assert box["x"] + box["width"] <= PHONE["width"], (button, box)
    axe_check(page)
    screenshot(page, f"timezone-{name}-01-banner")

    banner.get_by_role("button", name=f"Use {BERLIN}").click()

    expect(page.get_by_role("status").filter(has_text=f"Times are now shown in {BERLIN}.")).to_be_visible()
    expect(page.get_by_role("region", name="Time zone")).to_have_count(0)
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    expect(session_row(page, TITLE)).to_contain_text(shown(starts, BERLIN))
    expect(session_row(page, TITLE)).not_to_contain_text("(UTC)")
    assert User.objects.get(pk=uma.pk).time_zone == BERLIN
    axe_check(page)
    screenshot(page, f"timezone-{name}-02-switched")

    # And it stays gone on the next page.
    page.goto(f"{live_server.url}/me/settings/")
    expect(page.get_by_role("heading", name="Profile settings", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Time zone")).to_have_count(0)
