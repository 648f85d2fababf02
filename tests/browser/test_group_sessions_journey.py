"""Group sessions in the browser: create (both seeds' forms), find, join, waitlist, edit, cancel, share."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.programs.models import Membership
from tests.browser.conftest import (
    TIME_ZONE,
    expect_toast,
    look,
    next_month_day,
    open_user_menu,
    program_member,
    rsvp_box,
    run_worker,
    session_row,
    sign_in,
    sign_out,
)
from tests.factories import PASSWORD, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def host_session(program, host, title: str, *, max_participants: int = 40, days: int = 10) -> GroupSession:
    """A session created through the service, as the create form would."""
    starts_at = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    details = services.SessionDetails(
        title=title,
        description="We look at **real** cases together.",
        starts_at=starts_at,
        duration=timedelta(hours=1),
        min_participants=1,
        max_participants=max_participants,
    )
    return services.session_create(program=program, host=host, details=details)


def test_manager_creates_a_session_from_the_manager_dashboard(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    manager = program_member(
        program, Membership.Role.MANAGER, "Maria Manager", email="maria@example.org", time_zone=""
    )
    mentee = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    program_member(program, Membership.Role.MENTOR, "Theo Mentor")

    sign_in(page, live_server, manager.email, PASSWORD)
    open_user_menu(page, "Maria Manager").get_by_role("link", name="Manager · Alpha Mentoring").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    look(page, "sessions-01-manager-members")

    page.get_by_role("navigation", name="Manager dashboard").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    expect(page.get_by_text("No upcoming sessions.")).to_be_visible()
    look(page, "sessions-02-manager-sessions-empty")

    page.get_by_role("link", name="Create session").click()
    expect(page.get_by_role("heading", name="Create session", level=1)).to_be_visible()
    look(page, "sessions-03-manager-create-form")

    day = next_month_day()
    page.get_by_label("Title").fill("Negotiating your first salary")
    page.get_by_label("Description").fill("How to prepare, what to ask for, and *when* to stop.")
    page.get_by_label("Start time").fill(f"{day:%Y-%m-%d}T18:30")
    duration = page.get_by_role("group", name="Duration")
    duration.get_by_label("Hours").fill("1")
    duration.get_by_label("Minutes").fill("30")
    page.get_by_label("Minimum participants").fill("3")
    page.get_by_label("Maximum participants").fill("12")

    invite = page.get_by_role("combobox", name="Invite participants")
    invite.fill("Mina")
    expect(page.get_by_role("listbox", name="Matching members")).to_be_visible()
    option = page.get_by_role("option", name="Mina Mentee")
    expect(option).to_be_visible()
    look(page, "sessions-04-manager-create-suggestions")
    option.click()
    picked = page.get_by_role("list", name="Picked")
    expect(picked.get_by_role("listitem")).to_have_count(1)
    expect(picked.get_by_role("listitem")).to_contain_text("Mina Mentee")
    expect(picked.get_by_role("button", name="Remove Mina Mentee")).to_be_visible()
    expect(page.get_by_role("listbox", name="Matching members")).to_be_hidden()
    look(page, "sessions-05-manager-create-filled")

    page.get_by_role("button", name="Create session").click()
    expect_toast(page, "Created!")
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="When").get_by_role("link", name="Future")).to_have_attribute(
        "aria-current", "page"
    )
    row = session_row(page, "Negotiating your first salary")
    expect(row).to_contain_text("1 of 12 spots taken")
    expect(row).to_contain_text("18:30 (Europe/Paris)")
    expect(row).to_contain_text("1 hour 30 minutes")
    expect(row).to_contain_text("2 more needed")
    look(page, "sessions-06-manager-sessions-created")

    session = GroupSession.objects.get(title="Negotiating your first salary")
    expected_start = datetime(day.year, day.month, day.day, 18, 30, tzinfo=zoneinfo.ZoneInfo(TIME_ZONE))
    assert session.starts_at == expected_start.astimezone(UTC)
    assert session.duration == timedelta(hours=1, minutes=30)
    assert (session.min_participants, session.max_participants) == (3, 12)
    assert session.host == manager
    statuses = dict(session.participants.values_list("user__full_name", "status"))
    assert statuses == {"Maria Manager": Participant.Status.HOST, "Mina Mentee": Participant.Status.INVITED}
    assert mentee.pk in session.participants.values_list("user_id", flat=True)

    # The seeds: under the name, Manager > Personal, Sessions > Future shows it; the host attends.
    open_user_menu(page, "Maria Manager").get_by_role("link", name="Personal", exact=True).click()
    row = session_row(page, "Negotiating your first salary")
    expect(row).to_contain_text("You are attending!")
    look(page, "sessions-07-manager-personal-sessions")


def test_mentor_creates_a_masterclass_with_the_default_sizes(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")

    sign_in(page, live_server, mentor.email, PASSWORD)
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    page.get_by_role("link", name="Create a session").click()
    expect(page.get_by_role("heading", name="Create a session", level=1)).to_be_visible()
    expect(page.get_by_role("combobox", name="Guests")).to_be_visible()
    look(page, "sessions-08-mentor-create-form")

    day = next_month_day(20)
    page.get_by_label("Title").fill("Breaking into product design")
    page.get_by_label("Describe the objective of your masterclass").fill("Portfolios that get interviews.")
    page.get_by_label("Start time").fill(f"{day:%Y-%m-%d}T09:00")
    expect(page.get_by_label("Minimum participants")).to_have_value("")
    expect(page.get_by_label("Maximum participants")).to_have_value("")
    page.get_by_role("button", name="Create session").click()

    expect_toast(page, "Created!")
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    row = session_row(page, "Breaking into product design")
    expect(row).to_contain_text("1 of 40 spots taken")
    expect(row).to_contain_text("You are attending!")
    look(page, "sessions-09-mentor-sessions-created")

    session = GroupSession.objects.get(title="Breaking into product design")
    assert (session.min_participants, session.max_participants) == (1, 40)
    assert session.duration == timedelta(hours=1)
    expected_start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zoneinfo.ZoneInfo(TIME_ZONE))
    assert session.starts_at == expected_start.astimezone(UTC)


def test_mentee_joins_from_the_hosts_profile_and_the_host_sees_them(page: Page, live_server, mailoutbox):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    mentee = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    session = host_session(program, mentor, "Breaking into product design")

    sign_in(page, live_server, mentee.email, PASSWORD)
    page.goto(f"{live_server.url}/people/{mentor.pk}/")
    expect(page.get_by_role("heading", name="Theo Mentor", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Upcoming group sessions")).to_be_visible()
    look(page, "sessions-10-mentor-profile-seen-by-mentee")

    page.get_by_role("link", name="View group session").click()
    expect(page.get_by_role("heading", name="Breaking into product design", level=1)).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/sessions/{session.pk}/")
    expect(page.get_by_role("strong").filter(has_text="real")).to_be_visible()  # Markdown rendered
    expect(page.get_by_text("1 of 40 spots taken")).to_be_visible()
    look(page, "sessions-11-session-page-before-join")

    page.get_by_role("button", name="Join", exact=True).click()
    expect_toast(page, "You're registered!")
    expect(rsvp_box(page).get_by_text("You're registered", exact=True)).to_be_visible()
    expect(rsvp_box(page).get_by_role("button", name="Leave")).to_be_visible()
    expect(page.get_by_role("button", name="Join", exact=True)).to_have_count(0)
    expect(page.get_by_text("2 of 40 spots taken")).to_be_visible()
    look(page, "sessions-12-session-page-registered")
    assert session.participants.get(user=mentee).status == Participant.Status.REGISTERED

    # The host is told by email ...
    run_worker()
    to_host = [m for m in mailoutbox if m.to == [mentor.email]]
    assert [m.subject for m in to_host] == ["Mina Mentee registered for Breaking into product design"]

    # ... and sees the name under the session on their Sessions page.
    sign_out(page, "Mina Mentee")
    sign_in(page, live_server, mentor.email, PASSWORD)
    page.get_by_role("navigation", name="Personal dashboard").get_by_role("link", name="Sessions").click()
    row = session_row(page, "Breaking into product design")
    expect(row.get_by_role("link", name="Mina Mentee")).to_be_visible()
    expect(row).to_contain_text("2 of 40 spots taken")
    look(page, "sessions-13-host-sees-participant")


def test_host_edits_then_cancels_a_session(page: Page, live_server, new_context):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    mentee = program_member(program, Membership.Role.MENTEE, "Mina Mentee")
    session = host_session(program, mentor, "Portfolio review")
    services.participant_join(
        session=session, user=program_member(program, Membership.Role.MENTEE, "Rita Registered")
    )

    sign_in(page, live_server, mentor.email, PASSWORD)
    session_row(page, "Portfolio review").get_by_role("link", name="Portfolio review", exact=True).click()
    expect(page.get_by_role("heading", name="Portfolio review", level=1)).to_be_visible()
    expect(rsvp_box(page).get_by_text("You are attending!")).to_be_visible()
    look(page, "sessions-14-host-session-page")

    actions = page.get_by_role("button", name="Session actions")
    actions.click()
    expect(actions).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    look(page, "sessions-15-host-session-actions-open")
    page.get_by_role("link", name="Edit", exact=True).click()

    expect(page.get_by_role("heading", name="Edit session", level=1)).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Portfolio review")
    expect(page.get_by_label("Maximum participants")).to_have_value("40")
    look(page, "sessions-16-host-edit-form")
    page.get_by_label("Title").fill("Portfolio review, second edition")
    page.get_by_label("Maximum participants").fill("8")
    page.get_by_role("button", name="Save changes").click()

    expect_toast(page, "Saved!")
    expect(page.get_by_role("heading", name="Portfolio review, second edition", level=1)).to_be_visible()
    expect(page.get_by_text("2 of 8 spots taken")).to_be_visible()
    look(page, "sessions-17-host-session-edited")
    session.refresh_from_db()
    assert (session.title, session.max_participants) == ("Portfolio review, second edition", 8)

    page.get_by_role("button", name="Session actions").click()
    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page.get_by_role("heading", name="Cancel “Portfolio review, second edition”?")).to_be_visible()
    look(page, "sessions-18-host-cancel-form")
    page.get_by_label("Reason").fill("I'm ill; we'll pick a new date soon.")
    page.get_by_role("button", name="Cancel session").click()

    expect_toast(page, "Session cancelled")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This session was cancelled.")
    expect(alert).to_contain_text("I'm ill; we'll pick a new date soon.")
    expect(page.get_by_role("button", name="Session actions")).to_have_count(0)
    look(page, "sessions-19-host-session-cancelled")
    session.refresh_from_db()
    assert session.status == GroupSession.Status.CANCELLED

    # Until its time has passed, a cancelled session stays under Future, marked; it never took
    # place, so Past does not list it.
    open_user_menu(page, "Theo Mentor").get_by_role("link", name="Personal", exact=True).click()
    row = session_row(page, "Portfolio review, second edition")
    expect(row.locator(".pill")).to_have_text(["Cancelled"])
    expect(row).to_contain_text("Cancelled: I'm ill; we'll pick a new date soon.")
    expect(row.get_by_role("button", name="Session actions")).to_have_count(0)
    look(page, "sessions-20-host-future-with-cancelled")
    page.get_by_role("navigation", name="When").get_by_role("link", name="Past").click()
    expect(page.get_by_text("No past sessions.")).to_be_visible()
    expect(session_row(page, "Portfolio review, second edition")).to_have_count(0)

    # A member who had not joined finds no way in.
    other = new_context().new_page()
    sign_in(other, live_server, mentee.email, PASSWORD)
    other.goto(f"{live_server.url}{session.get_absolute_url()}")
    expect(other.get_by_role("alert")).to_contain_text("I'm ill; we'll pick a new date soon.")
    expect(rsvp_box(other)).to_contain_text("cannot be joined")
    expect(other.get_by_role("button", name=re.compile("^Join"))).to_have_count(0)
    look(other, "sessions-21-member-sees-cancelled")


def test_waitlisted_mentee_is_promoted_when_a_seat_frees_up(page: Page, live_server, mailoutbox):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    rita = program_member(program, Membership.Role.MENTEE, "Rita Registered")
    wendy = program_member(program, Membership.Role.MENTEE, "Wendy Waiting")
    session = host_session(program, mentor, "One-to-one-ish", max_participants=2)
    services.participant_join(session=session, user=rita)

    sign_in(page, live_server, wendy.email, PASSWORD)
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    expect(page.get_by_text("2 of 2 spots taken")).to_be_visible()
    expect(rsvp_box(page)).to_contain_text("The session is full.")
    expect(page.get_by_role("button", name="Join", exact=True)).to_have_count(0)
    look(page, "sessions-22-session-full")

    page.get_by_role("button", name="Join waitlist").click()
    expect_toast(page, "you're on the waitlist")
    expect(rsvp_box(page).get_by_text("You're number 1 on the waitlist")).to_be_visible()
    expect(rsvp_box(page).get_by_role("button", name="Leave waitlist")).to_be_visible()
    look(page, "sessions-23-on-the-waitlist")

    services.participant_leave(session=session, user=rita)
    page.reload()
    expect(rsvp_box(page).get_by_text("You're registered", exact=True)).to_be_visible()
    expect(rsvp_box(page).get_by_role("button", name="Leave")).to_be_visible()
    look(page, "sessions-24-promoted-from-waitlist")

    run_worker()
    subjects = [m.subject for m in mailoutbox if m.to == [wendy.email]]
    assert "A seat freed up: you're registered for One-to-one-ish" in subjects


def test_copy_link_puts_the_session_page_url_on_the_clipboard(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    session = host_session(program, mentor, "Public speaking")
    url = f"{live_server.url}/sessions/{session.pk}/"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    sign_in(page, live_server, mentor.email, PASSWORD)
    # The URL icon on the Sessions list ...
    session_row(page, "Public speaking").get_by_role("button", name="Copy link to Public speaking").click()
    expect_toast(page, "Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == url
    look(page, "sessions-25-list-link-copied")

    # ... and the button on the session page copy the page's stable URL.
    page.evaluate("navigator.clipboard.writeText('')")
    page.goto(url)
    page.get_by_role("button", name="Copy link", exact=True).click()
    expect_toast(page, "Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == page.url == url
    look(page, "sessions-26-page-link-copied")


def fill_create_form(page: Page, title: str, start: datetime) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Describe the objective of your masterclass").fill("Portfolios that get interviews.")
    page.get_by_label("Start time").fill(f"{start:%Y-%m-%dT%H:%M}")


def test_sending_the_create_form_again_after_going_back_makes_one_session(page: Page, live_server):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    start = datetime.combine(next_month_day(20), datetime.min.time()).replace(hour=9)

    sign_in(page, live_server, mentor.email, PASSWORD)
    page.get_by_role("link", name="Create a session").click()
    fill_create_form(page, "Breaking into product design", start)
    page.get_by_role("button", name="Create session").click()
    expect_toast(page, "Created!")

    page.go_back()
    expect(page.get_by_label("Title")).to_have_value("Breaking into product design")
    page.get_by_role("button", name="Create session").click()

    session = GroupSession.objects.get()
    expect(page.get_by_role("heading", name="Breaking into product design", level=1)).to_be_visible()
    assert page.url == f"{live_server.url}{session.get_absolute_url()}"
    expect(
        page.get_by_role("status").filter(
            has_text=(
                "This session was already created from this form; changes made after sending it "
                "were not saved. "
                "Edit the session to change it."
            )
        )
    ).to_be_visible()
    look(page, "sessions-27-sent-again-opens-the-session")
    assert GroupSession.objects.count() == 1

    # A double click on a fresh form makes one session too.
    page.goto(f"{live_server.url}{reverse('personal:session_create')}")
    fill_create_form(page, "Second edition", start)
    page.get_by_role("button", name="Create session").dblclick()
    expect(page.get_by_role("heading", name=re.compile("Sessions|Second edition"), level=1)).to_be_visible()
    page.wait_for_load_state("load")
    assert GroupSession.objects.filter(title="Second edition").count() == 1


def test_a_start_inside_the_decision_window_is_explained_beside_the_field_and_on_the_page(
    page: Page, live_server
):
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")  # decided 24 hours before
    mentor = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    paris = zoneinfo.ZoneInfo(TIME_ZONE)
    soon = (timezone.now().astimezone(paris) + timedelta(hours=3)).replace(second=0, microsecond=0)

    sign_in(page, live_server, mentor.email, PASSWORD)
    page.get_by_role("link", name="Create a session").click()
    note = page.locator("[data-decision-note]")
    expect(note).to_have_text("")
    fill_create_form(page, "Last-minute portfolio clinic", soon)
    expect(note).to_contain_text("This start is less than 24 hours away")
    expect(note).to_contain_text(
        "With a minimum of 1 (the host), the session is confirmed as soon as it is created."
    )

    page.get_by_label("Minimum participants").fill("3")
    expect(note).to_contain_text("decided halfway there, on ")
    expect(note).to_contain_text(
        f"({TIME_ZONE}): below the minimum then, it is cancelled and everyone is told."
    )
    look(page, "sessions-28-create-start-inside-decision-window")
    page.set_viewport_size({"width": 390, "height": 844})
    look(page, "sessions-29-create-start-inside-decision-window-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("Start time").fill(f"{soon + timedelta(days=30):%Y-%m-%dT%H:%M}")
    expect(note).to_have_text("")
    page.get_by_label("Start time").fill(f"{soon:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Create session").click()
    expect_toast(page, "Created!")

    session = GroupSession.objects.get()
    assert session.decide_at - timezone.now() < timedelta(hours=1, minutes=31)
    decided = session.decide_at.astimezone(paris)
    session_row(page, "Last-minute portfolio clinic").get_by_role(
        "link", name="Last-minute portfolio clinic", exact=True
    ).click()
    expect(page.locator(".quorum")).to_have_text(
        "2 more needed for this session to be held. It needs 3 participants (the host counts as 1) by "
        f"{decided:%a} {decided.day} {decided:%b %Y, %H:%M} ({TIME_ZONE}), "
        "or it is cancelled and everyone is told."
    )
    look(page, "sessions-30-page-says-when-it-is-decided")

    # The edit form leaves an unchanged start alone, and explains a start moved into the window.
    page.get_by_role("button", name="Session actions").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit session", level=1)).to_be_visible()
    expect(note).to_have_text("")
    page.get_by_label("Start time").fill(f"{soon + timedelta(hours=2):%Y-%m-%dT%H:%M}")
    expect(note).to_contain_text("decided halfway there")
    look(page, "sessions-31-edit-start-inside-decision-window")
