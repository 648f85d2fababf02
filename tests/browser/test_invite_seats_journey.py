"""A program manager invites more people than a session has seats left: the invite box warns
as the selection grows, at desktop and at phone width, and the page says so again after sending."""

import pytest
from playwright.sync_api import Page, expect

from mentorcircle.groupsessions.models import Participant
from mentorcircle.programs.models import Membership
from tests.browser.conftest import expect_toast, look, program_member, sign_in
from tests.factories import PASSWORD, ProgramFactory
from tests.groupsessions.conftest import create_session

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def pick(page: Page, name: str) -> None:
    page.get_by_role("combobox", name="Invite participants").fill(name.split()[0])
    page.get_by_role("option", name=name).click()
    expect(page.get_by_role("list", name="Picked")).to_contain_text(name)


def warning(page: Page):
    return page.locator("[data-invite-seats] .alert")


@pytest.fixture
def program(transactional_db):  # noqa: ARG001 (requested for its effect: committed data the live server sees)
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    program_member(program, Membership.Role.MANAGER, "Maria Manager", email="maria@example.org")
    program_member(program, Membership.Role.MENTOR, "Theo Mentor", email="theo@example.org")
    for first in ("Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"):
        program_member(program, Membership.Role.MENTEE, f"{first} Mentee")
    return program


def test_the_invite_box_warns_when_the_selection_outnumbers_the_seats(page: Page, live_server, program):
    host = program.memberships.get(role=Membership.Role.MENTOR).user
    session = create_session(program, host, title="Salary talks", max_participants=4)  # 3 seats left
    sign_in(page, live_server, "maria@example.org", PASSWORD)
    page.goto(f"{live_server.url}{session.get_absolute_url()}")

    invite_box = page.get_by_role("region", name="Invite people")
    expect(invite_box.get_by_text("3 seats left. An invitation holds no seat")).to_be_visible()
    for name in ("Ada Mentee", "Ben Mentee", "Cleo Mentee"):
        pick(page, name)
    page.wait_for_timeout(600)  # the script asks the server after each change
    expect(warning(page)).to_be_hidden()

    pick(page, "Dev Mentee")
    expect(warning(page)).to_have_text(
        "3 seats left, 4 people selected. Seats go to whoever accepts first; the rest join the waitlist."
    )
    page.get_by_text("Invite whole groups").click()
    page.get_by_label("Invite everyone in the program").check()
    expect(warning(page)).to_have_text(
        "3 seats left, 12 people selected. Seats go to whoever accepts first; the rest join the waitlist."
    )
    look(page, "invite-seats-01-desktop-warning")

    page.get_by_label("Invite everyone in the program").uncheck()
    expect(warning(page)).to_contain_text("4 people selected")
    page.get_by_role("list", name="Picked").get_by_role("button", name="Remove Dev Mentee").click()
    expect(warning(page)).to_be_hidden()

    # Sent anyway with the whole program: the page says it again.
    page.get_by_label("Invite everyone in the program").check()
    expect(warning(page)).to_contain_text("12 people selected")
    page.get_by_role("button", name="Send invitations").click()
    expect_toast(page, "Invited 12 people.")
    expect_toast(
        page,
        "3 seats left, 12 people invited. Seats go to whoever accepts first; the rest join the waitlist.",
    )
    look(page, "invite-seats-02-desktop-sent")
    assert session.participants.filter(status=Participant.Status.INVITED).count() == 12


def test_the_warning_fits_a_phone(page: Page, live_server, program):
    host = program.memberships.get(role=Membership.Role.MENTOR).user
    session = create_session(program, host, title="Salary talks", max_participants=2)  # 1 seat left
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "maria@example.org", PASSWORD)
    page.goto(f"{live_server.url}{session.get_absolute_url()}")

    pick(page, "Ada Mentee")
    pick(page, "Ben Mentee")

    expect(warning(page)).to_have_text(
        "1 seat left, 2 people selected. Seats go to whoever accepts first; the rest join the waitlist."
    )
    warning(page).scroll_into_view_if_needed()
    box = warning(page).bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= PHONE["width"], box
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone: {width}px"
    look(page, "invite-seats-03-phone-warning")
