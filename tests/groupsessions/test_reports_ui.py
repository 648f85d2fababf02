"""Manager > Reports as a manager reads it: singular and plural figures, who counts as waitlisted,
the filters read once for the page and its downloads, the download links' names, and the markup
the phone layout and the filters' script rely on."""

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from mentorcircle.groupsessions import selectors, services
from mentorcircle.groupsessions.forms import ReportFilterForm
from mentorcircle.groupsessions.models import Participant
from mentorcircle.programs.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.groupsessions.conftest import create_session
from tests.helpers import page_text

Status = Participant.Status
NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
STARTS = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)  # a Monday
WEEK = {"period": "custom", "start": "2027-03-01", "end": "2027-03-07"}


@pytest.fixture
def small(personas):
    """One held session with one seat besides the host's: Ada took it, came and rated it; Ben
    joined the waitlist and left it before the start."""
    ada, ben = (
        MembershipFactory(
            program=personas.program, role=Membership.Role.MENTEE, user=UserFactory(full_name=name)
        ).user
        for name in ("Ada Lovelace", "Ben Okri")
    )
    session = create_session(
        personas.program, personas.mentor, now=CREATED, starts_at=STARTS, max_participants=2
    )
    services.participant_join(session=session, user=ada, now=CREATED + timedelta(hours=1))
    services.participant_join(session=session, user=ben, now=CREATED + timedelta(hours=2))
    services.participant_leave(session=session, user=ben, now=CREATED + timedelta(days=1))
    seat = Participant.objects.get(session=session, user=ada)
    services.participant_enter_call(participant=seat, now=STARTS + timedelta(minutes=5))
    services.feedback_give(participant=seat, rating=4, now=session.ends_at + timedelta(hours=1))
    return personas, session, ada, ben


def reports_url(**query) -> str:
    return f"{reverse('manage:reports', args=['alpha'])}?{'&'.join(f'{k}={v}' for k, v in query.items())}"


def stat(text: str, label: str) -> str:
    match = re.search(
        rf"<dt>{re.escape(label)}</dt><dd class=\"stat-value\">(.*?)</dd><dd class=\"stat-note\">(.*?)</dd>",
        text,
    )
    assert match, label
    return f"{match.group(1)} | {re.sub(r'<[^>]+>', '', match.group(2))}"


@pytest.fixture
def manager_client(client, small):
    with time_machine.travel(NOW, tick=False):
        client.force_login(small[0].manager)
        yield client


# ---- Who counts as waitlisted ------------------------------------------------------------------


def test_leaving_the_waitlist_keeps_when_they_joined_it_and_a_new_join_goes_to_the_back(small):
    personas, session, _ada, ben = small
    place = Participant.objects.get(session=session, user=ben)

    assert place.status == Status.LEFT
    assert place.waitlisted_at == CREATED + timedelta(hours=2)

    other = MembershipFactory(program=personas.program, role=Membership.Role.MENTEE).user
    services.participant_join(session=session, user=other, now=CREATED + timedelta(days=2))
    again = services.participant_join(session=session, user=ben, now=CREATED + timedelta(days=3))

    assert again.status == Status.WAITLISTED
    assert again.waitlisted_at == CREATED + timedelta(days=3)
    assert selectors.waitlist_position(participant=again) == 2


def test_someone_who_left_the_waitlist_is_counted_as_waitlisted(manager_client):
    text = page_text(manager_client.get(reports_url(**WEEK)))

    assert stat(text, "Waitlisted") == "1 | 0 moved up to a seat"


def test_how_the_figures_are_counted_covers_the_waitlist_and_removed_members(manager_client):
    text = page_text(manager_client.get(reports_url(**WEEK)))
    notes = re.sub(r"\s+", " ", text[text.index("How the figures are counted") : text.index("</details>")])

    assert "Waitlisted: everyone who joined a waitlist, whether they are still waiting" in notes
    assert "or left it" in notes
    assert "is not counted" not in notes
    assert (
        "A member removed from the program loses their cohorts and tags, so their past sessions "
        "still count in the program's figures but under no cohort or tag."
    ) in notes


# ---- Singular and plural -------------------------------------------------------------------------


def test_figures_of_one_read_in_the_singular(manager_client):
    text = page_text(manager_client.get(reports_url(**WEEK)))
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))

    summary = "In the week of 1 Mar 2027: 1 session held and 1 place attended in all."
    assert f'<desc id="chart-desc">{summary}</desc>' in text
    assert f'<figcaption class="muted">{summary}</figcaption>' in text
    assert "Most sessions" not in text  # one week: nothing to compare
    assert stat(text, "Sessions held") == "1 | 0 still to come"
    assert stat(text, "Average rating") == "4 | out of 5, from 1 rating"
    assert stat(text, "Fill rate") == "100% | 2 of 2 seats of held sessions, hosts included"
    assert "1 session. Seats (the host's included)" in plain
    assert "1 member (mentors and mentees) has never registered" in plain
    for wrong in ("1 places", "1 sessions", "1 ratings", "1 members", "1 seats"):
        assert wrong not in plain, wrong


def test_the_chart_summary_names_both_ends_of_a_longer_period(manager_client):
    text = page_text(manager_client.get(reports_url(period="custom", start="2027-02-22", end="2027-03-07")))

    assert (
        "Per week, from the week of 22 Feb 2027 to the week of 1 Mar 2027: 1 session held and "
        "1 place attended in all. Most sessions: the week of 1 Mar 2027 (1)."
    ) in text


def test_the_fill_rate_of_nothing_held_counts_zero_seats(manager_client):
    text = page_text(manager_client.get(reports_url(period="custom", start="2027-06-01", end="2027-06-30")))

    assert stat(text, "Fill rate") == "– | 0 of 0 seats of held sessions, hosts included"


# ---- One reading of the filters ------------------------------------------------------------------


def test_the_filters_end_on_the_programs_own_day_by_default(small):
    personas = small[0]
    personas.program.time_zone = "Pacific/Auckland"  # 13 hours ahead: already the 16th
    with time_machine.travel(datetime(2027, 3, 15, 20, 0, tzinfo=UTC), tick=False):
        filters = ReportFilterForm({"period": "30d"}, program=personas.program).filters()

    assert filters.end == date(2027, 3, 16)


def test_the_filters_leave_out_what_does_not_validate_without_a_separate_check(small):
    personas = small[0]
    form = ReportFilterForm(
        {"period": "custom", "start": "2027-03-10", "end": "2027-03-01", "host": "999999"},
        program=personas.program,
    )

    filters = form.filters(today=date(2027, 3, 15))

    assert (filters.start, filters.end, filters.host) == (date(2027, 3, 10), None, None)
    assert set(form.errors) == {"end", "host"}


@pytest.mark.parametrize("name", ["export_sessions", "export_participants", "export_members"])
def test_a_download_reads_the_filters_as_the_page_does(manager_client, name):
    url = reverse(f"manage:{name}", args=["alpha"])

    refused = manager_client.get(f"{url}?period=custom&start=2027-03-01&end=2027-02-01")
    opened = manager_client.get(f"{url}?period=custom&start=2027-03-01")

    # The end before the start is refused, on the page and for the file alike: no file.
    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("manage:reports", args=["alpha"]) + "?")
    assert opened.status_code == 200
    assert opened["Content-Disposition"].endswith('-from-2027-03-01.csv"')


# ---- The page's markup -------------------------------------------------------------------------


def test_the_csv_links_say_what_they_download(manager_client):
    text = page_text(manager_client.get(reports_url(**WEEK)))
    downloads = text[text.index('id="downloads"') :]

    links = re.findall(
        r'<a href="/manage/alpha/reports/[^"]+" download aria-label="([^"]+)">(.*?)</a>', downloads
    )
    assert links == [
        ("Download sessions (CSV)", "Sessions (CSV)"),
        ("Download participants (CSV)", "Participants (CSV)"),
        ("Download members (CSV)", "Members (CSV)"),
    ]
    assert '<h2 id="downloads-title">Download CSV</h2>' in downloads


def test_each_figure_in_the_phone_tables_carries_its_label(manager_client):
    text = page_text(manager_client.get(reports_url(**WEEK)))

    for table in re.findall(r'<table class="table[^"]*stack-table[^"]*">.*?</table>', text, re.S):
        for cell in re.findall(r"<td([^>]*)>", table):
            assert "data-label=" in cell or 'class="title"' in cell or "session-status" in cell, cell
    assert text.count("stack-table") == 3  # by host, by session, never registered


def test_the_days_are_in_the_page_for_browsers_without_script(manager_client):
    text = page_text(manager_client.get(reports_url(period="30d")))

    # The script hides them unless the period is Custom; the page itself always has them.
    for name in ("start", "end"):
        field = re.search(rf'<div class="field[^"]*">\s*<label for="id_{name}">.*?</div>', text, re.S)
        assert field, name
        assert "hidden" not in field.group(0)
        assert "data-custom-day" in field.group(0)
    assert '<details class="chart-data">' in text  # the chart's table starts closed


# ---- Filters to fix ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "custom", "start": "2027-03-07", "end": "2027-03-01"}, "end", "Choose a day on or after"),
        ({"period": "custom", "start": "1900-01-01", "end": "2027-03-07"}, "start", "from the year 2000"),
        ({"period": "all", "cohort": "999999"}, "cohort", "Select a valid choice"),
    ],
)
def test_filters_to_fix_show_their_error_and_no_figures_of_another_period(
    manager_client, query, field, message
):
    response = manager_client.get(reports_url(**query))
    text = page_text(response)

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert message in text
    assert "Fix the filters above to see the report." in text
    for absent in ("Sessions held", "By host", "By session", "Never registered", "(CSV)", "chart-svg"):
        assert absent not in text, absent
    assert "Sessions starting" not in text  # no period other than the one asked for is named
    assert "Copy link to this report" not in text
    assert "figures" not in response.context


def test_days_left_in_the_form_with_a_preset_period_change_nothing(manager_client):
    text = page_text(manager_client.get(reports_url(period="all", start="1900-01-01", end="x")))

    assert "Fix the filters" not in text
    assert stat(text, "Sessions held").startswith("1 |")


# ---- Last quarter --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 12, 1), date(2026, 7, 1), date(2026, 9, 30)),
        (date(2027, 1, 1), date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 3, 31), date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 4, 1), date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 8, 15), date(2027, 4, 1), date(2027, 6, 30)),
    ],
)
def test_last_quarter_is_the_calendar_quarter_before_todays(small, today, first, last):
    form = ReportFilterForm({"period": "quarter"}, program=small[0].program)

    filters = form.filters(today=today)

    assert (filters.start, filters.end) == (first, last)


def test_last_quarter_starts_from_the_programs_own_day(small):
    program = small[0].program
    program.time_zone = "Pacific/Auckland"  # 13 hours ahead: already 1 January 2027
    with time_machine.travel(datetime(2026, 12, 31, 12, 0, tzinfo=UTC), tick=False):
        filters = ReportFilterForm({"period": "quarter"}, program=program).filters()

    assert (filters.start, filters.end) == (date(2026, 10, 1), date(2026, 12, 31))


def test_the_periods_offered_include_last_quarter(manager_client):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        response = manager_client.get(reports_url(period="quarter"))
    text = page_text(response)

    options = re.findall(r"<option value=\"[^\"]*\"[^>]*>([^<]+)</option>", text.split('name="start"')[0])
    assert options == ["Last 30 days", "Last 90 days", "Last quarter", "This year", "All time", "Custom"]
    assert "Sessions starting between 1 Jul 2026 and 30 Sep 2026" in text
    assert '<option value="quarter" selected>Last quarter</option>' in text
    assert 'id="id_period_helptext"' in text  # the hint the script hides with the days


# ---- Links land on their table -------------------------------------------------------------------


@pytest.fixture
def many(small):
    """Enough hosts, sessions and people who never registered for two pages of each table."""
    personas = small[0]
    for number in range(22):
        host = MembershipFactory(
            program=personas.program,
            role=Membership.Role.MENTOR,
            user=UserFactory(full_name=f"Host {number}"),
        ).user
        create_session(
            personas.program,
            host,
            now=CREATED,
            starts_at=STARTS + timedelta(hours=number),
            max_participants=2,
        )
    for _ in range(22):
        MembershipFactory(program=personas.program, role=Membership.Role.MENTEE)
    return small


@pytest.mark.usefixtures("many")
def test_sort_and_page_links_land_on_their_table(manager_client):
    text = html.unescape(page_text(manager_client.get(reports_url(period="all"))))

    sections = {"hosts": "by-host", "sessions": "by-session", "people": "never-registered"}
    for section in sections.values():
        assert f'<section id="{section}"' in text
    for table in ("hosts", "sessions"):
        sorts = re.findall(rf'<a href="(\?[^"]*{table}_sort=[^"]*)" class="sort-link">', text)
        assert sorts, table
        assert all(href.endswith(f"#{sections[table]}") for href in sorts), sorts
    for table, section in sections.items():
        pages = re.findall(rf'<a href="(\?[^"]*{table}_page=[^"]*)">', text)
        assert pages, table
        assert all(href.endswith(f"#{section}") for href in pages), pages


@pytest.mark.usefixtures("many")
@pytest.mark.parametrize("number", ["0", "-1", "-99", "x", "1.5", "", "٣"])
def test_a_page_number_that_is_no_page_shows_the_first_page(manager_client, number):
    response = manager_client.get(reports_url(period="all", sessions_page=number, people_page=number))

    assert response.context["sessions"].number == 1
    assert response.context["people"].number == 1


@pytest.mark.usefixtures("many")
@pytest.mark.parametrize("number", ["2", "3", "99", "9" * 40])
def test_a_page_number_past_the_end_shows_the_last_page(manager_client, number):
    response = manager_client.get(reports_url(period="all", sessions_page=number))

    assert response.context["sessions"].number == 2


# ---- Reach ---------------------------------------------------------------------------------------


def test_reach_names_the_host_chosen(manager_client, small):
    mentor = small[0].mentor
    everyone = page_text(manager_client.get(reports_url(period="all")))
    hosted = page_text(manager_client.get(reports_url(period="all", host=mentor.pk)))

    assert "attended at least one session in this period." in everyone
    assert f"attended at least one of {mentor.full_name}'s sessions in this period." in html.unescape(hosted)
