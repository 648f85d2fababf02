"""Entering the call through one's own join link, where the link leads (Jitsi, BigBlueButton, the
host's own link), and what the video service tells us back (the call ended, minutes present)."""

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import resolve

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant, Phase
from mentorcircle.groupsessions.services import SessionError
from mentorcircle.programs.models import VideoService
from tests.fake_bbb import FakeBBB
from tests.groupsessions.conftest import NOW, STARTS, add_members, create_session
from tests.groupsessions.test_concurrency import all_at_once

# BigBlueButton's analytics callback is signed HS512 with a shared secret shorter than RFC 7518
# recommends; PyJWT warns about it.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

Status = Participant.Status
OPENS = STARTS - timedelta(minutes=10)
ENDS = STARTS + timedelta(hours=1)
JITSI_APP_ID = "mentorcircle"
JITSI_SECRET = "a-jitsi-app-secret-that-is-long-enough-for-hs256"


def seat(session: GroupSession, user) -> Participant:
    participant = services.participant_join(session=session, user=user, now=NOW)
    assert participant.status == Status.REGISTERED
    return participant


def host_row(session: GroupSession) -> Participant:
    return Participant.objects.get(session=session, status=Status.HOST)


def reloaded(participant: Participant) -> Participant:
    return Participant.objects.get(pk=participant.pk)


def enter(participant: Participant, now) -> str:
    return services.participant_enter_call(participant=participant, now=now)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, _req, _fp, _code, _msg, _headers, _newurl):
        return None


def open_without_following(url: str) -> tuple[int, str]:
    """(status, Location) of a GET to the fake BigBlueButton, as the browser's first hop."""
    assert url.startswith("http://127.0.0.1:")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Location", "")


def jitsi_claims(url: str) -> dict:
    token = parse_qs(urlsplit(url).query)["jwt"][0]
    return jwt.decode(token, key=JITSI_SECRET, algorithms=["HS256"], audience="jitsi")


@pytest.fixture
def mentee_seat(session, personas) -> Participant:
    return seat(session, personas.mentee)


@pytest.fixture
def jitsi_with_tokens(personas):
    program = personas.program
    program.jitsi_url = "https://meet.example.org"
    program.jitsi_app_id = JITSI_APP_ID
    program.jitsi_app_secret = JITSI_SECRET
    program.save()
    return program


@pytest.fixture
def bbb(personas):
    with FakeBBB() as fake:
        program = personas.program
        program.video_service = VideoService.BBB
        program.bbb_url = fake.api_url
        program.bbb_secret = fake.secret
        program.save()
        yield fake


# ---- Entering records attendance, once ---------------------------------------------------------


def test_entering_the_call_records_that_the_person_came_and_when(session, mentee_seat):
    assert (mentee_seat.joined_at, mentee_seat.attended) == (None, False)

    address = enter(mentee_seat, OPENS + timedelta(minutes=2))

    assert session.room_name in address
    row = reloaded(mentee_seat)
    assert row.joined_at == OPENS + timedelta(minutes=2)
    assert row.attended is True


@pytest.mark.usefixtures("session")
def test_opening_the_link_again_keeps_the_first_time(mentee_seat):
    first = enter(mentee_seat, OPENS + timedelta(minutes=2))
    again = enter(mentee_seat, STARTS + timedelta(minutes=40))

    assert again == first  # the same room both times
    row = reloaded(mentee_seat)
    assert row.joined_at == OPENS + timedelta(minutes=2)
    assert row.attended is True


def test_the_host_entering_is_recorded_too(session):
    host = host_row(session)

    enter(host, STARTS)

    assert reloaded(host).joined_at == STARTS
    assert reloaded(host).attended is True


@pytest.mark.parametrize(
    ("instant", "message"),
    [
        (NOW, "not open"),
        (OPENS - timedelta(seconds=1), "not open"),
        (ENDS, "not open"),
        (ENDS + timedelta(minutes=5), "not open"),
        (ENDS + timedelta(days=1), "not open"),
    ],
    ids=["a week early", "one second early", "at the end", "five minutes after", "the next day"],
)
@pytest.mark.usefixtures("session")
def test_the_link_does_not_open_the_call_outside_its_window(mentee_seat, instant, message):
    with pytest.raises(SessionError, match=message):
        enter(mentee_seat, instant)

    row = reloaded(mentee_seat)
    assert (row.joined_at, row.attended) == (None, False)


def test_the_link_of_a_cancelled_session_does_not_open_the_call(session, mentee_seat, personas):
    services.session_cancel(session=session, actor=personas.mentor, reason="The host is ill", now=NOW)

    for instant in (OPENS, STARTS, STARTS + timedelta(minutes=30)):
        with pytest.raises(SessionError, match="cancelled"):
            enter(mentee_seat, instant)

    row = reloaded(mentee_seat)
    assert (row.joined_at, row.attended) == (None, False)


def waitlisted(session, personas) -> Participant:
    crowd = add_members(personas.program, 2)
    session.max_participants = 2
    session.save()
    seat(session, crowd[0])
    return services.participant_join(session=session, user=crowd[1], now=NOW)


def left(session, personas) -> Participant:
    seat(session, personas.mentee)
    services.participant_leave(session=session, user=personas.mentee, now=NOW)
    return Participant.objects.get(session=session, user=personas.mentee)


def invited(session, personas) -> Participant:
    services.session_invite(
        session=session, actor=personas.mentor, invitees=services.Invitees(people=(personas.mentee,)), now=NOW
    )
    return Participant.objects.get(session=session, user=personas.mentee)


def declined(session, personas) -> Participant:
    invited(session, personas)
    return services.participant_decline(session=session, user=personas.mentee, now=NOW)


def registered_then_declined(session, personas) -> Participant:
    seat(session, personas.mentee)
    return services.participant_decline(session=session, user=personas.mentee, now=NOW)


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (waitlisted, Status.WAITLISTED),
        (left, Status.LEFT),
        (invited, Status.INVITED),
        (declined, Status.DECLINED),
        (registered_then_declined, Status.DECLINED),
    ],
    ids=["waitlisted", "left", "invited", "declined", "gave up the seat by declining"],
)
def test_a_link_without_a_seat_does_not_open_the_call(session, personas, make, status):
    participant = make(session, personas)
    assert participant.status == status

    for instant in (OPENS, STARTS + timedelta(minutes=5)):
        with pytest.raises(SessionError, match="no longer works"):
            enter(participant, instant)

    row = reloaded(participant)
    assert (row.joined_at, row.attended) == (None, False)


# ---- Jitsi ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("jitsi_with_tokens")
def test_the_host_runs_the_jitsi_call(session, time_machine):
    time_machine.move_to(OPENS, tick=False)  # PyJWT checks the token against the real clock

    url = enter(host_row(session), OPENS)

    assert url.startswith(f"https://meet.example.org/{session.room_name}?jwt=")
    claims = jitsi_claims(url)
    assert claims["moderator"] is True
    assert claims["context"]["user"]["moderator"] == "true"
    assert claims["context"]["user"]["name"] == "Theo Mentor"
    assert claims["room"] == session.room_name
    assert claims["iss"] == JITSI_APP_ID
    assert claims["sub"] == "meet.example.org"
    assert claims["exp"] == int((ENDS + services.CALL_GRACE).timestamp())


@pytest.mark.usefixtures("jitsi_with_tokens")
def test_a_mentee_joins_the_jitsi_call_as_a_guest(session, mentee_seat, time_machine):
    time_machine.move_to(STARTS + timedelta(minutes=3), tick=False)

    claims = jitsi_claims(enter(mentee_seat, STARTS + timedelta(minutes=3)))

    assert claims["moderator"] is False
    assert claims["context"]["user"]["moderator"] == "false"
    assert claims["context"]["user"]["name"] == "Mina Mentee"
    assert claims["context"]["user"]["id"] == str(mentee_seat.pk)
    assert claims["room"] == session.room_name


@pytest.mark.usefixtures("jitsi_with_tokens")
def test_a_program_manager_who_registered_runs_the_jitsi_call(session, personas, time_machine):
    manager = seat(session, personas.manager)
    time_machine.move_to(STARTS, tick=False)

    claims = jitsi_claims(enter(manager, STARTS))

    assert claims["moderator"] is True
    assert claims["context"]["user"]["moderator"] == "true"


@pytest.mark.usefixtures("session", "jitsi_with_tokens")
def test_a_jitsi_token_signed_for_another_server_is_refused_by_ours(mentee_seat, time_machine):
    time_machine.move_to(STARTS, tick=False)
    token = parse_qs(urlsplit(enter(mentee_seat, STARTS)).query)["jwt"][0]

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token, key="another-secret-of-a-decent-length-for-hs256!", algorithms=["HS256"], audience="jitsi"
        )


def test_by_default_the_call_is_an_open_room_on_the_configured_jitsi_server(session, mentee_seat, settings):
    url = enter(mentee_seat, OPENS)

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{settings.JITSI_URL}/{session.room_name}"
    assert parts.query == ""
    assert "jwt" not in url
    assert unquote(parts.fragment) == 'userInfo.displayName="Mina Mentee"'


def test_the_default_server_is_https_meet_jit_si(session, mentee_seat, settings):
    settings.JITSI_URL = "https://meet.jit.si"

    assert enter(mentee_seat, OPENS).startswith(f"https://meet.jit.si/{session.room_name}#")


def test_the_default_server_follows_the_setting(session, mentee_seat, settings):
    settings.JITSI_URL = "https://video.example.net"

    assert enter(mentee_seat, OPENS).startswith(f"https://video.example.net/{session.room_name}#")


def test_a_program_with_its_own_jitsi_server_sends_people_there(session, mentee_seat, personas):
    personas.program.jitsi_url = "https://jitsi.alpha.example"
    personas.program.save()

    url = enter(mentee_seat, OPENS)

    assert url.startswith(f"https://jitsi.alpha.example/{session.room_name}#")
    assert "jwt" not in url


def test_every_session_has_its_own_room(personas, session, mentee_seat):
    other = create_session(personas.program, personas.manager)
    other_seat = seat(other, personas.mentee)

    assert session.room_name != other.room_name
    assert urlsplit(enter(mentee_seat, OPENS)).path != urlsplit(enter(other_seat, OPENS)).path


# ---- The host's own meeting link ------------------------------------------------------------------


def test_the_hosts_own_meeting_link_is_where_everyone_goes(personas):
    session = create_session(personas.program, personas.mentor, meeting_url="https://zoom.us/j/123?pwd=abc")
    mentee = seat(session, personas.mentee)

    assert enter(host_row(session), OPENS) == "https://zoom.us/j/123?pwd=abc"
    assert enter(mentee, OPENS) == "https://zoom.us/j/123?pwd=abc"
    assert reloaded(mentee).attended is True


def test_the_hosts_own_link_wins_over_the_programs_bigbluebutton(personas, bbb):
    session = create_session(personas.program, personas.mentor, meeting_url="https://zoom.us/j/123")
    mentee = seat(session, personas.mentee)

    assert enter(mentee, OPENS) == "https://zoom.us/j/123"
    assert bbb.calls == []


def test_the_hosts_own_link_is_still_refused_outside_the_window(personas):
    session = create_session(personas.program, personas.mentor, meeting_url="https://zoom.us/j/123")
    mentee = seat(session, personas.mentee)

    with pytest.raises(SessionError):
        enter(mentee, OPENS - timedelta(seconds=1))
    with pytest.raises(SessionError):
        enter(mentee, ENDS)
    assert reloaded(mentee).attended is False


# ---- BigBlueButton --------------------------------------------------------------------------------


def test_bigbluebutton_lands_the_host_in_the_room_as_moderator(session, bbb):
    host = host_row(session)

    url = enter(host, OPENS)

    assert [call.name for call in bbb.calls] == ["create"]
    status, location = open_without_following(url)
    assert status == 302
    assert location.startswith(bbb.room_url(session.room_name) + "?")
    assert parse_qs(urlsplit(location).query) == {
        "role": ["MODERATOR"],
        "userID": [str(host.pk)],
        "fullName": ["Theo Mentor"],
    }
    assert all(call.checksum_ok for call in bbb.calls)
    assert reloaded(host).attended is True


def test_bigbluebutton_lands_a_mentee_in_the_room_as_viewer(session, mentee_seat, bbb):
    url = enter(mentee_seat, STARTS)

    status, location = open_without_following(url)
    assert status == 302
    assert parse_qs(urlsplit(location).query)["role"] == ["VIEWER"]
    join = bbb.calls_to("join")[-1]
    assert join.checksum_ok
    assert join.params["meetingID"] == session.room_name
    assert join.params["userID"] == str(mentee_seat.pk)


@pytest.mark.usefixtures("bbb")
def test_a_registered_program_manager_is_a_bigbluebutton_moderator(session, personas):
    manager = seat(session, personas.manager)

    status, location = open_without_following(enter(manager, STARTS))

    assert status == 302
    assert parse_qs(urlsplit(location).query)["role"] == ["MODERATOR"]


def test_the_room_is_created_for_this_session_with_our_callbacks(session, bbb, settings):
    enter(host_row(session), OPENS)

    (create,) = bbb.calls_to("create")
    assert create.checksum_ok
    assert create.params["meetingID"] == session.room_name
    assert create.params["name"] == session.title
    assert create.params["logoutURL"] == f"{settings.SITE_URL}/sessions/{session.pk}/"
    # Open from 10 minutes before the start until 30 minutes after the 1-hour session.
    assert create.params["duration"] == "100"
    ended, analytics = create.params["meta_endCallbackUrl"], create.params["meta_analytics-callback-url"]
    assert create.params["meetingKeepEvents"] == "true"
    for url, view_name in ((ended, "call_ended"), (analytics, "call_analytics")):
        assert url.startswith(settings.SITE_URL + "/")
        match = resolve(urlsplit(url).path)
        assert match.url_name == view_name
        assert signing.loads(match.kwargs["token"], salt=services.CALLBACK_SALT) == session.pk


def test_the_end_callback_bigbluebutton_was_given_ends_the_session(session, mentee_seat, bbb, time_machine):
    enter(mentee_seat, STARTS)
    ended = bbb.calls_to("create")[0].params["meta_endCallbackUrl"]
    time_machine.move_to(STARTS + timedelta(minutes=42), tick=False)

    response = Client().get(urlsplit(ended).path)

    assert response.status_code == 200
    session.refresh_from_db()
    assert session.call_ended_at == STARTS + timedelta(minutes=42)
    assert session.phase(STARTS + timedelta(minutes=42)) == Phase.ENDED


def test_the_analytics_callback_bigbluebutton_was_given_records_minutes_present(
    session, mentee_seat, bbb, time_machine
):
    time_machine.move_to(STARTS, tick=False)
    enter(mentee_seat, STARTS)
    analytics = bbb.calls_to("create")[0].params["meta_analytics-callback-url"]
    time_machine.move_to(ENDS + timedelta(minutes=2), tick=False)
    body, authorization = bbb.analytics_callback(
        session.room_name, {str(mentee_seat.pk): 25 * 60 + 59, "w_abcdef": 600}
    )

    response = Client().post(
        urlsplit(analytics).path, data=body, content_type="application/json", HTTP_AUTHORIZATION=authorization
    )

    assert response.status_code == 200
    assert reloaded(mentee_seat).minutes_present == 25


def test_opening_the_bigbluebutton_room_twice_is_fine(session, mentee_seat, bbb):
    first = enter(host_row(session), OPENS)
    second = enter(mentee_seat, STARTS)

    assert len(bbb.calls_to("create")) == 2  # safe to repeat
    assert open_without_following(first)[0] == open_without_following(second)[0] == 302
    assert len(bbb.meetings) == 1


@pytest.mark.usefixtures("session")
def test_an_unreachable_bigbluebutton_server_is_a_clear_error_and_records_nothing(mentee_seat, personas):
    personas.program.video_service = VideoService.BBB
    personas.program.bbb_url = f"http://127.0.0.1:{closed_port()}/bigbluebutton/api"
    personas.program.bbb_secret = "a-shared-secret"
    personas.program.save()

    started = time.monotonic()
    with pytest.raises(SessionError) as refused:
        enter(mentee_seat, STARTS)

    assert time.monotonic() - started < 5
    assert refused.value.message.startswith("The video server did not open the room")
    assert "could not be reached" in refused.value.message
    assert "127.0.0.1" not in refused.value.message
    assert "a-shared-secret" not in refused.value.message
    row = reloaded(mentee_seat)
    assert (row.joined_at, row.attended) == (None, False)


@pytest.mark.usefixtures("session")
def test_a_bigbluebutton_server_that_refuses_our_secret_records_nothing(mentee_seat, bbb, personas):
    personas.program.bbb_secret = "not-the-servers-secret"
    personas.program.save()

    with pytest.raises(SessionError, match="checksumError"):
        enter(mentee_seat, STARTS)

    assert bbb.meetings == {}
    assert reloaded(mentee_seat).attended is False


@pytest.mark.usefixtures("session")
def test_bigbluebutton_without_a_server_is_a_clear_error_and_records_nothing(mentee_seat, personas):
    personas.program.video_service = VideoService.BBB
    personas.program.save()

    with pytest.raises(SessionError, match="not set up yet"):
        enter(mentee_seat, STARTS)

    assert reloaded(mentee_seat).attended is False


# ---- The video service reports back ----------------------------------------------------------------


def test_a_call_ended_during_the_session_ends_it_there_and_then(session, mentee_seat):
    ended_at = STARTS + timedelta(minutes=40)

    assert services.session_call_ended(session_id=session.pk, now=ended_at) is True

    session.refresh_from_db()
    assert session.call_ended_at == ended_at
    assert session.phase(ended_at) == Phase.ENDED
    assert session.phase(ended_at + timedelta(minutes=1)) == Phase.ENDED
    with pytest.raises(SessionError, match="not open"):
        enter(mentee_seat, ended_at + timedelta(minutes=1))
    assert reloaded(mentee_seat).attended is False


@pytest.mark.parametrize(
    "instant",
    [NOW, OPENS, STARTS - timedelta(seconds=1)],
    ids=["a week before", "when the call opens", "a second before the start"],
)
def test_a_call_ended_before_the_start_leaves_the_session_alone(session, mentee_seat, instant):
    assert services.session_call_ended(session_id=session.pk, now=instant) is False

    session.refresh_from_db()
    assert session.call_ended_at is None
    assert session.phase(STARTS) == Phase.LIVE
    assert enter(mentee_seat, STARTS)  # nobody is locked out
    assert reloaded(mentee_seat).attended is True


def test_a_call_ended_again_keeps_the_first_end(session):
    first = STARTS + timedelta(minutes=20)

    assert services.session_call_ended(session_id=session.pk, now=first) is True
    assert services.session_call_ended(session_id=session.pk, now=first + timedelta(minutes=5)) is False

    session.refresh_from_db()
    assert session.call_ended_at == first


def test_a_call_ended_after_the_scheduled_end_changes_nothing(session):
    assert services.session_call_ended(session_id=session.pk, now=ENDS + timedelta(minutes=3)) is False

    session.refresh_from_db()
    assert session.call_ended_at is None
    assert session.phase(ENDS + timedelta(minutes=3)) == Phase.ENDED


def test_a_call_ended_of_a_cancelled_session_changes_nothing(session, personas):
    services.session_cancel(session=session, actor=personas.mentor, reason="Ill", now=NOW)

    assert services.session_call_ended(session_id=session.pk, now=STARTS + timedelta(minutes=5)) is False

    session.refresh_from_db()
    assert session.call_ended_at is None
    assert session.phase(STARTS + timedelta(minutes=5)) == Phase.CANCELLED


def test_minutes_present_are_recorded_for_this_sessions_participants_only(session, mentee_seat, personas):
    other = create_session(personas.program, personas.manager)
    elsewhere = seat(other, personas.mentee)
    host = host_row(session)

    recorded = services.participants_record_minutes(
        session_id=session.pk,
        minutes={str(mentee_seat.pk): 42, str(host.pk): 61, str(elsewhere.pk): 13, "w_x1y2": 5, "": 3},
    )

    assert recorded == 2
    assert reloaded(mentee_seat).minutes_present == 42
    assert reloaded(host).minutes_present == 61
    assert reloaded(elsewhere).minutes_present is None


def test_minutes_present_never_exceed_a_day(session, mentee_seat):
    services.participants_record_minutes(session_id=session.pk, minutes={str(mentee_seat.pk): 10**6})

    assert reloaded(mentee_seat).minutes_present == 24 * 60


def test_minutes_present_do_not_mark_anyone_attended(session, mentee_seat):
    services.participants_record_minutes(session_id=session.pk, minutes={str(mentee_seat.pk): 30})

    row = reloaded(mentee_seat)
    assert (row.minutes_present, row.attended, row.joined_at) == (30, False, None)


# ---- Concurrency -----------------------------------------------------------------------------------
# Each thread has its own connection to a real, committed database (`transactional_db`); they wait
# at a barrier so their requests hit the database together. SQLite queues writers on its lock,
# PostgreSQL on row locks: the guarded UPDATE must let exactly one of them record the time.


def joined_at_writes() -> tuple[list[int], Callable]:
    """A query spy: how many rows each UPDATE that sets `joined_at` changed (whichever way the
    application writes it: a guarded UPDATE or a save())."""
    rows_changed: list[int] = []
    lock = threading.Lock()

    def spy(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("UPDATE") and "joined_at" in sql and "participant" in sql:
            with lock:
                rows_changed.append(context["cursor"].rowcount)
        return result

    return rows_changed, spy


@pytest.mark.parametrize("people", [2, 8])
@pytest.mark.usefixtures("transactional_db")
def test_the_same_join_link_opened_at_once_records_the_arrival_exactly_once(personas, time_machine, people):
    session = create_session(personas.program, personas.mentor)
    mentee = seat(session, personas.mentee)
    link = mentee.join_path()
    time_machine.move_to(OPENS + timedelta(minutes=1))  # the link's view reads the real clock
    rows_changed, spy = joined_at_writes()

    def open_link(_: int) -> tuple[int, str]:
        with connection.execute_wrapper(spy):
            response = Client().get(link)
        return response.status_code, response.get("Location", "")

    results, errors = all_at_once(people, open_link)

    assert errors == []
    assert len(results) == people
    assert {status for status, _ in results} == {302}
    assert len({location for _, location in results}) == 1  # everyone lands in the same room
    assert session.room_name in results[0][1]
    assert sum(rows_changed) == 1, f"joined_at was written {sum(rows_changed)} times"
    row = reloaded(mentee)
    assert row.attended is True
    assert OPENS + timedelta(minutes=1) <= row.joined_at < OPENS + timedelta(minutes=2)


@pytest.mark.usefixtures("transactional_db")
def test_the_service_called_at_once_with_different_times_keeps_one_of_them(personas):
    session = create_session(personas.program, personas.mentor)
    mentee = seat(session, personas.mentee)
    instants = [OPENS + timedelta(seconds=i) for i in range(6)]
    rows_changed, spy = joined_at_writes()

    def open_call(i: int) -> str:
        with connection.execute_wrapper(spy):
            return enter(mentee, instants[i])

    results, errors = all_at_once(len(instants), open_call)

    assert errors == []
    assert len(set(results)) == 1
    assert sum(rows_changed) == 1
    row = reloaded(mentee)
    assert row.joined_at in instants
    # Later openings never move it.
    enter(mentee, STARTS + timedelta(minutes=30))
    assert reloaded(mentee).joined_at == row.joined_at
