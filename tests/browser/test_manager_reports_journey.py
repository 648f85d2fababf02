"""A program manager opens Manager > Reports, narrows it to a cohort, reads the chart, downloads the
sessions CSV, then removes a member from the program and sees their seat go to the waitlist; at
desktop and at phone width. The filters' days show only for a custom period, and the address after
Show holds only the filters chosen."""

import csv
import io
import re
import zoneinfo
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.programs.models import Membership
from tests.browser.conftest import (
    TIME_ZONE,
    VIEWPORT,
    expect_toast,
    look,
    next_month_day,
    program_member,
    sign_in,
)
from tests.factories import PASSWORD, CohortFactory, GroupSessionFactory, ParticipantFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"width": 390, "height": 844}


def past_session(program, host, title: str, days_ago: int, people: dict) -> GroupSession:
    """A session held `days_ago` days ago; `people` maps each participant to whether they came."""
    starts_at = (timezone.now() - timedelta(days=days_ago)).replace(minute=0, second=0, microsecond=0)
    session = GroupSessionFactory(
        program=program,
        host=host,
        title=title,
        starts_at=starts_at,
        decide_at=starts_at - timedelta(hours=24),
        status=GroupSession.Status.CONFIRMED,
        max_participants=6,
    )
    for user, came in people.items():
        ParticipantFactory(session=session, user=user, attended=came)
    return session


@pytest.fixture
def program():
    """Two cohorts, two sessions held in the last month and a full session next month whose
    waitlist has Eva on it; Ada, of the Spring cohort, holds a seat there."""
    program = ProgramFactory(name="Alpha Mentoring", slug="alpha")
    program_member(program, Membership.Role.MANAGER, "Maria Manager", email="maria@example.org")
    theo = program_member(program, Membership.Role.MENTOR, "Theo Mentor")
    spring = CohortFactory(program=program, name="Spring cohort")
    autumn = CohortFactory(program=program, name="Autumn cohort")
    people = {}
    for name, cohort in (("Ada", spring), ("Ben", spring), ("Cleo", autumn), ("Dev", autumn), ("Eva", None)):
        people[name] = program_member(program, Membership.Role.MENTEE, f"{name} Mentee")
        if cohort:
            program.memberships.get(user=people[name]).cohorts.add(cohort)

    past_session(
        program, theo, "Salary talks", 10, {people["Ada"]: True, people["Ben"]: False, people["Cleo"]: True}
    )
    past_session(program, theo, "Portfolio review", 20, {people["Cleo"]: True, people["Dev"]: True})

    starts_at = datetime.combine(next_month_day(15), time(18), tzinfo=zoneinfo.ZoneInfo(TIME_ZONE))
    upcoming = GroupSessionFactory(
        program=program,
        host=theo,
        title="Interview practice",
        starts_at=starts_at,
        decide_at=starts_at - timedelta(hours=24),
        max_participants=3,  # the host, Ada and Ben: full
    )
    ParticipantFactory(session=upcoming, user=people["Ada"])
    ParticipantFactory(session=upcoming, user=people["Ben"])
    ParticipantFactory(session=upcoming, user=people["Eva"], status=Participant.Status.WAITLISTED)
    return program


def stat(page: Page, label: str):
    return page.locator(".stat").filter(has=page.get_by_text(label, exact=True)).locator(".stat-value")


def assert_no_sideways_scroll(page: Page, viewport: dict) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width}px"


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["desktop", "phone"])
def test_a_manager_reads_a_cohort_report_downloads_it_and_removes_a_member(
    page: Page, live_server, program, viewport
):
    size = "desktop" if viewport == VIEWPORT else "phone"
    upcoming = GroupSession.objects.get(title="Interview practice")
    spring = program.cohorts.get(name="Spring cohort")
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "maria@example.org", PASSWORD)

    # Manager > Reports through the sidebar, with the default filters (the last 90 days).
    page.goto(f"{live_server.url}/manage/alpha/")
    sidebar = page.get_by_role("navigation", name="Manager dashboard")
    sidebar.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(sidebar.get_by_role("link", name="Reports")).to_have_attribute("aria-current", "page")
    expect(stat(page, "Sessions held")).to_have_text("2")
    expect(stat(page, "People who took part")).to_have_text("3")
    expect(stat(page, "Registrations")).to_have_text("5")
    look(page, f"reports-01-{size}-all-cohorts")

    # From and To show only once Custom is chosen.
    filters = page.get_by_role("search", name="Report filters")
    expect(filters.get_by_label("From")).to_be_hidden()
    expect(filters.get_by_label("To")).to_be_hidden()
    filters.get_by_label("Period").select_option(label="Custom")
    expect(filters.get_by_label("From")).to_be_visible()
    expect(filters.get_by_label("To")).to_be_visible()
    filters.get_by_label("Period").select_option(label="Last 90 days")
    expect(filters.get_by_label("From")).to_be_hidden()

    # One cohort: the figures narrow to its people, and the address holds the filters chosen
    # and nothing else.
    filters.get_by_label("Cohort").select_option(label="Spring cohort")
    filters.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"/manage/alpha/reports/\?.*\bcohort={spring.pk}\b"))
    query = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
    assert query == {"period": ["90d"], "cohort": [str(spring.pk)]}, page.url
    expect(filters.get_by_label("Cohort")).to_have_value(str(spring.pk))
    expect(page.locator(".report-scope").first).to_contain_text("people of the cohort Spring cohort")
    expect(stat(page, "Sessions held")).to_have_text("1")
    expect(stat(page, "People who took part")).to_have_text("1")
    expect(stat(page, "Registrations")).to_have_text("2")
    expect(stat(page, "No-show rate")).to_contain_text("50")

    # The chart, and its text alternative: the svg's title and description, and the table.
    chart = page.get_by_role("img", name="Sessions held and places attended per")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.chart-bar").first).to_be_attached()
    description = chart.locator("desc")
    expect(description).not_to_have_text("")
    expect(page.locator("figure.chart figcaption")).to_have_text(description.text_content() or "")
    figures_table = page.locator("details.chart-data table")
    expect(figures_table).to_be_hidden()  # closed until asked for
    page.get_by_text("The chart's figures as a table").click()
    expect(figures_table).to_be_visible()
    expect(figures_table.get_by_role("columnheader", name="Sessions held")).to_be_visible()
    look(page, f"reports-02-{size}-spring-cohort")
    if viewport == PHONE:
        assert_no_sideways_scroll(page, viewport)
        # On a phone each session is a small card, each figure under its label.
        card = page.locator(".session-table tbody tr").first
        expect(card.locator("td[data-label=Seats]")).to_be_visible()
        box = page.locator(".session-table").bounding_box()
        assert box
        assert box["width"] <= viewport["width"], box

    # The sessions CSV, with the same filters: a BOM for spreadsheets, one row per session.
    downloads = page.get_by_role("region", name="Download CSV")
    expect(downloads.get_by_role("link", name="Download participants (CSV)")).to_be_visible()
    expect(downloads.get_by_role("link", name="Download members (CSV)")).to_be_visible()
    with page.expect_download() as download_info:
        downloads.get_by_role("link", name="Download sessions (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("alpha-sessions-"), download.suggested_filename
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    path = download.path()
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf"), content[:20]
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["Title"] for row in rows] == ["Salary talks"], rows
    row = rows[0]
    assert row["Host"] == "Theo Mentor"
    assert row["Status"] == "Held"
    assert (row["Seats"], row["Seats taken"], row["Registered"], row["Attended"]) == ("6", "4", "2", "1")

    # Manager > Members > Ada > Remove from program, confirmed.
    sidebar.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    page.get_by_role("link", name="Ada Mentee", exact=True).click()
    expect(page.get_by_role("heading", name="Ada Mentee", level=1)).to_be_visible()
    look(page, f"reports-03-{size}-member-page")
    page.get_by_role("link", name="Remove from program…").click()
    expect(
        page.get_by_role("heading", name="Remove Ada Mentee from Alpha Mentoring?", level=1)
    ).to_be_visible()
    expect(page.locator(".consequences")).to_contain_text("Their place in 1 upcoming session is given up")
    look(page, f"reports-04-{size}-confirm-removal")
    page.get_by_role("button", name="Remove from program").click()
    if viewport == VIEWPORT:
        expect_toast(page, "Removed Ada Mentee from Alpha Mentoring. 1 place in upcoming sessions given up.")
    else:
        expect(page.get_by_role("status").filter(has_text="Removed Ada Mentee")).to_be_visible()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Ada Mentee", exact=True)).to_have_count(0)

    # The session: Eva moved up from the waitlist to Ada's seat.
    page.goto(f"{live_server.url}{upcoming.get_absolute_url()}")
    participants = page.get_by_role("region", name="Participants (3)")
    expect(participants.get_by_role("link", name="Eva Mentee")).to_be_visible()
    expect(participants.get_by_role("link", name="Ben Mentee")).to_be_visible()
    expect(participants.get_by_text("Ada Mentee")).to_have_count(0)
    expect(participants.get_by_role("heading", name="Waitlist")).to_have_count(0)
    look(page, f"reports-05-{size}-seat-went-to-the-waitlist")
    statuses = dict(upcoming.participants.values_list("user__full_name", "status"))
    assert statuses["Eva Mentee"] == Participant.Status.REGISTERED
    assert statuses["Ada Mentee"] == Participant.Status.LEFT


@pytest.mark.usefixtures("program")
def test_a_refused_day_keeps_the_days_in_sight_and_without_script_they_always_are(
    page: Page, live_server, browser
):
    sign_in(page, live_server, "maria@example.org", PASSWORD)
    page.goto(f"{live_server.url}/manage/alpha/reports/?period=custom&start=2026-03-10&end=2026-03-01")
    filters = page.get_by_role("search", name="Report filters")
    expect(filters.get_by_label("To")).to_be_visible()
    expect(filters.get_by_text("Choose a day on or after the first day.")).to_be_visible()
    # No figures, tables or downloads of another period until the days are fixed.
    expect(page.get_by_text("Fix the filters above to see the report.")).to_be_visible()
    expect(page.locator(".stat")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("CSV"))).to_have_count(0)
    look(page, "reports-06-desktop-refused-day")

    # A browser without script shows every field and sends them all: the page reads them alike.
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORT, timezone_id=TIME_ZONE)
    context.add_cookies(page.context.cookies())  # signed in as above
    plain = context.new_page()
    plain.goto(f"{live_server.url}/manage/alpha/reports/")
    filters = plain.get_by_role("search", name="Report filters")
    expect(filters.get_by_label("From")).to_be_visible()
    filters.get_by_label("Cohort").select_option(label="Spring cohort")
    filters.get_by_role("button", name="Show").click()
    expect(plain.locator(".report-scope").first).to_contain_text("people of the cohort Spring cohort")
    assert parse_qs(urlsplit(plain.url).query, keep_blank_values=True)["start"] == [""]
    expect(stat(plain, "Sessions held")).to_have_text("1")
    context.close()


@pytest.mark.usefixtures("program")
def test_the_periods_hint_about_the_days_shows_only_with_them(page: Page, live_server):
    sign_in(page, live_server, "maria@example.org", PASSWORD)
    page.goto(f"{live_server.url}/manage/alpha/reports/")
    filters = page.get_by_role("search", name="Report filters")
    hint = filters.get_by_text("Custom: choose the first and last days.")

    expect(hint).to_be_hidden()
    filters.get_by_label("Period").select_option(label="Custom")
    expect(hint).to_be_visible()
    expect(filters.get_by_label("From")).to_be_visible()
    filters.get_by_label("Period").select_option(label="Last quarter")
    expect(hint).to_be_hidden()
    expect(filters.get_by_label("From")).to_be_hidden()


@pytest.mark.usefixtures("program")
def test_on_a_phone_each_member_shows_name_email_role_cohorts_and_tags_without_sideways_scrolling(
    page: Page, live_server
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "maria@example.org", PASSWORD)
    page.goto(f"{live_server.url}/manage/alpha/members/")

    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Ada Mentee"))
    for text in ("Ada Mentee", "Mentee", "Spring cohort"):
        cell = row.get_by_text(text, exact=True).first
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box, text
        assert 0 <= box["x"] <= box["x"] + box["width"] <= PHONE["width"], text
    email = row.locator("td.person-email")
    expect(email).to_be_visible()
    box = email.bounding_box()
    assert box
    assert box["x"] + box["width"] <= PHONE["width"]
    for label in ("Email", "Role", "Cohorts", "Tags"):
        expect(row.locator(f'td[data-label="{label}"]')).to_be_visible()
    assert_no_sideways_scroll(page, PHONE)
    look(page, "members-01-phone")
