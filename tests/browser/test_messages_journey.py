"""Messages: the host shares a session with two mentees; one opens the message from the inbox
and joins from its card; the other replies; the host sees the unread count."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mentorcircle.conversations import services
from mentorcircle.conversations.models import Message
from mentorcircle.groupsessions.models import Participant
from mentorcircle.programs.models import Membership
from tests.browser.conftest import expect_toast, look, program_member, session_row, sign_in
from tests.factories import PASSWORD, GroupSessionFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def pick(page: Page, name: str) -> None:
    page.get_by_role("combobox", name="Share with").fill(name.split()[0])
    page.get_by_role("option", name=name).click()
    expect(page.get_by_role("list", name="Picked")).to_contain_text(name)


def test_host_shares_a_session_one_mentee_joins_from_the_card_the_other_replies(
    page: Page, live_server, new_context
):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    mina = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    nora = program_member(program, Membership.Role.MENTEE, "Nora Newcomer")
    session = GroupSessionFactory(program=program, host=mentor, title="Pitch practice", max_participants=8)

    # The host shares the session from its page with two mentees, with a note.
    sign_in(page, live_server, mentor.email, PASSWORD)
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    page.get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_role("heading", name="Share this session")).to_be_visible()
    pick(page, "Mina Mentee")
    pick(page, "Nora Newcomer")
    page.get_by_label("Add a note (optional)").fill("Thought of you two: bring a 2-minute pitch.")
    look(page, "messages-01-share")
    page.set_viewport_size({"width": 390, "height": 844})
    look(page, "messages-01-share-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Share", exact=True).click()
    expect_toast(page, "Shared with 2 people.")
    assert not Participant.objects.filter(session=session).exclude(user=mentor).exists()  # nobody invited

    # Mina opens the message from her inbox and joins from the card.
    mina_page = new_context().new_page()
    sign_in(mina_page, live_server, mina.email, PASSWORD)
    sidebar = mina_page.get_by_role("link", name="Messages 1 unread")
    expect(sidebar).to_be_visible()
    expect(mina_page.get_by_role("banner").get_by_role("link", name="Messages, 1 unread")).to_be_visible()
    sidebar.click()
    look(mina_page, "messages-02-inbox")
    mina_page.get_by_role("link", name="Theo Mentor").click()
    card = mina_page.locator(".share-card")
    expect(card).to_contain_text("Pitch practice")
    expect(card).to_contain_text("7 spots left")
    expect(mina_page.get_by_text("Thought of you two: bring a 2-minute pitch.")).to_be_visible()
    look(mina_page, "messages-03-card")
    card.get_by_role("button", name="Join").click()
    expect(mina_page.get_by_text("You're registered", exact=True).first).to_be_visible()
    look(mina_page, "messages-04-joined")
    assert Participant.objects.get(session=session, user=mina).status == Participant.Status.REGISTERED

    # Nora replies to the message.
    nora_page = new_context().new_page()
    sign_in(nora_page, live_server, nora.email, PASSWORD)
    nora_page.get_by_role("link", name="Messages 1 unread").click()
    nora_page.get_by_role("link", name="Theo Mentor").click()
    nora_page.get_by_role("textbox", name="Message").fill("Can't make it, but please share the next one!")
    nora_page.get_by_role("button", name="Send").click()
    expect(nora_page.locator(".messages")).to_contain_text("Can't make it, but please share the next one!")
    look(nora_page, "messages-05-reply")

    # The host sees one unread conversation in the sidebar, and Nora's reply in it.
    page.goto(f"{live_server.url}/me/messages/")
    expect(page.get_by_role("link", name="Messages 1 unread")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Messages, 1 unread")).to_be_visible()
    look(page, "messages-06-host-unread")
    page.get_by_role("link", name="Nora Newcomer").click()
    expect(page.get_by_text("Can't make it, but please share the next one!")).to_be_visible()
    sidebar = page.get_by_role("navigation", name="Personal dashboard")
    expect(sidebar.get_by_role("link", name="Messages", exact=True)).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Messages", exact=True)).to_be_visible()

    # A message of another day arrives while the page is open: it comes with its date divider.
    conversation = Message.objects.filter(author=nora).get().conversation
    services.message_post(
        conversation=conversation,
        author=nora,
        body="See you next time",
        now=timezone.now() + timedelta(days=1),
    )
    expect(page.locator(".messages")).to_contain_text("See you next time", timeout=15_000)
    expect(page.locator(".messages li.divider:not(.divider-new)")).to_have_count(2)


# Whether the element is drawn where it is: inside the window and on top at its centre (not
# clipped away by a scrolling box around it, nor covered).
SHOWN = """(el) => {
  const box = el.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  if (box.width === 0 || x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
  const hit = document.elementFromPoint(x, y);
  return !!hit && (hit === el || el.contains(hit));
}"""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def test_the_last_messages_menu_shows_whole_and_a_long_message_is_counted_not_cut(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    mina = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    first = services.conversation_start(program=program, creator=mentor, people=[mina], body="Welcome!")
    for n in range(8):
        services.message_post(conversation=first.conversation, author=mina, body=f"Question {n + 1}")

    sign_in(page, live_server, mentor.email, PASSWORD)
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}{first.conversation.get_absolute_url()}")
        last = page.locator(".message").last
        expect(last).to_contain_text("Question 8")
        last.get_by_role("button", name="Message actions").click()
        for item in ("Report to the program's managers", "Block this member"):
            target = last.get_by_role("link", name=item).or_(last.get_by_role("button", name=item))
            expect(target).to_be_visible()
            assert target.evaluate(SHOWN), f"{item!r} is cut off on {name}"
        look(page, f"messages-07-menu-{name}")
        page.keyboard.press("Escape")

    # 6,000 characters pasted: all kept, counted, and refused by the server with the text kept.
    box = page.get_by_role("textbox", name="Message")
    box.fill("y" * 6_000)
    assert box.input_value() == "y" * 6_000
    count = page.locator(".char-count")
    expect(count).to_have_text("6,000 of 5,000 characters: 1,000 too many. Shorten it to send it.")
    look(page, "messages-08-too-long-phone")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Keep the message to 5,000 characters or fewer (it has 6,000).")).to_be_visible()
    assert box.input_value() == "y" * 6_000
    assert Message.objects.count() == 9
    box.fill("Short again")
    expect(count).to_be_hidden()
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".messages")).to_contain_text("Short again")


def test_on_a_phone_the_sessions_lists_keep_their_text_wide_and_sharing_returns_to_the_list(
    page: Page, live_server
):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    mina = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    manager = program_member(program, Membership.Role.MANAGER, "Maria Manager")
    session = GroupSessionFactory(
        program=program, host=mentor, title="Practice job interviews together", max_participants=8
    )
    Participant.objects.create(session=session, user=mina, status=Participant.Status.REGISTERED)

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, mentor.email, PASSWORD)
    for path, name in (("/me/sessions/", "personal"), ("/programs/alpha/", "program")):
        page.goto(f"{live_server.url}{path}")
        check_phone_row(page, session.title)
        look(page, f"messages-09-sessions-{name}-phone")

    # The Share icon of the list: after sharing, back on the list.
    page.goto(f"{live_server.url}/me/sessions/")
    session_row(page, session.title).get_by_role("link", name=f"Share {session.title} with members").click()
    pick(page, "Mina Mentee")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("Shared with 1 person.")).to_be_visible()
    assert page.url == f"{live_server.url}/me/sessions/"

    page.context.clear_cookies()
    sign_in(page, live_server, manager.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/alpha/sessions/")
    check_phone_row(page, session.title)
    look(page, "messages-10-sessions-manager-phone")


def check_phone_row(page: Page, title: str) -> None:
    """At 390 px: the row's text keeps at least 200 px, and nothing scrolls sideways."""
    row = session_row(page, title)
    expect(row).to_be_visible()
    text = row.locator(".session-main").bounding_box()
    assert text is not None
    assert text["width"] >= 200, f"the text column is {text['width']} px wide"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    for icon in row.locator(".session-actions .icon-btn").all():
        assert icon.evaluate(SHOWN)
