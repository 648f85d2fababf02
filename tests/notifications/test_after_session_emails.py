"""What people get after a session (the "How was it?" prompt, the recording or a "Sorry we missed
you"), and the personal join link every seat's emails and calendar files carry instead of the
room's address. Background work runs through tests.helpers.run_tasks(), as the worker would, with
the clock travelling through the session."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant
from mentorcircle.notifications import tasks
from mentorcircle.notifications.models import Notice
from tests.helpers import field_errors, page_text, run_tasks
from tests.notifications.conftest import (
    STARTS,
    attachment_texts,
    calendar,
    committed,
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
ENDS = STARTS + timedelta(hours=1)
FOLLOW_UP = ENDS + timedelta(minutes=10)  # attendees are asked 10 minutes after the end
RECORDING = "https://video.example.org/recordings/42"
ASKED = f"How was {TITLE}?"


def row(session: GroupSession, user: User) -> Participant:
    return Participant.objects.select_related("session", "user").get(session=session, user=user)


def enter_call(session: GroupSession, user: User) -> str:
    """The person opens their join link while the call is open (the clock says when)."""
    response = Client().get(row(session, user).join_path())
    assert response.status_code == 302, page_text(response)
    return response["Location"]


def join_url(participant: Participant) -> str:
    return f"http://testserver/join/{participant.join_token}/"


def everything_in(message: EmailMessage) -> str:
    """All a recipient (or their mail client) can read: subject, text, HTML and attachments."""
    return "\n".join([message.subject, message.body, html(message), *attachment_texts(message)])


def notices(kind: str) -> list[str]:
    return sorted(Notice.objects.filter(kind=kind).values_list("user__email", flat=True))


def turn_off_missed_session_emails(user: User) -> None:
    """Untick "Email me the recording when I miss a session" on the preferences page."""
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("notifications:preferences"), {"registration_emails": "digest"}, follow=True
    )
    assert "Saved!" in page_text(response)


class Held:
    """The mentor's session for 4 (host included), lived through until just after its start.

    Lee registered and left before it; Mina, Noah and Molly took the seats, Wes is waitlisted.
    The host and Mina opened their join links; Noah and Molly never came (Molly does not want
    "Sorry we missed you" emails).
    """

    def __init__(self, personas, clock) -> None:
        program = personas.program
        self.host = personas.mentor
        self.manager = personas.manager
        self.came = personas.mentee
        self.absent = member(program, full_name="Noah Noshow")
        self.muted = member(program, full_name="Molly Muted")
        self.waiter = member(program, full_name="Wes Waiter")
        self.leaver = member(program, full_name="Lee Leaver")
        self.session = create(program, self.host, max_participants=4)
        join(self.session, self.leaver)
        leave(self.session, self.leaver)
        for user in (self.came, self.absent, self.muted, self.waiter):
            join(self.session, user)
        assert row(self.session, self.waiter).status == Participant.Status.WAITLISTED
        turn_off_missed_session_emails(self.muted)
        run_tasks()
        self.clock = clock
        clock.move_to(STARTS - timedelta(minutes=3))
        enter_call(self.session, self.host)
        clock.move_to(STARTS + timedelta(minutes=2))
        enter_call(self.session, self.came)
        mail.outbox.clear()

    @property
    def nobody_else(self) -> list[User]:
        return [self.host, self.absent, self.muted, self.waiter, self.leaver, self.manager]

    def at(self, instant) -> None:
        self.clock.move_to(instant)
        run_tasks()


@pytest.fixture
def held(personas, clock) -> Held:
    return Held(personas, clock)


# ---- "How was it?" -------------------------------------------------------------------------------


def test_shortly_after_the_end_those_who_came_are_asked_how_it_was(held):
    held.at(FOLLOW_UP - timedelta(minutes=1))
    assert ASKED not in subjects(held.came)

    held.at(FOLLOW_UP + timedelta(seconds=1))

    prompt = the_email(held.came, ASKED)
    assert prompt.subject == ASKED
    assert notices("feedback") == [held.came.email]
    assert Notice.objects.get(kind="feedback").session_id == held.session.pk
    for user in held.nobody_else:
        assert ASKED not in subjects(user), user.full_name


def test_the_host_is_not_asked_to_rate_their_own_session_even_though_they_came(held):
    assert row(held.session, held.host).attended

    held.at(FOLLOW_UP + timedelta(minutes=1))

    assert subjects(held.came) == [ASKED]  # the follow-up ran
    assert subjects(held.host) == []
    assert not Notice.objects.filter(user=held.host, kind="feedback").exists()


def test_running_the_follow_up_again_asks_nobody_twice(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))

    tasks.session_follow_up.enqueue(session_id=held.session.pk, ends_at=ENDS.isoformat())
    tasks.session_follow_up.enqueue(session_id=held.session.pk, ends_at="")
    tasks.feedback_requests.enqueue(session_id=held.session.pk)
    held.at(FOLLOW_UP + timedelta(minutes=2))

    assert subjects(held.came) == [ASKED]
    assert notices("feedback") == [held.came.email]
    assert len(mail.outbox) == 1


def test_a_moved_sessions_old_follow_up_sends_nothing(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks()
    edit(session, personas.mentor, starts_at=STARTS + timedelta(minutes=5))  # ends at ENDS + 5 min
    clock.move_to(STARTS + timedelta(minutes=6))
    enter_call(session, personas.mentee)

    # The old follow-up is due (ENDS + 10 min) and the session is over (it ended at ENDS + 5 min),
    # but that follow-up was for the old end; the new one is due at ENDS + 15 min.
    clock.move_to(FOLLOW_UP + timedelta(seconds=30))
    run_tasks()
    assert ASKED not in subjects(personas.mentee)

    clock.move_to(FOLLOW_UP + timedelta(minutes=5, seconds=1))
    run_tasks()
    assert subjects(personas.mentee).count(ASKED) == 1


def test_a_session_moved_to_another_day_asks_after_its_new_end_only(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks()
    edit(session, personas.mentor, starts_at=STARTS + timedelta(days=1))

    clock.move_to(FOLLOW_UP + timedelta(minutes=1))
    run_tasks()
    clock.move_to(STARTS + timedelta(days=1, minutes=1))
    enter_call(session, personas.mentee)
    clock.move_to(FOLLOW_UP + timedelta(days=1, minutes=1))
    run_tasks()

    assert subjects(personas.mentee).count(ASKED) == 1


def test_when_the_call_is_ended_early_those_who_came_are_asked_then(held):
    with committed():
        assert services.session_call_ended(session_id=held.session.pk)
    run_tasks()

    assert subjects(held.came) == [ASKED]
    held.at(FOLLOW_UP + timedelta(minutes=1))
    assert subjects(held.came) == [ASKED]


def test_someone_marked_present_afterwards_is_asked_too(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))
    everyone = Participant.objects.filter(session=held.session, attended=True).values_list("pk", flat=True)

    with committed():
        services.attendance_update(
            session=held.session,
            actor=held.host,
            attended_ids={*everyone, row(held.session, held.absent).pk},
        )
    run_tasks()

    assert subjects(held.absent) == [ASKED]
    assert subjects(held.came) == [ASKED]  # not asked a second time
    assert notices("feedback") == sorted([held.came.email, held.absent.email])


def test_nobody_is_asked_when_nobody_came(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    clock.move_to(FOLLOW_UP + timedelta(minutes=1))
    run_tasks()

    follow_ups = DBTaskResult.objects.filter(task_path=tasks.session_follow_up.module_path)
    assert list(follow_ups.values_list("status", flat=True)) == [TaskResultStatus.SUCCESSFUL]
    assert the_email(personas.mentee, "You're registered")
    assert ASKED not in subjects(personas.mentee)
    assert not Notice.objects.filter(kind="feedback").exists()


# ---- The rating links ------------------------------------------------------------------------------


def rating_links(message: EmailMessage) -> dict[str, str]:
    return dict(re.findall(r"^([1-5]): (http://testserver/feedback/\S+/\?rating=[1-5])$", message.body, re.M))


def checked_ratings(response) -> list[str]:
    inputs = re.findall(r'<input[^>]*name="rating"[^>]*>', response.content.decode())
    assert len(inputs) == 5
    return [re.search(r'value="(\d)"', tag).group(1) for tag in inputs if re.search(r"\schecked[\s>/]", tag)]


def test_the_prompt_offers_five_rating_links(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))
    prompt = the_email(held.came, ASKED)

    links = rating_links(prompt)

    assert sorted(links) == ["1", "2", "3", "4", "5"]
    assert len({urlsplit(url).path for url in links.values()}) == 1  # one page, five ratings
    for rating, url in links.items():
        assert url.endswith(f"?rating={rating}")
        assert url in html(prompt).replace("&amp;", "&")


def test_opening_a_rating_link_preselects_it_and_records_nothing(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))
    links = rating_links(the_email(held.came, ASKED))
    scanner = Client()  # signed out, as a mail scanner or a phone's preview is

    for rating, url in links.items():
        response = scanner.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        assert checked_ratings(response) == [rating]
        assert f"How was “{TITLE}”?" in page_text(response)

    assert not Feedback.objects.exists()


def test_sending_the_form_records_the_rating(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))
    page = rating_links(the_email(held.came, ASKED))["5"].removeprefix("http://testserver")
    browser = Client()
    assert browser.get(page).status_code == 200

    response = browser.post(urlsplit(page).path, {"rating": "5", "comment": "Very practical."})

    assert response.status_code == 200
    assert "Thank you!" in page_text(response)
    feedback = Feedback.objects.get()
    assert feedback.participant == row(held.session, held.came)
    assert (feedback.rating, feedback.comment) == (5, "Very practical.")


def test_a_later_click_on_another_rating_only_preselects_it(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))
    links = rating_links(the_email(held.came, ASKED))
    browser = Client()
    browser.post(urlsplit(links["4"]).path, {"rating": "4", "comment": "Good"})

    response = browser.get(links["1"].removeprefix("http://testserver"))

    assert checked_ratings(response) == ["1"]
    assert (Feedback.objects.get().rating, Feedback.objects.get().comment) == (4, "Good")


def test_a_tampered_rating_link_opens_nothing(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))
    path = urlsplit(rating_links(the_email(held.came, ASKED))["5"]).path
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    assert Client().get(tampered).status_code == 404
    assert Client().post(tampered, {"rating": "5"}).status_code == 404
    assert not Feedback.objects.exists()


# ---- The recording and notes ---------------------------------------------------------------------


def share(held: Held, *, recording_url: str = RECORDING, note: str = "Slides: https://example.org/s") -> None:
    with committed():
        services.session_share_resources(
            session=held.session, actor=held.host, recording_url=recording_url, note=note
        )
    run_tasks()


def test_those_who_came_get_the_recording_and_notes(held):
    held.clock.move_to(ENDS + timedelta(hours=2))

    share(held, note="Slides: https://example.org/s")

    message = the_email(held.came, f"The recording and notes of {TITLE}")
    assert message.subject == f"The recording and notes of {TITLE}"
    for text in (message.body, html(message)):
        assert RECORDING in text
        assert "Slides: https://example.org/s" in text


def test_registered_no_shows_get_sorry_we_missed_you_with_the_recording(held):
    held.clock.move_to(ENDS + timedelta(hours=2))

    share(held)

    message = the_email(held.absent, f"Sorry we missed you: {TITLE}")
    assert message.subject == f"Sorry we missed you: {TITLE}"
    assert RECORDING in message.body
    assert RECORDING in html(message)
    assert not [s for s in subjects(held.absent) if s.startswith("The recording and notes")]


def test_no_shows_who_turned_missed_session_emails_off_get_nothing(held):
    held.clock.move_to(ENDS + timedelta(hours=2))

    share(held)

    assert the_email(held.absent, f"Sorry we missed you: {TITLE}")  # another no-show who wants them
    assert subjects(held.muted) == []


def test_the_host_and_people_without_a_seat_get_nothing_when_the_recording_is_shared(held):
    held.clock.move_to(ENDS + timedelta(hours=2))

    share(held)

    assert the_email(held.came, f"The recording and notes of {TITLE}")
    for user in (held.host, held.waiter, held.leaver, held.manager):
        assert subjects(user) == [], user.full_name


def test_editing_the_shared_recording_emails_nobody_again(held):
    held.at(FOLLOW_UP + timedelta(hours=1))
    mail.outbox.clear()
    share(held)
    sent = len(mail.outbox)

    share(held, recording_url=RECORDING + "?fixed=1", note="Corrected slides")
    share(held, recording_url=RECORDING + "?fixed=2", note="")

    assert len(mail.outbox) == sent == 2


def test_someone_marked_present_after_the_share_is_still_asked_how_it_was(held):
    held.at(FOLLOW_UP + timedelta(minutes=1))
    share(held)
    everyone = set(
        Participant.objects.filter(session=held.session, attended=True).values_list("pk", flat=True)
    )

    with committed():
        services.attendance_update(
            session=held.session, actor=held.host, attended_ids=everyone | {row(held.session, held.absent).pk}
        )
    run_tasks()

    assert sorted(subjects(held.absent)) == sorted([f"Sorry we missed you: {TITLE}", ASKED])


# ---- The personal join link, never the room ------------------------------------------------------


class Journey:
    """The mentor's session for 3 (host included) with its own meeting link, lived through until
    the 1-hour reminder: Sam and Lee take the seats, Wes is waitlisted, Ivy is invited and never
    answers, Dora declines; the host moves the session by a day while Wes waits; Lee leaves and
    Wes is promoted; the session is confirmed; the reminders go out."""

    MEETING_URL = "https://zoom.example.org/j/98765?pwd=s3cret"

    def __init__(self, personas, clock) -> None:
        program = personas.program
        self.host = personas.mentor
        self.seated = member(program, full_name="Sam Seated")
        self.leaver = member(program, full_name="Lee Leaver")
        self.waiter = member(program, full_name="Wes Waiter")
        self.invitee = member(program, full_name="Ivy Invitee")
        self.decliner = member(program, full_name="Dora Decliner")
        self.session = create(program, self.host, max_participants=3, meeting_url=self.MEETING_URL)
        self.session.refresh_from_db()
        assert self.session.meeting_url == self.MEETING_URL
        join(self.session, self.seated)
        join(self.session, self.leaver)
        join(self.session, self.waiter)
        assert row(self.session, self.waiter).status == Participant.Status.WAITLISTED
        invite(self.session, self.host, self.invitee, self.decliner)
        run_tasks()
        decline(self.session, self.decliner)
        run_tasks()
        self.new_start = STARTS + timedelta(days=1)
        edit(self.session, self.host, starts_at=self.new_start, meeting_url=self.MEETING_URL)
        run_tasks()
        self.waiters_updated = the_email(self.waiter, f"Updated: {TITLE}")
        leave(self.session, self.leaver)
        run_tasks()
        assert row(self.session, self.waiter).status == Participant.Status.REGISTERED
        clock.move_to(self.new_start - timedelta(hours=24))
        run_tasks()
        clock.move_to(self.new_start - timedelta(hours=1))
        run_tasks()
        self.session.refresh_from_db()

    @property
    def seats(self) -> list[User]:
        return [self.host, self.seated, self.waiter]


@pytest.fixture
def journey(personas, clock) -> Journey:
    return Journey(personas, clock)


def test_the_confirmation_and_its_calendar_invite_carry_the_persons_own_join_link(journey):
    link = join_url(row(journey.session, journey.seated))
    confirmation = the_email(journey.seated, "You're registered")

    assert link in confirmation.body
    assert link in html(confirmation)
    event = the_event(calendar(confirmation))
    assert str(event["LOCATION"]) == link
    assert str(event["URL"]) == link
    assert link in str(event["DESCRIPTION"])


@pytest.mark.parametrize(
    "subject_start",
    ["You're registered", f"Updated: {TITLE}", "Confirmed:", "Reminder: "],
    ids=["confirmation", "update", "confirmed", "reminders"],
)
def test_every_email_to_a_seat_carries_that_persons_join_link(journey, subject_start):
    link = join_url(row(journey.session, journey.seated))
    found = [m for m in inbox(journey.seated) if m.subject.startswith(subject_start)]

    assert found, subjects(journey.seated)
    for message in found:
        assert link in message.body, message.subject
        assert link in html(message), message.subject


def test_the_reminders_tomorrow_and_in_an_hour_carry_the_join_link(journey):
    link = join_url(row(journey.session, journey.seated))

    assert link in the_email(journey.seated, f"Reminder: {TITLE} starts tomorrow").body
    assert link in the_email(journey.seated, f"Reminder: {TITLE} starts in 1 hour").body


def test_the_updated_calendar_invite_carries_the_join_link(journey):
    link = join_url(row(journey.session, journey.seated))
    event = the_event(calendar(the_email(journey.seated, f"Updated: {TITLE}")))

    assert str(event["LOCATION"]) == str(event["URL"]) == link
    assert event["SEQUENCE"] == 2


def test_someone_promoted_from_the_waitlist_gets_their_join_link_then(journey):
    link = join_url(row(journey.session, journey.waiter))
    promotion = the_email(journey.waiter, "A seat freed up")

    assert link in promotion.body
    event = the_event(calendar(promotion))
    assert str(event["LOCATION"]) == str(event["URL"]) == link
    assert link in the_email(journey.waiter, f"Reminder: {TITLE} starts in 1 hour").body


def test_the_host_gets_their_own_join_link_in_the_reminders(journey):
    link = join_url(row(journey.session, journey.host))

    assert link in the_email(journey.host, f"Reminder: {TITLE} starts in 1 hour").body


def test_the_room_address_is_in_no_email_at_all(journey):
    assert len(mail.outbox) > 15
    for message in mail.outbox:
        text = everything_in(message)
        assert journey.session.room_name not in text, (message.to, message.subject)
        assert journey.MEETING_URL not in text, (message.to, message.subject)
        assert "zoom.example.org" not in text, (message.to, message.subject)


def test_the_waitlisted_update_has_no_join_link_and_no_room(journey):
    message = journey.waiters_updated

    assert not has_calendar(message)
    text = everything_in(message)
    assert "/join/" not in text
    assert journey.session.room_name not in text
    assert journey.MEETING_URL not in text
    assert "The session changed" in message.body


@pytest.mark.parametrize("who", ["invitee", "decliner"])
def test_people_without_a_seat_never_get_a_join_link_or_the_room(journey, who):
    user = getattr(journey, who)
    received = inbox(user)

    assert received, f"{who} got no email"
    for message in received:
        text = everything_in(message)
        assert "/join/" not in text, message.subject
        assert journey.session.room_name not in text, message.subject
        assert journey.MEETING_URL not in text, message.subject


def test_the_waitlisted_emails_before_the_promotion_have_no_join_link(journey):
    before = [m for m in inbox(journey.waiter) if m.subject.startswith(("You're on the waitlist", "Updated"))]

    assert len(before) == 2
    for message in before:
        assert "/join/" not in everything_in(message), message.subject


def test_each_join_link_is_mailed_only_to_its_owner(journey):
    for owner in journey.seats + [journey.leaver, journey.invitee, journey.decliner]:
        token = row(journey.session, owner).join_token
        for message in mail.outbox:
            if owner.email not in message.to:
                assert token not in everything_in(message), (owner.full_name, message.to, message.subject)


def test_the_mailed_join_link_leads_into_the_call_when_it_opens(journey, clock):
    path = urlsplit(join_url(row(journey.session, journey.seated))).path
    clock.move_to(journey.new_start - timedelta(minutes=5))

    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == journey.MEETING_URL
    assert row(journey.session, journey.seated).attended is True


# ---- Unusual names and titles --------------------------------------------------------------------

LINE_BREAKS = "Eve\r\nBcc: everyone@example.org\nX-Injected: yes"
LONGEST = "Bartholomew " + "x" * 138  # the 150 characters a name may have
RIGHT_TO_LEFT = "مريم العربية \u200f(שלום)"


def tricky_names() -> list:
    return [
        pytest.param(LINE_BREAKS, id="line breaks"),
        pytest.param(LONGEST, id="longest"),
        pytest.param(RIGHT_TO_LEFT, id="right to left"),
    ]


def assert_single_line_subjects_and_sendable(messages: list[EmailMessage]) -> None:
    assert messages
    for message in messages:
        assert "\r" not in message.subject, repr(message.subject)
        assert "\n" not in message.subject, repr(message.subject)
        headers = str(message.message())  # what the SMTP backend would send; raises on a bad header
        # The name's text may appear, folded onto continuation lines, but never as a header of its own.
        head = headers.replace("\r\n", "\n").split("\n\n", 1)[0]
        assert not re.search(r"^(Bcc|X-Injected):", head, re.MULTILINE), head
        if has_calendar(message):
            the_event(calendar(message))


def test_a_name_with_line_breaks_is_refused_on_the_settings_page(personas):
    client = Client()
    client.force_login(personas.mentee)

    response = client.post(
        reverse("accounts:settings"),
        {"full_name": LINE_BREAKS, "headline": "", "bio": "", "time_zone": "Europe/London"},
    )

    assert field_errors(response, "full_name") == [
        "Use a single line, without line breaks or other control characters."
    ]
    personas.mentee.refresh_from_db()
    assert personas.mentee.full_name == "Mina Mentee"  # names stored before this rule still mail fine (below)


@pytest.mark.parametrize("name", tricky_names())
def test_people_with_unusual_names_get_all_their_emails(personas, clock, name):
    person = member(personas.program, full_name=name)
    assert len(person.full_name) <= 150
    session = create(personas.program, personas.mentor)

    join(session, person)
    run_tasks(fail_on_error=False)
    clock.move_to(STARTS - timedelta(hours=24))
    run_tasks(fail_on_error=False)
    clock.move_to(STARTS + timedelta(minutes=1))
    enter_call(session, person)
    clock.move_to(FOLLOW_UP + timedelta(minutes=1))
    run_tasks(fail_on_error=False)

    assert sorted(subjects(person)) == sorted(
        [
            f"You're registered: {TITLE}",
            f"Confirmed: {TITLE} will be held",
            f"Reminder: {TITLE} starts tomorrow",
            ASKED,
        ]
    )
    assert_single_line_subjects_and_sendable(inbox(person))
    event = the_event(calendar(the_email(person, "You're registered")))
    assert str(event["LOCATION"]) == join_url(row(session, person))


@pytest.mark.parametrize("name", tricky_names())
def test_the_host_is_told_of_a_registration_by_someone_with_an_unusual_name(personas, name):
    person = member(personas.program, full_name=name)
    session = create(personas.program, personas.mentor)

    join(session, person)
    run_tasks()

    note = [m for m in inbox(personas.mentor) if "registered for" in m.subject]
    assert len(note) == 1, subjects(personas.mentor)
    assert_single_line_subjects_and_sendable(note)


@pytest.mark.parametrize("name", tricky_names())
def test_the_host_is_told_of_a_decline_by_someone_with_an_unusual_name(personas, name):
    person = member(personas.program, full_name=name)
    session = create(personas.program, personas.mentor)
    invite(session, personas.mentor, person)
    run_tasks()
    decline(session, person)

    run_tasks()

    note = [m for m in inbox(personas.mentor) if "declined" in m.subject]
    assert len(note) == 1, subjects(personas.mentor)
    assert_single_line_subjects_and_sendable(note)


@pytest.mark.parametrize("name", tricky_names())
def test_an_invitation_from_a_host_with_an_unusual_name_arrives(personas, name):
    personas.mentor.full_name = name
    personas.mentor.save()
    session = create(personas.program, personas.mentor)

    invite(session, personas.mentor, personas.mentee)
    run_tasks()

    invitation = [m for m in inbox(personas.mentee) if "invited you" in m.subject]
    assert len(invitation) == 1, subjects(personas.mentee)
    assert_single_line_subjects_and_sendable(invitation)
    assert Notice.objects.filter(user=personas.mentee, kind="invitation").exists()


def test_a_longest_title_from_a_longest_name_makes_a_sendable_invitation_and_notice(personas):
    personas.mentor.full_name = LONGEST
    personas.mentor.save()
    session = create(personas.program, personas.mentor, title="T" * 200)

    invite(session, personas.mentor, personas.mentee)
    run_tasks()

    invitation = [m for m in inbox(personas.mentee) if "invited you" in m.subject]
    assert len(invitation) == 1
    assert_single_line_subjects_and_sendable(invitation)
    notice = Notice.objects.get(user=personas.mentee, kind="invitation")
    assert len(notice.text) <= Notice._meta.get_field("text").max_length


@pytest.mark.parametrize("name", [LONGEST, RIGHT_TO_LEFT], ids=["longest", "right to left"])
def test_a_longest_title_makes_single_line_subjects_for_every_kind_of_email(personas, clock, name):
    person = member(personas.program, full_name=name)
    session = create(personas.program, personas.mentor, title="Ü" * 199 + "!")
    join(session, person)
    run_tasks()
    clock.move_to(STARTS - timedelta(hours=1))
    run_tasks()
    clock.move_to(STARTS + timedelta(minutes=1))
    enter_call(session, person)
    clock.move_to(FOLLOW_UP + timedelta(minutes=1))
    run_tasks()

    assert len(inbox(person)) == 4
    assert_single_line_subjects_and_sendable(mail.outbox)
