"""The call and what follows it, through Django's test client: personal join links, the session
page in each phase, attendance, the recording and notes, feedback, the video service's callbacks
and the program's "Video calls" settings.

The clock is frozen with time-machine at fixed instants around one session (START, one hour).
"""

import html
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import AttendanceChange, Feedback, GroupSession, Participant
from mentorcircle.groupsessions.tokens import feedback_token, rsvp_token
from mentorcircle.programs.models import Program
from tests.factories import GroupSessionFactory, MembershipFactory, ParticipantFactory, UserFactory
from tests.fake_bbb import FakeBBB
from tests.groupsessions.conftest import PARIS
from tests.helpers import field_errors, page_text, toasts

Status = Participant.Status
# The fake BigBlueButton's secret is as long as a real one: shorter than PyJWT likes for HS512.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

# Monday 8 March 2027, 10:00 UTC, for an hour. The program opens the call 10 minutes before.
START = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
OPENS = START - timedelta(minutes=10)
AT = {
    "upcoming": START - timedelta(days=2),
    "joinable": START - timedelta(minutes=5),
    "live": START + timedelta(minutes=10),
    "ended": START + timedelta(hours=2),
}
PHASES = tuple(AT)
OPEN_PHASES = ("joinable", "live")

# Who someone is to the session (or the program); "signed_out" is nobody.
SEATED = ("host", "registered")
NOT_SEATED = ("waitlisted", "invited", "left", "declined")
WITH_ROWS = (*SEATED, *NOT_SEATED)
ROLES = (*WITH_ROWS, "manager", "outsider", "other_manager", "signed_out")
MANAGING = ("host", "manager")


def refused_status(role: str) -> int:
    """The program's members are told they may not (403); anyone else learns nothing (404)."""
    return 404 if role in ("outsider", "other_manager") else 403


HOST_LINK = "https://zoom.us/j/98765?pwd=only-for-seats"


# ---- Reading pages -------------------------------------------------------------------------------


def card(response, title_id: str) -> str | None:
    """The inner HTML of the session page's card labelled by `title_id`, or None when absent."""
    match = re.search(
        rf'<section class="card[^"]*" aria-labelledby="{title_id}">(.*?)</section>',
        response.content.decode(),
        re.S,
    )
    return html.unescape(match.group(1)) if match else None


def rsvp(response) -> str:
    box = card(response, "rsvp-title")
    assert box is not None, "no rsvp box"
    return box


def words(fragment: str) -> str:
    """A fragment's text without its tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split()).replace(" .", ".")


def join_links(response) -> list[str]:
    return re.findall(r'href="(/join/[^"]+/)"', response.content.decode())


def sent_to_sign_in_and_back_to(response, path: str) -> bool:
    location = urlsplit(response["Location"])
    return location.path == reverse("account_login") and parse_qs(location.query) == {"next": [path]}


def no_room_address(response, session: GroupSession) -> bool:
    content = response.content.decode()
    leaks = [session.room_name] + ([session.meeting_url] if session.meeting_url else [])
    return not any(leak in content or html.escape(leak) in content for leak in leaks)


# ---- The cast ------------------------------------------------------------------------------------


@dataclass
class Cast:
    session: GroupSession
    users: dict[str, User | None]
    rows: dict[str, Participant]

    def path(self, name: str) -> str:
        return reverse(f"groupsessions:{name}", args=[self.session.pk])

    def join_path(self, role: str) -> str:
        return self.rows[role].join_path()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(AT["upcoming"], tick=False)
    return time_machine


def travel(clock, phase: str) -> None:
    clock.move_to(AT[phase], tick=False)


def sign_in(client, user: User | None) -> None:
    if user is not None:
        client.force_login(user)


def member(program: Program, name: str) -> User:
    return MembershipFactory(program=program, user=UserFactory(full_name=name)).user


@pytest.fixture
def cast(personas, clock) -> Cast:  # noqa: ARG001 (requested for its effect: the frozen clock)
    """ "Pitch practice", hosted by the mentor, with one person in each state: the mentee
    registered, and four members waitlisted, invited, gone or declined. The manager has no row."""
    session = GroupSessionFactory(
        program=personas.program, host=personas.mentor, title="Pitch practice", starts_at=START
    )
    rows = {
        "host": Participant.objects.get(session=session, user=personas.mentor),
        "registered": ParticipantFactory(session=session, user=personas.mentee),
    }
    for role, name in [
        ("waitlisted", "Wes Waiting"),
        ("invited", "Ivy Invited"),
        ("left", "Leo Left"),
        ("declined", "Dee Declined"),
    ]:
        rows[role] = ParticipantFactory(
            session=session,
            user=member(personas.program, name),
            status=Status(role),
            invited_by=personas.mentor if role in ("invited", "declined") else None,
        )
    users: dict[str, User | None] = {role: row.user for role, row in rows.items()}
    users |= {
        "manager": personas.manager,
        "outsider": personas.outsider,
        "other_manager": personas.other_manager,
        "signed_out": None,
    }
    return Cast(session=session, users=users, rows=rows)


def attended(cast: Cast) -> dict[str, bool]:
    return {role: Participant.objects.get(pk=row.pk).attended for role, row in cast.rows.items()}


def use_host_link(cast: Cast) -> None:
    cast.session.meeting_url = HOST_LINK
    cast.session.save(update_fields=["meeting_url"])


# ---- Who may open the new pages ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_host_and_managers_can_confirm_attendance(client, cast, clock, role):
    travel(clock, "ended")
    sign_in(client, cast.users[role])
    before = attended(cast)

    response = client.post(cast.path("attendance"), {"attended": [cast.rows["registered"].pk]})

    if role in MANAGING:
        assert response.status_code == 302
        assert response["Location"] == cast.session.get_absolute_url()
        assert attended(cast) == before | {"registered": True}
        assert AttendanceChange.objects.get().changed_by == cast.users[role]
        return
    if role == "signed_out":
        assert response.status_code == 302
        assert sent_to_sign_in_and_back_to(response, cast.path("attendance"))
    else:
        assert response.status_code == refused_status(role)
        assert "Pitch practice" not in page_text(response)
    assert attended(cast) == before
    assert not AttendanceChange.objects.exists()


def test_attendance_needs_a_post(client, cast, clock):
    travel(clock, "ended")
    client.force_login(cast.users["host"])

    assert client.get(cast.path("attendance")).status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_only_the_host_and_managers_open_the_recording_and_notes_page(client, cast, clock, role):
    travel(clock, "ended")
    sign_in(client, cast.users[role])

    page = client.get(cast.path("resources"))
    posted = client.post(
        cast.path("resources"), {"recording_url": "https://example.org/rec", "resources_note": "Slides"}
    )

    cast.session.refresh_from_db()
    if role in MANAGING:
        assert page.status_code == 200
        assert "Recording and notes" in page_text(page)
        assert posted.status_code == 302
        assert posted["Location"] == cast.session.get_absolute_url()
        assert (cast.session.recording_url, cast.session.resources_note) == (
            "https://example.org/rec",
            "Slides",
        )
        return
    if role == "signed_out":
        assert (page.status_code, posted.status_code) == (302, 302)
        assert sent_to_sign_in_and_back_to(page, cast.path("resources"))
        assert sent_to_sign_in_and_back_to(posted, cast.path("resources"))
    else:
        assert (page.status_code, posted.status_code) == (refused_status(role),) * 2
        assert "Pitch practice" not in page_text(page)
        if refused_status(role) == 403:
            assert "Only the host and the program's managers can change this session." in page_text(page)
    assert (cast.session.recording_url, cast.session.resources_note) == ("", "")
    assert cast.session.resources_shared_at is None


@pytest.mark.parametrize("role", ROLES)
def test_only_a_seated_attendee_rates_the_session_after_the_end(client, cast, clock, role):
    # Everyone with a row is marked present, so only the seat (and being the host) decides.
    Participant.objects.filter(session=cast.session).update(attended=True)
    travel(clock, "ended")
    sign_in(client, cast.users[role])

    page = client.get(cast.path("feedback"))
    posted = client.post(cast.path("feedback"), {"rating": "4", "comment": "Clear and useful"})

    if role == "registered":
        assert page.status_code == 200
        assert ">Send feedback</button>" in page_text(page)
        assert posted.status_code == 200
        assert "Thank you!" in page_text(posted)
        feedback = Feedback.objects.get()
        assert (feedback.participant, feedback.rating, feedback.comment) == (
            cast.rows["registered"],
            4,
            "Clear and useful",
        )
        return
    if role == "host":
        assert posted.status_code == 400
        assert "Hosts do not rate their own sessions." in page_text(posted)
    elif role == "signed_out":
        assert (page.status_code, posted.status_code) == (302, 302)
        assert sent_to_sign_in_and_back_to(page, cast.path("feedback"))
        assert sent_to_sign_in_and_back_to(posted, cast.path("feedback"))
    else:
        assert (page.status_code, posted.status_code) == (404, 404)
        assert "Pitch practice" not in page_text(page)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("role", "phase", "present", "refusal"),
    [
        ("registered", "live", True, "You can rate the session once it has ended."),
        ("registered", "ended", False, "Only people who attended can rate this session."),
    ],
)
def test_rating_before_the_end_or_without_attending_is_refused(
    client, cast, clock, role, phase, present, refusal
):
    Participant.objects.filter(pk=cast.rows[role].pk).update(attended=present)
    travel(clock, phase)
    client.force_login(cast.users[role])

    response = client.post(cast.path("feedback"), {"rating": "5"})

    assert response.status_code == 400
    assert refusal in page_text(response)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("role", "phase", "present", "refusal"),
    [
        ("host", "ended", True, "Hosts do not rate their own sessions."),
        ("registered", "ended", False, "Only people who attended can rate this session."),
        ("registered", "live", True, "You can rate the session once it has ended."),
    ],
)
def test_the_feedback_page_does_not_offer_a_form_to_someone_who_cannot_rate(
    client, cast, clock, role, phase, present, refusal
):
    Participant.objects.filter(pk=cast.rows[role].pk).update(attended=present)
    travel(clock, phase)
    client.force_login(cast.users[role])

    response = client.get(cast.path("feedback"))

    assert response.status_code == 200
    assert refusal in page_text(response)
    assert ">Send feedback</button>" not in page_text(response)


@pytest.mark.parametrize("role", WITH_ROWS)
def test_an_emailed_rating_link_saves_only_a_seated_attendees_answer(client, cast, clock, role):
    Participant.objects.filter(session=cast.session).update(attended=True)
    travel(clock, "ended")
    path = reverse("groupsessions:feedback_link", args=[feedback_token(participant_id=cast.rows[role].pk)])

    opened = client.get(path, {"rating": "5"})  # a mail scanner opening the link saves nothing
    assert opened.status_code == 200
    assert not Feedback.objects.exists()
    posted = client.post(path, {"rating": "5", "comment": "Great"})

    if role == "registered":
        assert posted.status_code == 200
        assert "Thank you!" in page_text(posted)
        assert Feedback.objects.get().participant == cast.rows["registered"]
    else:
        assert posted.status_code == 400
        assert not Feedback.objects.exists()
        assert (
            "Hosts do not rate their own sessions." if role == "host" else "Only people who attended"
        ) in page_text(posted)


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        rsvp_token(participant_id=1, version="", action="accept"),  # signed, for another purpose
        signing.dumps({"p": 10**9}, salt="mentorcircle.groupsessions.feedback", compress=True),
    ],
    ids=["garbage", "an-rsvp-token", "a-missing-participant"],  # signed values carry a timestamp
)
@pytest.mark.usefixtures("cast")
def test_a_bad_rating_link_is_not_found_and_saves_nothing(client, clock, token):
    travel(clock, "ended")
    path = reverse("groupsessions:feedback_link", args=[token])

    responses = [client.get(path), client.post(path, {"rating": "5"})]

    assert [r.status_code for r in responses] == [404, 404]
    assert "This link no longer works" in page_text(responses[0])
    assert not Feedback.objects.exists()


# ---- Join links: who they let in -----------------------------------------------------------------


@pytest.mark.parametrize("token", ["nope", "x" * 65, "", "../../admin"])
@pytest.mark.usefixtures("cast")
def test_a_bad_join_link_is_a_not_found_page(client, clock, token):
    travel(clock, "live")

    response = client.get(f"/join/{token}/")

    assert response.status_code == 404
    if token and "/" not in token:
        assert "This join link is not valid" in page_text(response)
        assert "Pitch practice" not in page_text(response)


@pytest.mark.parametrize("meeting", ["room", "host link"])
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", NOT_SEATED)
def test_a_join_link_without_a_seat_never_lets_in_nor_shows_the_room(
    client, cast, clock, role, phase, meeting
):
    if meeting == "host link":
        use_host_link(cast)
    travel(clock, phase)

    response = client.get(cast.join_path(role))

    assert response.status_code == 200
    assert "Location" not in response
    assert no_room_address(response, cast.session)
    assert response["Cache-Control"] == "no-store"
    assert "This join link no longer works" in page_text(response)
    assert "Join the call" not in page_text(response)
    row = Participant.objects.get(pk=cast.rows[role].pk)
    assert (row.joined_at, row.attended) == (None, False)


def test_the_waitlisted_are_told_they_are_still_waiting(client, cast, clock):
    travel(clock, "joinable")

    text = page_text(client.get(cast.join_path("waitlisted")))

    assert "you're on the waitlist, and you'll get an email if a seat frees up" in text


@pytest.mark.parametrize("role", WITH_ROWS)
def test_a_cancelled_sessions_join_link_says_so_and_lets_nobody_in(client, cast, clock, role):
    services.session_cancel(session=cast.session, actor=cast.users["host"], reason="The host is ill")
    travel(clock, "joinable")

    response = client.get(cast.join_path(role))

    assert response.status_code == 200
    assert "Location" not in response
    assert "This session was cancelled." in page_text(response)
    assert "Reason: The host is ill" in page_text(response)
    assert no_room_address(response, cast.session)


# ---- Join links over time ------------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_before_the_call_opens_the_join_link_counts_down_to_the_opening(client, cast):
    response = client.get(cast.join_path("registered"))

    assert response.status_code == 200
    assert "Location" not in response
    assert re.search(
        r"The call opens on <time datetime=\"2027-03-08T09:50:00Z\">Mon 8 Mar 2027, 09:50 \(UTC\)</time>\.",
        response.content.decode(),
    )
    countdown = re.search(r'data-countdown="([^"]+)"', response.content.decode())
    assert countdown
    assert countdown.group(1) == "2027-03-08T09:50:00Z"
    assert datetime.fromisoformat(countdown.group(1)) == OPENS
    assert no_room_address(response, cast.session)
    assert Participant.objects.get(pk=cast.rows["registered"].pk).joined_at is None


@pytest.mark.parametrize("phase", OPEN_PHASES)
@pytest.mark.parametrize("role", SEATED)
def test_while_the_call_is_open_the_join_link_records_the_person_and_sends_them_in(
    client, cast, clock, role, phase
):
    travel(clock, phase)
    row = cast.rows[role]

    response = client.get(cast.join_path(role))

    assert response.status_code == 302
    assert response["Location"].startswith(f"https://meet.jit.si/{cast.session.room_name}#")
    name = row.user.display_name.replace(" ", "%20")
    assert response["Location"].endswith(f"userInfo.displayName=%22{name}%22")
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    row.refresh_from_db()
    assert (row.joined_at, row.attended) == (AT[phase], True)


def test_opening_the_join_link_again_keeps_the_first_time(client, cast, clock):
    travel(clock, "joinable")
    client.get(cast.join_path("registered"))
    travel(clock, "live")

    again = client.get(cast.join_path("registered"))

    assert again.status_code == 302
    assert Participant.objects.get(pk=cast.rows["registered"].pk).joined_at == AT["joinable"]


def test_the_join_link_sends_seated_people_to_the_hosts_own_link(client, cast, clock):
    use_host_link(cast)
    travel(clock, "live")

    response = client.get(cast.join_path("registered"))

    assert (response.status_code, response["Location"]) == (302, HOST_LINK)


@pytest.mark.parametrize("role", SEATED)
def test_after_the_end_the_join_link_says_the_session_has_ended(client, cast, clock, role):
    travel(clock, "ended")

    response = client.get(cast.join_path(role))

    assert response.status_code == 200
    assert "Location" not in response
    assert "This session has ended." in page_text(response)
    assert no_room_address(response, cast.session)
    assert Participant.objects.get(pk=cast.rows[role].pk).joined_at is None


def test_a_call_ended_early_by_the_video_service_closes_the_join_link(client, cast, clock):
    travel(clock, "live")
    services.session_call_ended(session_id=cast.session.pk)

    response = client.get(cast.join_path("registered"))

    assert response.status_code == 200
    assert "This session has ended." in page_text(response)


def use_bbb(program: Program, bbb: FakeBBB) -> None:
    program.video_service = "bbb"
    program.bbb_url = bbb.api_url
    program.bbb_secret = bbb.secret
    program.save()


def follow_outside(url: str) -> int:
    """Open `url` (on the fake BigBlueButton) as the browser would, following its redirect."""
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (the fake, on 127.0.0.1)
        return answer.status


@pytest.mark.parametrize(("role", "call_role"), [("registered", "VIEWER"), ("host", "MODERATOR")])
def test_with_bigbluebutton_the_join_link_opens_the_room_and_sends_the_person_into_it(
    client, personas, cast, clock, role, call_role
):
    travel(clock, "live")
    row = cast.rows[role]
    with FakeBBB() as bbb:
        use_bbb(personas.program, bbb)

        response = client.get(cast.join_path(role))

        assert response.status_code == 302
        assert response["Location"].startswith(f"{bbb.api_url}/join?")
        assert response["Cache-Control"] == "no-store"
        query = parse_qs(urlsplit(response["Location"]).query)
        assert query["meetingID"] == [cast.session.room_name]
        assert query["userID"] == [str(row.pk)]
        assert query["role"] == [call_role]
        assert bbb.meetings[cast.session.room_name]["name"] == "Pitch practice"
        assert follow_outside(response["Location"]) == 200
        assert bbb.joins[-1]["role"] == call_role
    row.refresh_from_db()
    assert (row.joined_at, row.attended) == (AT["live"], True)


def test_when_bigbluebutton_is_down_the_join_link_explains_and_does_not_send_anyone(
    client, personas, cast, clock
):
    travel(clock, "live")
    bbb = FakeBBB().start()
    use_bbb(personas.program, bbb)
    bbb.stop()  # nothing listens on its port any more

    response = client.get(cast.join_path("registered"))

    assert response.status_code == 503
    assert "Location" not in response
    assert response["Cache-Control"] == "no-store"
    text = page_text(response)
    assert "The video server did not open the room: The video server could not be reached." in text
    assert "Try again" in text
    assert personas.program.bbb_secret not in text
    assert no_room_address(response, cast.session)
    assert Participant.objects.get(pk=cast.rows["registered"].pk).joined_at is None


def test_a_bigbluebutton_server_refusing_the_secret_is_a_clear_error(client, personas, cast, clock):
    travel(clock, "joinable")
    with FakeBBB("the-server-has-another-secret") as bbb:
        use_bbb(personas.program, bbb)
        personas.program.bbb_secret = "a-wrong-shared-secret"
        personas.program.save()

        response = client.get(cast.join_path("registered"))

    assert response.status_code == 503
    assert "The video server refused the request (checksumError)." in page_text(response)
    assert "a-wrong-shared-secret" not in page_text(response)


# ---- The video service's callbacks ---------------------------------------------------------------


def callback_path(name: str, value: object, salt: str = services.CALLBACK_SALT) -> str:
    return reverse(f"groupsessions:{name}", args=[signing.dumps(value, salt=salt)])


BAD_CALLBACK_TOKENS = {
    "garbage": lambda _pk: "garbage",
    "another salt": lambda pk: signing.dumps(pk, salt="mentorcircle.groupsessions.rsvp"),
    "not an id": lambda pk: signing.dumps({"session": pk}, salt=services.CALLBACK_SALT),
    "tampered": lambda pk: signing.dumps(pk, salt=services.CALLBACK_SALT)[:-2] + "xx",
}


@pytest.mark.parametrize("bad", BAD_CALLBACK_TOKENS)
@pytest.mark.parametrize("name", ["call_ended", "call_analytics"])
def test_a_callback_with_a_bad_token_is_not_found_and_changes_nothing(
    client, personas, cast, clock, name, bad
):
    personas.program.bbb_secret = FakeBBB().secret
    personas.program.save()
    travel(clock, "live")
    path = reverse(f"groupsessions:{name}", args=[BAD_CALLBACK_TOKENS[bad](cast.session.pk)])

    response = client.post(path, b"{}", content_type="application/json")

    assert response.status_code == 404
    cast.session.refresh_from_db()
    assert cast.session.call_ended_at is None


def test_the_call_ended_callback_for_a_deleted_session_is_not_found(client, cast, clock):
    travel(clock, "live")
    path = callback_path("call_ended", cast.session.pk)
    cast.session.delete()

    assert client.get(path).status_code == 404


def test_the_call_ended_callback_ends_a_live_session(client, cast, clock):
    travel(clock, "live")

    response = client.get(callback_path("call_ended", cast.session.pk))

    assert (response.status_code, response.content) == (200, b"ok")
    cast.session.refresh_from_db()
    assert cast.session.call_ended_at == AT["live"]


def test_the_call_ended_callback_leaves_a_session_that_has_not_started_alone(client, cast, clock):
    travel(clock, "joinable")

    response = client.get(callback_path("call_ended", cast.session.pk))

    assert response.status_code == 200
    cast.session.refresh_from_db()
    assert cast.session.call_ended_at is None


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "signed with another secret",
        "expired",
    ],
)
def test_analytics_without_a_valid_signature_are_refused_and_record_nothing(
    client, personas, cast, clock, authorization
):
    travel(clock, "ended")
    with FakeBBB() as bbb:
        use_bbb(personas.program, bbb)
        body, good = bbb.analytics_callback(cast.session.room_name, {str(cast.rows["registered"].pk): 1800})
        if authorization == "signed with another secret":
            _, authorization = FakeBBB("another-secret").analytics_callback(cast.session.room_name, {"1": 60})
        elif authorization == "expired":
            _, authorization = bbb.analytics_callback(cast.session.room_name, {"1": 60}, expires_in=-60)
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}

    response = client.post(
        callback_path("call_analytics", cast.session.pk), body, content_type="application/json", **headers
    )

    assert response.status_code == 400
    assert good not in response.content.decode()
    assert not Participant.objects.filter(session=cast.session, minutes_present__isnull=False).exists()


def test_analytics_signed_with_the_programs_secret_record_minutes_of_this_session_only(
    client, personas, cast, clock
):
    other = GroupSessionFactory(program=personas.program, host=personas.manager, starts_at=START)
    elsewhere = Participant.objects.get(session=other)
    travel(clock, "ended")
    with FakeBBB() as bbb:
        use_bbb(personas.program, bbb)
        body, authorization = bbb.analytics_callback(
            cast.session.room_name,
            {str(cast.rows["registered"].pk): 1830, str(cast.rows["host"].pk): 3600, str(elsewhere.pk): 60},
        )

    response = client.post(
        callback_path("call_analytics", cast.session.pk),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=authorization,
    )

    assert (response.status_code, response.content) == (200, b"ok")
    minutes = dict(
        Participant.objects.filter(minutes_present__isnull=False).values_list("pk", "minutes_present")
    )
    assert minutes == {cast.rows["registered"].pk: 30, cast.rows["host"].pk: 60}


def test_analytics_for_a_program_without_bigbluebutton_are_not_found(client, cast, clock):
    travel(clock, "ended")
    body, authorization = FakeBBB().analytics_callback(cast.session.room_name, {"1": 60})

    response = client.post(
        callback_path("call_analytics", cast.session.pk),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=authorization,
    )

    assert response.status_code == 404


@pytest.mark.usefixtures("clock")
def test_analytics_need_a_post(client, personas, cast):
    personas.program.bbb_secret = FakeBBB().secret
    personas.program.save()

    assert client.get(callback_path("call_analytics", cast.session.pk)).status_code == 405


def test_the_callbacks_bigbluebutton_is_given_end_the_call_and_record_minutes(client, personas, cast, clock):
    travel(clock, "live")
    with FakeBBB() as bbb:
        use_bbb(personas.program, bbb)
        client.get(cast.join_path("registered"))
        created = bbb.meetings[cast.session.room_name]
        body, authorization = bbb.analytics_callback(
            cast.session.room_name, {str(cast.rows["registered"].pk): 45 * 60}
        )
    ended_url = urlsplit(created["meta_endCallbackUrl"])
    analytics_url = urlsplit(created["meta_analytics-callback-url"])
    assert f"{ended_url.scheme}://{ended_url.netloc}" == "http://testserver"

    ended = client.get(ended_url.path)
    posted = client.post(
        analytics_url.path, body, content_type="application/json", HTTP_AUTHORIZATION=authorization
    )

    assert (ended.status_code, posted.status_code) == (200, 200)
    cast.session.refresh_from_db()
    assert cast.session.call_ended_at == AT["live"]
    assert Participant.objects.get(pk=cast.rows["registered"].pk).minutes_present == 45


# ---- The session page in each phase --------------------------------------------------------------


@pytest.mark.parametrize("meeting", ["room", "host link"])
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("outsider", "other_manager", "signed_out")])
def test_the_session_page_never_shows_the_room_nor_anyone_elses_join_link(
    client, cast, clock, role, phase, meeting
):
    if meeting == "host link":
        use_host_link(cast)
    travel(clock, phase)
    client.force_login(cast.users[role])

    response = client.get(cast.session.get_absolute_url())

    assert response.status_code == 200
    assert no_room_address(response, cast.session)
    own = {cast.join_path(role)} if role in SEATED and phase != "ended" else set()
    assert set(join_links(response)) == own
    others = [row.join_token for r, row in cast.rows.items() if r != role]
    assert not any(token in response.content.decode() for token in others)


@pytest.mark.parametrize("role", SEATED)
def test_a_cancelled_session_page_offers_no_way_into_the_call(client, cast, clock, role):
    services.session_cancel(session=cast.session, actor=cast.users["host"], reason="The host is ill")
    travel(clock, "live")
    client.force_login(cast.users[role])

    response = client.get(cast.session.get_absolute_url())

    assert "This session was cancelled" in rsvp(response)
    assert join_links(response) == []
    assert "Join the call" not in page_text(response)
    assert no_room_address(response, cast.session)


@pytest.mark.parametrize("role", SEATED)
@pytest.mark.usefixtures("clock")
def test_before_the_call_opens_seated_people_see_when_it_will(client, cast, role):
    client.force_login(cast.users[role])

    response = client.get(cast.session.get_absolute_url())

    box = rsvp(response)
    assert "The call opens on Mon 8 Mar 2027, 09:50 (Europe/London)." in words(box)
    assert 'data-countdown="2027-03-08T09:50:00Z"' in box
    assert f'href="{cast.join_path(role)}" data-countdown-ready hidden' in box


@pytest.mark.parametrize("role", NOT_SEATED + ("manager",))
@pytest.mark.usefixtures("clock")
def test_before_the_call_opens_people_without_a_seat_see_no_call(client, cast, role):
    client.force_login(cast.users[role])

    box = rsvp(client.get(cast.session.get_absolute_url()))

    assert "The call opens on" not in box
    assert "Join the call" not in box


@pytest.mark.parametrize("phase", OPEN_PHASES)
@pytest.mark.parametrize("role", SEATED)
def test_while_the_call_is_open_seated_people_get_their_own_join_button(client, cast, clock, role, phase):
    travel(clock, phase)
    client.force_login(cast.users[role])

    box = rsvp(client.get(cast.session.get_absolute_url()))

    assert "The call is open." in box
    assert f'<a class="btn btn-primary btn-wide" href="{cast.join_path(role)}">Join the call</a>' in box
    assert ("Live now" in box) is (phase == "live")


@pytest.mark.parametrize("role", ["invited", "declined", "left", "manager"])
def test_a_live_session_shows_live_now_and_a_join_button_to_others_while_seats_are_left(
    client, cast, clock, role
):
    travel(clock, "live")
    client.force_login(cast.users[role])

    box = rsvp(client.get(cast.session.get_absolute_url()))

    assert "Live now" in box
    assert ">Join</button>" in box
    assert "Join the call" not in box


@pytest.mark.parametrize("role", ["invited", "declined", "left", "manager"])
def test_a_live_full_session_shows_no_join_button_to_others(client, cast, clock, role):
    GroupSession.objects.filter(pk=cast.session.pk).update(max_participants=2)  # host + mentee
    travel(clock, "live")
    client.force_login(cast.users[role])

    box = rsvp(client.get(cast.session.get_absolute_url()))

    assert "This session is live and full." in box
    assert "Join" not in box


def test_the_waitlisted_see_their_place_while_the_session_is_live(client, cast, clock):
    travel(clock, "live")
    client.force_login(cast.users["waitlisted"])

    box = rsvp(client.get(cast.session.get_absolute_url()))

    assert "You're number 1 on the waitlist" in box
    assert "Join the call" not in box


@pytest.mark.parametrize("phase", OPEN_PHASES)
@pytest.mark.parametrize("role", MANAGING)
def test_the_host_and_managers_see_who_is_in_the_call_so_far(client, personas, cast, clock, role, phase):
    pat = ParticipantFactory(session=cast.session, user=member(personas.program, "Pat Peer"))
    travel(clock, phase)
    client.get(cast.join_path("registered"))
    client.force_login(cast.users[role])

    joined = card(client.get(cast.session.get_absolute_url()), "joined-title")

    assert joined is not None
    assert "Joined so far (1)" in joined
    assert "Mina Mentee" in joined
    assert pat.user.display_name not in joined


def test_before_anyone_joins_the_host_reads_that_nobody_has_opened_the_call(client, cast, clock):
    travel(clock, "joinable")
    client.force_login(cast.users["host"])

    joined = card(client.get(cast.session.get_absolute_url()), "joined-title")

    assert joined is not None
    assert "Joined so far (0)" in joined
    assert "Nobody has opened the call yet." in joined


@pytest.mark.parametrize("phase", PHASES)
def test_participants_never_see_who_is_in_the_call(client, cast, clock, phase):
    travel(clock, "live")
    client.get(cast.join_path("host"))
    travel(clock, phase)
    client.force_login(cast.users["registered"])

    response = client.get(cast.session.get_absolute_url())

    assert response.status_code == 200
    assert "<title>Pitch practice · MentorCircle</title>" in page_text(response)
    assert card(response, "joined-title") is None
    assert "Joined so far" not in page_text(response)


# ---- After the end -------------------------------------------------------------------------------


@pytest.fixture
def ended(personas, cast, clock) -> Cast:
    """The session after its end: the host and the mentee came, Pat Peer had a seat but did not;
    the mentee and two more attendees rated it."""
    ParticipantFactory(session=cast.session, user=member(personas.program, "Pat Peer"))
    raters = [
        ParticipantFactory(session=cast.session, user=member(personas.program, name), attended=True)
        for name in ("Ray Rater", "Sue Sayer")
    ]
    Participant.objects.filter(pk__in=[cast.rows["host"].pk, cast.rows["registered"].pk]).update(
        attended=True, joined_at=START
    )
    travel(clock, "ended")
    for row, rating, comment in [
        (cast.rows["registered"], 5, "Loved the role play"),
        (raters[0], 4, "More time for questions please"),
        (raters[1], 3, ""),
    ]:
        services.feedback_give(participant=row, rating=rating, comment=comment)
    return cast


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("outsider", "other_manager", "signed_out")])
def test_an_ended_session_says_so_and_shows_how_many_attended(client, ended, role):
    client.force_login(ended.users[role])

    response = client.get(ended.session.get_absolute_url())

    text = page_text(response)
    assert "This session has ended." in rsvp(response)
    assert "4 attended · 5 had a seat (the host included)" in text
    assert "You are attending!" not in text
    assert "You're registered" not in text
    assert not re.search(r"\d+ left\b", text)
    assert "spots taken" not in text
    assert "Join the call" not in text
    assert "Add to calendar" not in text


@pytest.mark.parametrize("role", MANAGING)
def test_the_host_and_managers_get_the_attendance_list_to_correct(client, ended, role):
    client.force_login(ended.users[role])

    attendance = card(client.get(ended.session.get_absolute_url()), "attendance-title")

    assert attendance is not None
    assert "Save attendance" in attendance
    boxes = dict(re.findall(r'<input type="checkbox" name="attended" value="(\d+)"( checked)?>', attendance))
    seated = Participant.objects.filter(session=ended.session, status__in=Participant.SEATED)
    assert boxes == {str(row.pk): " checked" if row.attended else "" for row in seated}
    assert "Pat Peer" in attendance
    for role_without_seat in NOT_SEATED:
        assert ended.users[role_without_seat].display_name not in attendance


@pytest.mark.parametrize("role", ["registered", "waitlisted", "left"])
def test_participants_get_no_attendance_list(client, ended, role):
    client.force_login(ended.users[role])

    response = client.get(ended.session.get_absolute_url())

    assert response.status_code == 200
    assert "This session has ended." in rsvp(response)
    assert card(response, "attendance-title") is None
    assert "Save attendance" not in page_text(response)


def test_saving_the_attendance_changes_it_records_who_did_and_says_so(client, ended):
    pat = Participant.objects.get(session=ended.session, user__full_name="Pat Peer")
    keep = Participant.objects.filter(session=ended.session, attended=True).exclude(
        pk=ended.rows["registered"].pk
    )
    client.force_login(ended.users["host"])

    response = client.post(
        ended.path("attendance"), {"attended": [pat.pk, *keep.values_list("pk", flat=True)]}, follow=True
    )

    assert toasts(response) == ["Attendance saved."]
    assert "4 attended" in page_text(response)
    changes = {
        (c.participant.user.full_name, c.attended, c.changed_by) for c in AttendanceChange.objects.all()
    }
    assert changes == {("Pat Peer", True, ended.users["host"]), ("Mina Mentee", False, ended.users["host"])}
    again = client.post(
        ended.path("attendance"), {"attended": [pat.pk, *keep.values_list("pk", flat=True)]}, follow=True
    )
    assert toasts(again) == ["Attendance unchanged."]


def test_attendance_ignores_rows_of_other_sessions_and_people_without_a_seat(client, personas, ended):
    other = GroupSessionFactory(program=personas.program, host=personas.manager, starts_at=START)
    elsewhere = ParticipantFactory(session=other, user=UserFactory())
    before = attended(ended)
    client.force_login(ended.users["host"])

    client.post(
        ended.path("attendance"),
        {
            "attended": [
                elsewhere.pk,
                ended.rows["left"].pk,
                *Participant.objects.filter(attended=True).values_list("pk", flat=True),
            ]
        },
    )

    assert attended(ended) == before
    assert Participant.objects.get(pk=elsewhere.pk).attended is False


def test_attendance_cannot_be_saved_before_the_end(client, cast, clock):
    travel(clock, "live")
    client.force_login(cast.users["host"])

    response = client.post(cast.path("attendance"), {"attended": [cast.rows["registered"].pk]}, follow=True)

    assert toasts(response) == ["Attendance can be confirmed once the session has ended."]
    assert attended(cast)["registered"] is False


def test_the_hosts_feedback_card_shows_the_average_count_and_comments_without_names(client, ended):
    client.force_login(ended.users["host"])

    feedback = card(client.get(ended.session.get_absolute_url()), "feedback-title")

    assert feedback is not None
    assert "4.0 / 5" in feedback
    assert "from 3 ratings" in feedback
    assert "Loved the role play" in feedback
    assert "More time for questions please" in feedback
    assert "Ratings and comments are shown without names." in feedback
    for name in ("Mina Mentee", "Ray Rater", "Sue Sayer"):
        assert name not in feedback


def test_a_manager_sees_who_gave_each_rating(client, ended):
    client.force_login(ended.users["manager"])

    feedback = card(client.get(ended.session.get_absolute_url()), "feedback-title")

    assert feedback is not None
    assert "4.0 / 5" in feedback
    for name in ("Mina Mentee", "Ray Rater", "Sue Sayer"):
        assert name in feedback


@pytest.mark.parametrize("role", ["registered", "waitlisted", "invited", "left", "declined"])
def test_participants_see_no_feedback_card(client, ended, role):
    client.force_login(ended.users[role])

    response = client.get(ended.session.get_absolute_url())

    assert response.status_code == 200
    assert "This session has ended." in rsvp(response)
    assert card(response, "feedback-title") is None
    assert "More time for questions please" not in page_text(response)


def test_an_attendee_sees_their_own_rating_and_can_change_it(client, ended):
    client.force_login(ended.users["registered"])

    box = rsvp(client.get(ended.session.get_absolute_url()))

    assert "Your rating: 5 / 5" in words(box)
    assert f'href="{ended.path("feedback")}">Change it' in box


def test_the_past_tab_shows_how_many_attended_and_not_you_are_attending(client, ended):
    for role in ("host", "registered"):
        client.force_login(ended.users[role])

        future = page_text(client.get(reverse("personal:sessions")))
        past = page_text(client.get(reverse("personal:sessions"), {"tab": "past"}))

        assert "Pitch practice" not in future
        assert "Pitch practice" in past
        assert "4 attended" in past
        assert "You are attending!" not in past
        assert "You're registered" not in past


def test_the_join_link_of_an_attendee_points_to_the_rating_page_after_the_end(client, ended):
    text = page_text(client.get(ended.join_path("registered")))

    assert "This session has ended." in text
    assert f'<a href="{ended.path("feedback")}">Tell the host how it was</a>' in text


def test_ratings_close_14_days_after_the_end(client, ended, clock):
    clock.move_to(ended.session.ends_at + timedelta(days=14, minutes=1), tick=False)
    client.force_login(ended.users["registered"])

    response = client.post(ended.path("feedback"), {"rating": "1", "comment": "Changed my mind"})

    assert response.status_code == 400
    assert "Feedback for this session closed 14 days after it ended." in page_text(response)
    assert Feedback.objects.get(participant=ended.rows["registered"]).rating == 5


@pytest.mark.usefixtures("personas")
def test_a_session_whose_call_was_ended_early_moves_to_the_past_tab(client, cast, clock):
    Participant.objects.filter(pk=cast.rows["registered"].pk).update(attended=True, joined_at=START)
    travel(clock, "live")
    client.get(
        reverse(
            "groupsessions:call_ended", args=[signing.dumps(cast.session.pk, salt=services.CALLBACK_SALT)]
        )
    )
    client.force_login(cast.users["registered"])

    future = page_text(client.get(reverse("personal:sessions")))
    past = page_text(client.get(reverse("personal:sessions"), {"tab": "past"}))

    assert "This session has ended." in rsvp(client.get(cast.session.get_absolute_url()))
    assert "Pitch practice" not in future
    assert "Pitch practice" in past
    assert "1 attended" in past


# ---- The recording and notes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    ["http://example.org/recording", "javascript:alert(1)", "https://example.org/rec\nording", "recording"],
)
def test_a_recording_link_that_is_not_https_is_explained_next_to_the_field_and_changes_nothing(
    client, ended, link
):
    client.force_login(ended.users["host"])

    response = client.post(ended.path("resources"), {"recording_url": link, "resources_note": "Slides"})

    assert response.status_code == 200
    assert field_errors(response, "recording_url") == [
        "The recording link must be a full https:// address (for example https://zoom.us/j/123)."
    ]
    ended.session.refresh_from_db()
    assert (ended.session.recording_url, ended.session.resources_note, ended.session.resources_shared_at) == (
        "",
        "",
        None,
    )


def test_the_recording_and_notes_cannot_be_shared_before_the_end(client, cast, clock):
    travel(clock, "live")
    client.force_login(cast.users["host"])

    response = client.post(cast.path("resources"), {"recording_url": "https://example.org/rec"})

    assert response.status_code == 200
    assert "The recording and notes can be added once the session has ended." in page_text(response)
    cast.session.refresh_from_db()
    assert cast.session.recording_url == ""


def test_a_shared_recording_shows_to_seated_people_and_managers_only(client, ended):
    client.force_login(ended.users["host"])

    response = client.post(
        ended.path("resources"),
        {"recording_url": "https://example.org/rec/42", "resources_note": "Read https://example.org/next"},
        follow=True,
    )
    again = client.post(
        ended.path("resources"),
        {"recording_url": "https://example.org/rec/43", "resources_note": "Read more"},
        follow=True,
    )

    assert toasts(response) == ["Shared! Participants will get an email."]
    assert toasts(again) == ["Saved!"]
    ended.session.refresh_from_db()
    assert ended.session.recording_url == "https://example.org/rec/43"
    for role in ("host", "registered", "manager"):
        client.force_login(ended.users[role])
        after = card(client.get(ended.session.get_absolute_url()), "after-title")
        assert after is not None
        assert '<a href="https://example.org/rec/43" rel="noopener noreferrer" target="_blank">' in after
        assert "Read more" in after
    for role in NOT_SEATED:
        client.force_login(ended.users[role])
        page = client.get(ended.session.get_absolute_url())
        after = card(page, "after-title")
        assert after is not None
        assert "The recording and notes are for the people who had a seat." in after
        assert "example.org/rec" not in page.content.decode()
        assert "Read more" not in page_text(page)


def test_the_note_and_recording_link_are_shown_as_text_not_markup(client, ended):
    client.force_login(ended.users["host"])
    client.post(
        ended.path("resources"),
        {
            "recording_url": 'https://example.org/rec"onmouseover="alert(1)',
            "resources_note": "<script>alert(1)</script> <b onclick=x>bold</b> javascript:alert(2)",
        },
    )
    client.force_login(ended.users["registered"])

    after = client.get(ended.session.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in after
    assert "<b onclick" not in after
    assert 'href="javascript:' not in after
    assert '"onmouseover="' not in after
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in after


# ---- The program's "Video calls" settings --------------------------------------------------------

BBB_SECRET = "s3cr3t-shared-with-bbb-0123456789abcdef"


def settings_data(**overrides: str) -> dict[str, str]:
    data = {
        "allow_group_sessions": "on",
        "default_min_participants": "1",
        "default_max_participants": "40",
        "decision_hours_before": "24",
        "join_minutes_before": "10",
        "video_service": "jitsi",
        "jitsi_url": "",
        "jitsi_app_id": "",
        "jitsi_app_secret": "",
        "bbb_url": "",
        "bbb_secret": "",
    }
    data.update(overrides)
    return data


def program_row(program: Program) -> dict:
    return Program.objects.filter(pk=program.pk).values().get()


def test_a_manager_switches_to_bigbluebutton_and_the_secret_is_never_shown_back(client, personas):
    client.force_login(personas.manager)
    path = reverse("manage:settings", args=["alpha"])

    response = client.post(
        path,
        settings_data(
            video_service="bbb", bbb_url="https://bbb.example.org/bigbluebutton/api", bbb_secret=BBB_SECRET
        ),
        follow=True,
    )

    assert toasts(response) == ["Saved!"]
    program = Program.objects.get(pk=personas.program.pk)
    assert (program.video_service, program.bbb_url, program.bbb_secret) == (
        "bbb",
        "https://bbb.example.org/bigbluebutton/api",
        BBB_SECRET,
    )
    assert BBB_SECRET not in response.content.decode()
    assert "A secret is saved (ending in …cdef). Leave blank to keep it." in page_text(response)
    assert 'value="https://bbb.example.org/bigbluebutton/api"' in response.content.decode()


def test_a_blank_secret_keeps_the_saved_one(client, personas):
    personas.program.video_service = "bbb"
    personas.program.bbb_url = "https://bbb.example.org/bigbluebutton/api"
    personas.program.bbb_secret = BBB_SECRET
    personas.program.save()
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:settings", args=["alpha"]),
        settings_data(video_service="bbb", bbb_url="https://bbb2.example.org/bigbluebutton/api"),
        follow=True,
    )

    assert toasts(response) == ["Saved!"]
    program = Program.objects.get(pk=personas.program.pk)
    assert (program.bbb_url, program.bbb_secret) == ("https://bbb2.example.org/bigbluebutton/api", BBB_SECRET)


def test_a_secret_typed_into_a_form_with_errors_is_not_sent_back(client, personas):
    client.force_login(personas.manager)
    before = program_row(personas.program)

    response = client.post(
        reverse("manage:settings", args=["alpha"]),
        settings_data(
            video_service="bbb",
            bbb_url="https://bbb.example.org/bigbluebutton/api",
            bbb_secret=BBB_SECRET,
            jitsi_app_id="mentorcircle",
            jitsi_app_secret="jitsi-" + BBB_SECRET,
            join_minutes_before="121",
        ),
    )

    assert response.status_code == 200
    assert field_errors(response, "join_minutes_before")
    assert BBB_SECRET not in response.content.decode()
    assert program_row(personas.program) == before


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {},
            {
                "bbb_url": ["Enter the BigBlueButton API address to use BigBlueButton."],
                "bbb_secret": ["Enter the BigBlueButton shared secret to use BigBlueButton."],
            },
        ),
        (
            {"bbb_secret": BBB_SECRET},
            {"bbb_url": ["Enter the BigBlueButton API address to use BigBlueButton."], "bbb_secret": []},
        ),
        (
            {"bbb_url": "https://bbb.example.org/bigbluebutton/api"},
            {"bbb_url": [], "bbb_secret": ["Enter the BigBlueButton shared secret to use BigBlueButton."]},
        ),
    ],
)
def test_bigbluebutton_without_its_address_or_secret_is_explained_and_changes_nothing(
    client, personas, overrides, errors
):
    client.force_login(personas.manager)
    before = program_row(personas.program)

    response = client.post(
        reverse("manage:settings", args=["alpha"]), settings_data(video_service="bbb", **overrides)
    )

    assert response.status_code == 200
    assert {field: field_errors(response, field) for field in errors} == errors
    assert program_row(personas.program) == before
    assert BBB_SECRET not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "address"),
    [
        ("jitsi_url", "http://meet.example.org"),
        ("jitsi_url", "ftp://meet.example.org"),
        ("jitsi_url", "meet.example.org"),
        ("bbb_url", "http://bbb.example.org/bigbluebutton/api"),
    ],
)
def test_a_video_server_not_on_https_is_refused(client, personas, field, address):
    client.force_login(personas.manager)
    before = program_row(personas.program)
    extra = {"video_service": "bbb", "bbb_secret": BBB_SECRET} if field == "bbb_url" else {}

    response = client.post(
        reverse("manage:settings", args=["alpha"]), settings_data(**{field: address}, **extra)
    )

    assert response.status_code == 200
    assert field_errors(response, field) == [
        "Enter the server's full https:// address, for example "
        + (
            "https://meet.example.org."
            if field == "jitsi_url"
            else "https://bbb.example.org/bigbluebutton/api."
        )
    ]
    assert program_row(personas.program) == before


def test_a_jitsi_server_on_this_machine_may_use_plain_http_while_trying_things_out(
    client, personas, settings
):
    settings.DEBUG = True
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:settings", args=["alpha"]), settings_data(jitsi_url="http://localhost:8443/")
    )

    assert response.status_code == 302
    assert Program.objects.get(pk=personas.program.pk).jitsi_url == "http://localhost:8443"


@pytest.mark.parametrize("address", ["https://meet.example.org/jitsi", "https://user:pw@meet.example.org"])
def test_a_jitsi_server_address_the_join_link_cannot_use_is_refused(client, personas, address):
    client.force_login(personas.manager)
    before = program_row(personas.program)

    response = client.post(reverse("manage:settings", args=["alpha"]), settings_data(jitsi_url=address))

    assert response.status_code == 200
    assert field_errors(response, "jitsi_url") == [
        "Enter just the server's address, for example https://meet.example.org."
    ]
    assert program_row(personas.program) == before


# ---- The session form's meeting link -------------------------------------------------------------

FORM_START = (
    (timezone.now() + timedelta(days=30))
    .astimezone(PARIS)
    .replace(hour=18, minute=30, second=0, microsecond=0)
)


def session_data(program: Program, **changes: str) -> dict[str, str]:
    return {
        "program": str(program.pk),
        "title": "Negotiating your first salary",
        "description": "We practise **real** offers.",
        "starts_at": FORM_START.strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "Europe/Paris",
        "duration_hours": "1",
        "duration_minutes": "0",
        "min_participants": "",
        "max_participants": "",
        "meeting_url": "",
    } | changes


MEETING_LINK_ERROR = "The meeting link must be a full https:// address (for example https://zoom.us/j/123)."


@pytest.mark.parametrize("link", ["http://zoom.us/j/1", "javascript:alert(1)", "https://zoom.us/j/1\n2"])
def test_the_create_form_refuses_a_meeting_link_that_is_not_https(client, personas, link):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]), session_data(personas.program, meeting_url=link)
    )

    assert response.status_code == 200
    assert "Meeting link (optional)" in page_text(response)
    assert field_errors(response, "meeting_url") == [MEETING_LINK_ERROR]
    assert not GroupSession.objects.exists()


def test_the_create_form_accepts_an_https_meeting_link(client, personas):
    client.force_login(personas.mentor)

    response = client.post(
        reverse("personal:session_create"), session_data(personas.program, meeting_url="https://zoom.us/j/1")
    )

    assert response.status_code == 302
    assert GroupSession.objects.get().meeting_url == "https://zoom.us/j/1"


def test_the_edit_form_refuses_http_and_accepts_https(client, personas):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, starts_at=FORM_START)
    client.force_login(personas.mentor)
    path = reverse("groupsessions:edit", args=[session.pk])
    data = session_data(personas.program, starts_at=FORM_START.strftime("%Y-%m-%dT%H:%M"))

    refused = client.post(path, data | {"meeting_url": "http://zoom.us/j/1"})
    session.refresh_from_db()
    assert session.meeting_url == ""
    accepted = client.post(path, data | {"meeting_url": "https://zoom.us/j/1"})

    assert field_errors(refused, "meeting_url") == [MEETING_LINK_ERROR]
    assert accepted.status_code == 302
    session.refresh_from_db()
    assert session.meeting_url == "https://zoom.us/j/1"


def test_in_production_plain_http_to_this_machine_is_refused(client, personas, settings):
    settings.DEBUG = False
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:settings", args=["alpha"]), settings_data(jitsi_url="http://localhost:8443/")
    )

    assert response.status_code == 200
    assert field_errors(response, "jitsi_url")
    assert Program.objects.get(pk=personas.program.pk).jitsi_url == ""
