"""Every email a session sends, as the person reading it sees it: who gets it, what it says, what
calendar file comes with it, in their own time zone, with the links they need."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentorcircle.groupsessions.models import GroupSession
from mentorcircle.groupsessions.tasks import decide_session
from mentorcircle.notifications import tasks
from mentorcircle.notifications.models import Delivery
from tests.helpers import page_text, run_tasks
from tests.notifications.conftest import (
    NOW,
    SESSION_EMAIL_KINDS,
    STARTS,
    attendees,
    calendar,
    cancel,
    choose_registration_emails,
    create,
    decline,
    edit,
    has_calendar,
    html,
    inbox,
    invite,
    join,
    leave,
    member,
    subjects,
    the_email,
    the_event,
)

pytestmark = pytest.mark.usefixtures("clock")
TITLE = "Negotiating your first salary"


@pytest.fixture
def session(personas) -> GroupSession:
    """The mentor's session for 5 (host included), a week from now."""
    return create(personas.program, personas.mentor, max_participants=5)


def times_run(task) -> int:
    """How many runs of `task` the worker has finished."""
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.SUCCESSFUL).count()


# ---- To the host -------------------------------------------------------------------------------


def test_a_host_who_chose_each_one_is_told_of_each_registration_with_the_name_and_the_spots_left(
    personas, session
):
    choose_registration_emails(personas.mentor, "each")
    second = member(personas.program, full_name="Sam Second")
    join(session, personas.mentee)
    run_tasks()
    join(session, second)
    run_tasks()

    first_note = the_email(personas.mentor, "Mina Mentee registered for")
    second_note = the_email(personas.mentor, "Sam Second registered for")
    assert first_note.subject == f"Mina Mentee registered for {TITLE}"
    assert "Mina Mentee registered for" in first_note.body
    assert "3 spots left." in first_note.body  # 5 seats: the host, Mina
    assert "2 spots left." in second_note.body
    assert "Sam Second" in html(second_note)
    assert "2 spots left." in html(second_note)


def test_the_last_seat_is_announced_as_one_spot_left(personas):
    session = create(personas.program, personas.mentor, max_participants=3)
    join(session, personas.mentee)
    run_tasks()

    assert "1 spot left." in the_email(personas.mentor, "Mina Mentee registered").body


def test_the_host_is_told_when_an_invitation_is_declined(personas, session):
    invite(session, personas.mentor, personas.mentee)
    decline(session, personas.mentee)
    run_tasks()

    note = the_email(personas.mentor, "Mina Mentee declined")
    assert note.subject == f"Mina Mentee declined: {TITLE}"
    assert "Mina Mentee declined your invitation" in note.body


# ---- To a participant --------------------------------------------------------------------------


def test_registering_sends_a_confirmation_with_a_calendar_invite(personas, session):
    join(session, personas.mentee)
    run_tasks()

    confirmation = the_email(personas.mentee, "You're registered")
    assert confirmation.subject == f"You're registered: {TITLE}"
    invite_file = calendar(confirmation)
    assert str(invite_file["METHOD"]) == "REQUEST"
    event = the_event(invite_file)
    assert str(event["UID"]) == f"group-session-{session.pk}@testserver"
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == STARTS + timedelta(hours=1)
    assert str(event["SUMMARY"]) == TITLE
    assert str(event["STATUS"]) == "CONFIRMED"
    assert attendees(event) == [personas.mentee.email]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"starts_at": STARTS + timedelta(days=2)}, "Wed 10 Mar 2027, 09:00"),
        ({"duration": timedelta(minutes=90)}, "1 hour 30 minutes"),
        ({"title": "Negotiating a raise"}, "Negotiating a raise"),
    ],
    ids=["time", "duration", "title"],
)
def test_an_edit_sends_an_update_with_the_same_calendar_event_and_a_higher_sequence(
    personas, session, change, expected
):
    join(session, personas.mentee)
    run_tasks()
    first = the_event(calendar(the_email(personas.mentee, "You're registered")))

    edit(session, personas.mentor, **change)
    run_tasks()

    update = the_email(personas.mentee, "Updated:")
    assert expected in update.body
    event = the_event(calendar(update))
    assert str(calendar(update)["METHOD"]) == "REQUEST"
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] > first["SEQUENCE"]
    starts = change.get("starts_at", STARTS)
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + change.get("duration", timedelta(hours=1))
    assert str(event["SUMMARY"]) == change.get("title", TITLE)


def test_editing_only_the_description_sends_no_update(personas, session):
    join(session, personas.mentee)
    run_tasks()

    edit(session, personas.mentor, description="Now with a worked example.", max_participants=6)
    run_tasks()

    session.refresh_from_db()
    assert (session.description, session.max_participants) == ("Now with a worked example.", 6)
    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]
    # A change of title, the same way, does reach the mentee.
    edit(session, personas.mentor, title="Negotiating a raise")
    run_tasks()
    assert [s for s in subjects(personas.mentee) if s.startswith("Updated")] == [
        "Updated: Negotiating a raise"
    ]


def test_a_cancellation_reaches_everyone_affected_with_the_reason(personas):
    session = create(personas.program, personas.mentor, max_participants=2)
    waiting = member(personas.program, full_name="Wes Waiter")
    invited = member(personas.program, full_name="Ivy Invited")
    gone = member(personas.program, full_name="Lou Left")
    join(session, personas.mentee)
    join(session, waiting)
    invite(session, personas.mentor, invited, gone)
    decline(session, gone)
    run_tasks()
    first = the_event(calendar(the_email(personas.mentee, "You're registered")))

    cancel(session, personas.mentor, reason="The speaker is ill")
    run_tasks()

    for person in (personas.mentee, waiting, invited):
        notice = the_email(person, "Cancelled:")
        assert notice.subject == f"Cancelled: {TITLE}"
        assert "Reason: The speaker is ill" in notice.body
        assert "Reason: The speaker is ill" in html(notice)
    # Only a seat-holder has the event in their calendar to remove.
    cancel_file = calendar(the_email(personas.mentee, "Cancelled:"))
    assert str(cancel_file["METHOD"]) == "CANCEL"
    event = the_event(cancel_file)
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] > first["SEQUENCE"]
    assert str(event["STATUS"]) == "CANCELLED"
    assert not has_calendar(the_email(waiting, "Cancelled:"))
    assert not has_calendar(the_email(invited, "Cancelled:"))
    # Whoever declined is no longer involved; the host cancelled it themselves.
    assert not [s for s in subjects(gone) if s.startswith("Cancelled")]
    assert not [s for s in subjects(personas.mentor) if s.startswith("Cancelled")]


def test_the_host_is_told_when_a_program_manager_cancels_their_session(personas, session):
    join(session, personas.mentee)
    run_tasks()

    cancel(session, personas.manager, reason="Program paused")
    run_tasks()

    host_notice = the_email(personas.mentor, "Cancelled:")
    assert "Reason: Program paused" in host_notice.body
    assert str(calendar(host_notice)["METHOD"]) == "CANCEL"
    assert not [s for s in subjects(personas.manager) if s.startswith("Cancelled")]


def test_leaving_sends_a_calendar_cancel_for_that_person_only(personas, session):
    stays = member(personas.program, full_name="Stan Stays")
    join(session, personas.mentee)
    join(session, stays)
    run_tasks()

    leave(session, personas.mentee)
    run_tasks()

    notice = the_email(personas.mentee, "You left")
    assert str(calendar(notice)["METHOD"]) == "CANCEL"
    assert subjects(stays) == [f"You're registered: {TITLE}"]


def test_the_first_in_line_is_told_when_a_seat_frees_up(personas):
    session = create(personas.program, personas.mentor, max_participants=2)
    first_waiting = member(personas.program, full_name="Fay First")
    second_waiting = member(personas.program, full_name="Sid Second")
    join(session, personas.mentee)
    join(session, first_waiting)
    join(session, second_waiting)
    run_tasks()
    assert the_email(first_waiting, "You're on the waitlist").subject == f"You're on the waitlist: {TITLE}"

    leave(session, personas.mentee)
    run_tasks()

    promotion = the_email(first_waiting, "A seat freed up")
    assert "you're now registered" in promotion.body
    assert str(calendar(promotion)["METHOD"]) == "REQUEST"
    assert attendees(the_event(calendar(promotion))) == [first_waiting.email]
    assert not [s for s in subjects(second_waiting) if s.startswith("A seat freed up")]


# ---- The quorum decision -----------------------------------------------------------------------


def test_a_session_that_reached_its_minimum_is_confirmed_at_decision_time(personas, clock):
    session = create(personas.program, personas.mentor, min_participants=2)
    join(session, personas.mentee)
    run_tasks()
    assert not [s for s in subjects(personas.mentee) if s.startswith("Confirmed")]

    clock.move_to(session.decide_at)
    run_tasks()

    for person in (personas.mentor, personas.mentee):
        message = the_email(person, "Confirmed:")
        assert message.subject == f"Confirmed: {TITLE} will be held"
        assert "will be held" in message.body
    session.refresh_from_db()
    assert session.status == GroupSession.Status.CONFIRMED


def test_below_the_minimum_the_session_is_cancelled_and_everyone_including_the_host_is_told(personas, clock):
    session = create(personas.program, personas.mentor, min_participants=3)
    join(session, personas.mentee)
    run_tasks()

    clock.move_to(session.decide_at - timedelta(minutes=1))
    run_tasks()
    assert not [m for m in mail.outbox if m.subject.startswith("Cancelled")]

    clock.move_to(session.decide_at)
    run_tasks()

    for person in (personas.mentor, personas.mentee):
        notice = the_email(person, "Cancelled:")
        assert "Reason: Not enough participants" in notice.body
        assert str(calendar(notice)["METHOD"]) == "CANCEL"
    session.refresh_from_db()
    assert session.status == GroupSession.Status.CANCELLED


def test_a_session_created_two_hours_ahead_below_its_minimum_is_called_off_an_hour_before(personas, clock):
    session = create(
        personas.program, personas.mentor, starts_at=NOW + timedelta(hours=2), min_participants=3
    )
    join(session, personas.mentee)
    run_tasks()

    clock.move_to(NOW + timedelta(minutes=59))
    run_tasks()
    assert not [m for m in mail.outbox if m.subject.startswith("Cancelled")]

    clock.move_to(NOW + timedelta(hours=1, minutes=1))
    run_tasks()

    for person in (personas.mentor, personas.mentee):
        assert "Reason: Not enough participants" in the_email(person, "Cancelled:").body
    session.refresh_from_db()
    assert session.starts_at - session.cancelled_at > timedelta(minutes=58)  # told an hour ahead


def test_a_session_created_two_hours_ahead_that_the_host_fills_is_held_without_a_confirmation(
    personas, clock
):
    session = create(personas.program, personas.mentor, starts_at=NOW + timedelta(hours=2))
    join(session, personas.mentee)

    for moment in (session.decide_at, session.starts_at):
        clock.move_to(moment)
        run_tasks()

    session.refresh_from_db()
    assert session.status == GroupSession.Status.CONFIRMED
    assert times_run(decide_session) == 1  # the decision ran, and had nothing left to decide
    assert the_email(personas.mentee, "You're registered")
    assert not [m for m in mail.outbox if m.subject.startswith(("Confirmed", "Cancelled"))]


# ---- Reminders ---------------------------------------------------------------------------------


def reminders(user) -> list[str]:
    return [subject for subject in subjects(user) if subject.startswith("Reminder")]


def test_reminders_arrive_24_hours_and_1_hour_before_the_start(personas, session, clock):
    join(session, personas.mentee)
    run_tasks()
    assert reminders(personas.mentee) == []

    clock.move_to(STARTS - timedelta(hours=24, minutes=1))
    run_tasks()
    assert reminders(personas.mentee) == []

    clock.move_to(STARTS - timedelta(hours=24))
    run_tasks()
    assert reminders(personas.mentee) == [f"Reminder: {TITLE} starts tomorrow"]

    clock.move_to(STARTS - timedelta(hours=1))
    run_tasks()
    assert reminders(personas.mentee) == [
        f"Reminder: {TITLE} starts tomorrow",
        f"Reminder: {TITLE} starts in 1 hour",
    ]
    for message in inbox(personas.mentee):
        if message.subject.startswith("Reminder"):
            assert "Mon 8 Mar 2027, 09:00 (Europe/London)" in message.body


def test_a_late_24_hour_reminder_gives_way_to_the_1_hour_one(personas, session, clock):
    join(session, personas.mentee)
    run_tasks()

    clock.move_to(STARTS - timedelta(minutes=50))  # the worker was down for a day
    run_tasks()

    assert reminders(personas.mentee) == [f"Reminder: {TITLE} starts in 1 hour"]


def test_no_reminder_after_leaving(personas, session, clock):
    join(session, personas.mentee)
    run_tasks()
    leave(session, personas.mentee)

    clock.move_to(STARTS - timedelta(minutes=30))
    run_tasks()

    assert the_email(personas.mentee, "You left")
    assert reminders(personas.mentor) == [f"Reminder: {TITLE} starts in 1 hour"]  # the host, still seated
    assert reminders(personas.mentee) == []


def test_no_reminder_after_a_cancel(personas, session, clock):
    join(session, personas.mentee)
    run_tasks()
    cancel(session, personas.mentor)

    clock.move_to(STARTS - timedelta(minutes=30))
    run_tasks()

    assert the_email(personas.mentee, "Cancelled:")
    assert times_run(tasks.send_reminder) == 4  # 24-hour and 1-hour, for the host and the mentee
    assert reminders(personas.mentor) == []
    assert reminders(personas.mentee) == []


def test_after_a_change_of_time_reminders_follow_the_new_start(personas, session, clock):
    join(session, personas.mentee)
    run_tasks()
    new_start = STARTS + timedelta(days=2, hours=3)
    edit(session, personas.mentor, starts_at=new_start)
    run_tasks()

    clock.move_to(STARTS - timedelta(minutes=30))
    run_tasks()
    assert reminders(personas.mentee) == []

    clock.move_to(new_start - timedelta(hours=24))
    run_tasks()
    clock.move_to(new_start - timedelta(hours=1))
    run_tasks()
    assert reminders(personas.mentee) == [
        f"Reminder: {TITLE} starts tomorrow",
        f"Reminder: {TITLE} starts in 1 hour",
    ]
    for message in inbox(personas.mentee):
        if message.subject.startswith("Reminder"):
            assert "Wed 10 Mar 2027, 12:00 (Europe/London)" in message.body


def test_someone_promoted_from_the_waitlist_gets_the_reminders(personas, clock):
    session = create(personas.program, personas.mentor, max_participants=2)
    waiting = member(personas.program)
    join(session, personas.mentee)
    join(session, waiting)
    run_tasks()
    leave(session, personas.mentee)
    run_tasks()

    clock.move_to(STARTS - timedelta(hours=24))
    run_tasks()
    clock.move_to(STARTS - timedelta(hours=1))
    run_tasks()

    assert len(reminders(waiting)) == 2
    assert reminders(personas.mentee) == []


# ---- Time zones and links ----------------------------------------------------------------------


def test_each_reader_sees_the_time_in_their_own_zone_with_the_zone_named(personas):
    host, guest = personas.mentor, personas.mentee
    host.time_zone, guest.time_zone = "Asia/Tokyo", "America/New_York"
    host.save(update_fields=["time_zone"])
    guest.save(update_fields=["time_zone"])
    session = create(personas.program, host)
    join(session, guest)
    run_tasks()

    confirmation = the_email(guest, "You're registered")
    host_note = the_email(host, "Mina Mentee registered")
    # 09:00 UTC on 8 March 2027 is 04:00 in New York (EST) and 18:00 in Tokyo.
    for text in (confirmation.body, html(confirmation)):
        assert "Mon 8 Mar 2027, 04:00 (America/New_York)" in text
        assert "Asia/Tokyo" not in text
    for text in (host_note.body, html(host_note)):
        assert "Mon 8 Mar 2027, 18:00 (Asia/Tokyo)" in text
        assert "America/New_York" not in text


def test_every_session_email_links_to_the_session_and_to_notification_preferences(tour):
    session_url = f"http://testserver/sessions/{tour.session.pk}/"
    preferences_url = "http://testserver" + reverse("notifications:preferences")
    kinds = set(Delivery.objects.filter(session=tour.session).values_list("kind", flat=True))
    assert kinds == SESSION_EMAIL_KINDS  # the tour really sent every kind

    assert len(mail.outbox) == Delivery.objects.count()
    for message in mail.outbox:
        for text in (message.body, html(message)):
            assert session_url in text, message.subject
            assert preferences_url in text, message.subject


def registration_emails_chosen(response) -> list[str]:
    """The values of the ticked "Registrations to my sessions" options."""
    options = re.findall(r'<input[^>]*name="registration_emails"[^>]*>', response.content.decode())
    assert len(options) == 3
    return [
        re.search(r'value="([^"]*)"', option).group(1)
        for option in options
        if re.search(r"\schecked[\s>]", option)
    ]


def test_choosing_no_registration_emails_on_the_preferences_page_stops_them(personas, session):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.mentor)
    page = client.get(reverse("notifications:preferences"))
    assert registration_emails_chosen(page) == ["digest"]  # the hourly digest by default
    assert "Each one" in page_text(page)
    assert "Hourly digest" in page_text(page)

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(
        reverse("notifications:preferences"),
        {"csrfmiddlewaretoken": token, "registration_emails": "none"},
        follow=True,
    )
    assert "Saved!" in page_text(response)
    assert registration_emails_chosen(response) == ["none"]
    join(session, personas.mentee)
    run_tasks()

    assert subjects(personas.mentor) == []
    assert the_email(personas.mentee, "You're registered")


@pytest.mark.usefixtures("session")
def test_the_host_is_reminded_too(personas, clock):
    run_tasks()

    clock.move_to(STARTS - timedelta(hours=24))
    run_tasks()
    clock.move_to(STARTS - timedelta(hours=1))
    run_tasks()

    assert reminders(personas.mentor) == [
        f"Reminder: {TITLE} starts tomorrow",
        f"Reminder: {TITLE} starts in 1 hour",
    ]


def test_a_new_time_reaches_the_waitlisted_and_invited_without_a_calendar_invite(personas):
    session = create(personas.program, personas.mentor, max_participants=2)
    join(session, personas.mentee)
    waiting = member(personas.program, full_name="Wes Waiter")
    join(session, waiting)
    invited = member(personas.program, full_name="Ivy Invited")
    invite(session, personas.mentor, invited)
    run_tasks()

    edit(session, personas.mentor, starts_at=STARTS + timedelta(days=1))
    run_tasks()

    assert has_calendar(the_email(personas.mentee, "Updated:"))
    for person in (waiting, invited):
        update = the_email(person, "Updated:")
        assert "Tue 9 Mar 2027" in update.body
        assert not has_calendar(update)


def test_the_host_hears_of_a_change_a_program_manager_made_but_not_of_their_own(personas, session):
    run_tasks()

    edit(session, personas.mentor, title="Negotiating a raise")
    run_tasks()
    assert [s for s in subjects(personas.mentor) if s.startswith("Updated")] == []

    edit(session, personas.manager, title="Negotiating a promotion")
    run_tasks()
    assert "Updated: Negotiating a promotion" in subjects(personas.mentor)


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"starts_at": STARTS + timedelta(days=2)},
            "Time: Mon 8 Mar 2027, 09:00 (Europe/London) → Wed 10 Mar 2027, 09:00 (Europe/London)",
        ),
        ({"duration": timedelta(minutes=90)}, "Duration: 1 hour → 1 hour 30 minutes"),
        ({"title": "Negotiating a raise"}, "Title: “Negotiating your first salary” → “Negotiating a raise”"),
    ],
    ids=["time", "duration", "title"],
)
def test_an_update_says_what_changed_from_what_to_what(personas, session, change, line):
    join(session, personas.mentee)
    run_tasks()

    edit(session, personas.mentor, **change)
    run_tasks()

    update = the_email(personas.mentee, "Updated:")
    assert line in update.body
    assert line in html(update)


def test_an_invited_persons_update_carries_their_accept_and_decline_links(personas, session):
    invite(session, personas.mentor, personas.mentee)
    run_tasks()

    edit(session, personas.mentor, starts_at=STARTS + timedelta(hours=3))
    run_tasks()

    update = the_email(personas.mentee, "Updated:")
    assert update.body.count("/rsvp/") == 2
    assert "Accept: http://testserver/rsvp/" in update.body
    assert "Decline: http://testserver/rsvp/" in update.body
