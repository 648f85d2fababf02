"""Calendars: the "Add to calendar" file and links on the session page, and the personal feed a
calendar app subscribes to. Every file is parsed back with icalendar."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from icalendar import Calendar

from mentorcircle.groupsessions.models import GroupSession
from mentorcircle.notifications.models import preferences_for
from tests.helpers import run_tasks
from tests.notifications.conftest import (
    PARIS,
    STARTS,
    attendees,
    calendar,
    cancel,
    committed,
    create,
    invite,
    join,
    leave,
    member,
    the_email,
    the_event,
)

pytestmark = pytest.mark.usefixtures("clock")
TITLE = "Negotiating your first salary"


@pytest.fixture
def session(personas) -> GroupSession:
    return create(personas.program, personas.mentor)


def parsed(response) -> Calendar:
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events_by_title(feed: Calendar) -> dict:
    return {str(event["SUMMARY"]): event for event in feed.walk("VEVENT")}


# ---- "Add to calendar" on the session page ------------------------------------------------------


def test_a_member_downloads_the_session_as_a_calendar_file(client, personas, session):
    client.force_login(personas.mentee)

    response = client.get(reverse("groupsessions:calendar", args=[session.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="session-{session.pk}.ics"'
    download = parsed(response)
    assert str(download["METHOD"]) == "PUBLISH"
    event = the_event(download)
    assert str(event["UID"]) == f"group-session-{session.pk}@testserver"
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == STARTS + timedelta(hours=1)
    assert str(event["SUMMARY"]) == TITLE
    assert str(event["URL"]) == f"http://testserver/sessions/{session.pk}/"
    assert attendees(event) == []  # nobody's address in a file anyone in the program may fetch


def test_the_downloaded_file_is_the_same_event_as_the_emailed_invite(client, personas, session):
    join(session, personas.mentee)
    run_tasks()
    client.force_login(personas.mentee)

    download = the_event(parsed(client.get(reverse("groupsessions:calendar", args=[session.pk]))))
    emailed = the_event(calendar(the_email(personas.mentee, "You're registered")))

    assert download["UID"] == emailed["UID"]
    assert download["SEQUENCE"] == emailed["SEQUENCE"]


def test_the_calendar_file_needs_a_signed_in_member(client, personas, session):
    url = reverse("groupsessions:calendar", args=[session.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert urlsplit(anonymous["Location"]).path == reverse("account_login")

    for outsider in (personas.outsider, personas.other_manager):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code == 404
        assert b"BEGIN:VCALENDAR" not in response.content


def test_the_session_page_offers_google_and_outlook_links(client, personas, session):
    client.force_login(personas.mentee)
    page = client.get(session.get_absolute_url()).content.decode()

    hrefs = [unescape(href) for href in re.findall(r'href="([^"]+)"', page)]
    (google,) = [h for h in hrefs if h.startswith("https://calendar.google.com/")]
    (outlook,) = [h for h in hrefs if h.startswith("https://outlook.live.com/")]
    assert reverse("groupsessions:calendar", args=[session.pk]) in hrefs
    session_url = f"http://testserver/sessions/{session.pk}/"

    google_query = parse_qs(urlsplit(google).query)
    assert google_query["action"] == ["TEMPLATE"]
    assert google_query["text"] == [TITLE]
    assert google_query["dates"] == ["20270308T090000Z/20270308T100000Z"]
    assert session_url in google_query["details"][0]

    outlook_query = parse_qs(urlsplit(outlook).query)
    assert outlook_query["subject"] == [TITLE]
    assert outlook_query["startdt"] == ["2027-03-08T09:00:00Z"]
    assert outlook_query["enddt"] == ["2027-03-08T10:00:00Z"]
    assert session_url in outlook_query["body"][0]


# ---- The personal feed -------------------------------------------------------------------------


def feed_url(user) -> str:
    return reverse("notifications:feed", args=[preferences_for(user).calendar_token])


def test_the_personal_feed_lists_the_sessions_one_hosts_or_holds_a_seat_in(client, personas):
    mentor, program = personas.mentor, personas.program
    hosted = create(program, mentor, title="Hosted by me")
    joined = create(program, personas.manager, title="I joined")
    called_off = create(program, personas.manager, title="Called off")
    waiting = create(program, personas.manager, title="Waiting for a seat", max_participants=2)
    invited = create(program, personas.manager, title="Only invited")
    gave_up = create(program, personas.manager, title="I left")
    for session in (joined, called_off, gave_up):
        join(session, mentor)
    join(waiting, personas.mentee)
    join(waiting, mentor)
    invite(invited, personas.manager, mentor)
    leave(gave_up, mentor)
    cancel(called_off, personas.manager, reason="Snow")

    response = client.get(feed_url(mentor))  # no sign-in: a calendar app fetches it

    assert response.status_code == 200
    feed = parsed(response)
    events = events_by_title(feed)
    assert set(events) == {"Hosted by me", "I joined", "Called off"}
    assert str(events["Called off"]["STATUS"]) == "CANCELLED"
    assert str(events["I joined"]["STATUS"]) == "CONFIRMED"
    assert events["Hosted by me"]["UID"] == f"group-session-{hosted.pk}@testserver"
    for event in events.values():
        assert attendees(event) == [mentor.email.lower()]
    assert "METHOD" not in feed  # a subscription, not an invitation


@pytest.mark.usefixtures("session")
def test_a_wrong_feed_address_is_not_found(client, personas):
    preferences_for(personas.mentor)

    assert client.get(reverse("notifications:feed", args=["not-the-token"])).status_code == 404


@pytest.mark.usefixtures("session")
def test_resetting_the_feed_address_retires_the_old_one(client, personas):
    old = feed_url(personas.mentor)
    client.force_login(personas.mentor)

    page = client.get(reverse("notifications:preferences")).content.decode()
    assert f"http://testserver{old}" in page
    client.post(reverse("notifications:calendar_reset"))
    client.logout()

    new = feed_url(personas.mentor)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


# ---- Daylight saving -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_start", "utc_start"),
    [
        ("2027-03-27T10:00", datetime(2027, 3, 27, 9, 0, tzinfo=UTC)),  # still winter time (UTC+1)
        ("2027-03-28T10:00", datetime(2027, 3, 28, 8, 0, tzinfo=UTC)),  # summer time began at 02:00
    ],
)
def test_a_session_set_in_paris_across_the_clock_change_has_the_right_instant_everywhere(
    client, personas, local_start, utc_start
):
    paris_member = member(personas.program, full_name="Pia Paris", time_zone="Europe/Paris")
    client.force_login(personas.manager)
    with committed():
        response = client.post(
            reverse("manage:session_create", args=[personas.program.slug]),
            {
                "program": str(personas.program.pk),
                "title": TITLE,
                "description": "Across the clock change.",
                "starts_at": local_start,
                "time_zone": "Europe/Paris",
                "duration_hours": "1",
                "duration_minutes": "0",
            },
        )
    assert response.status_code == 302
    session = GroupSession.objects.get(host=personas.manager)
    join(session, paris_member)
    run_tasks()

    emailed = the_event(calendar(the_email(paris_member, "You're registered")))
    assert emailed.decoded("DTSTART") == utc_start
    assert emailed.decoded("DTEND") == utc_start + timedelta(hours=1)
    assert emailed.to_ical().decode().count(f"DTSTART:{utc_start:%Y%m%dT%H%M%S}Z") == 1
    day = datetime.fromisoformat(local_start).strftime("%a %-d %b %Y")
    assert f"{day}, 10:00 (Europe/Paris)" in the_email(paris_member, "You're registered").body

    client.force_login(paris_member)
    download = the_event(parsed(client.get(reverse("groupsessions:calendar", args=[session.pk]))))
    assert download.decoded("DTSTART") == utc_start
    feed = events_by_title(parsed(client.get(feed_url(paris_member))))
    assert feed[TITLE].decoded("DTSTART") == utc_start
    assert utc_start.astimezone(PARIS).hour == 10
