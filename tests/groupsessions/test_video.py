"""Where a participant is sent to join a call: Jitsi room URLs (open or with a JWT) and
BigBlueButton create/join against a fake BigBlueButton server, plus its analytics callback."""

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
import pytest

from mentorcircle.groupsessions import video
from mentorcircle.groupsessions.video import CallUser, VideoError
from tests.fake_bbb import DEFAULT_SECRET, FakeBBB

# BigBlueButton's shared secrets are ~32-43 characters, shorter than RFC 7518 recommends for
# HS512; PyJWT warns about it, and the analytics callback has to live with it.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

# Tokens are checked against the real clock by PyJWT, so "now" is now.
NOW = datetime.now(UTC).replace(microsecond=0)
ENDS = NOW + timedelta(hours=1, minutes=30)
JITSI_APP_ID = "mentorcircle"
JITSI_SECRET = "a-jitsi-app-secret-that-is-long-enough-for-hs256"
HOST = CallUser(id="7", name="Ada Host", email="ada@example.org", moderator=True)
GUEST = CallUser(id="42", name="Bo Guest", email="bo@example.org", moderator=False)
TRICKY_NAMES = [
    'Eve\r\nSet-Cookie: x=1 "quoted" & <b>bold</b>',
    "x" * 200,
    "مريم العربية \u200f(שלום)",
    "Zoë 🙂 O'Brien\t\x00\u2028end",
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, _req, _fp, _code, _msg, _headers, _newurl):
        return None


def fetch(url: str) -> bytes:
    """GET a URL of the fake server, following redirects as a browser does."""
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (checked just above)
        return response.read()


def fetch_without_following(url: str) -> tuple[int, str]:
    """(status, Location) of one GET, redirects not followed."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Location", "")


@pytest.fixture
def bbb():
    with FakeBBB() as server:
        yield server


def create(bbb: FakeBBB, meeting_id: str = "mc-room1", **changes) -> None:
    arguments = {
        "api_url": bbb.api_url,
        "secret": bbb.secret,
        "meeting_id": meeting_id,
        "name": "Negotiating your first salary",
        "duration_minutes": 120,
        "end_callback_url": "https://mentorcircle.example/calls/abc/ended/",
        "analytics_callback_url": "https://mentorcircle.example/calls/abc/analytics/",
        "logout_url": "https://mentorcircle.example/sessions/5/",
        "timeout": 3,
    } | changes
    video.bbb_create(**arguments)


def jitsi_claims(url: str) -> dict:
    token = parse_qs(urlsplit(url).query)["jwt"][0]
    return jwt.decode(token, key=JITSI_SECRET, algorithms=["HS256"], audience="jitsi")


def assert_one_safe_line(url: str) -> None:
    assert not re.search(r"[\x00-\x20\x7f]", url), url


# --- room names ------------------------------------------------------------------------------


def test_room_names_are_long_unguessable_and_url_safe():
    names = {video.new_room_name() for _ in range(200)}
    assert len(names) == 200
    for name in names:
        assert re.fullmatch(r"mc-[0-9a-f]{32}", name)


# --- Jitsi -----------------------------------------------------------------------------------


def test_open_jitsi_room_prefills_the_display_name_and_carries_no_token():
    url = video.jitsi_url(server="meet.jit.si", room="mc-room1", user=GUEST, expires_at=ENDS, now=NOW)

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.query) == ("https", "meet.jit.si", "/mc-room1", "")
    key, _, value = parts.fragment.partition("=")
    assert key == "userInfo.displayName"
    assert json.loads(unquote(value)) == "Bo Guest"
    assert "jwt" not in url


def test_jitsi_server_may_be_given_as_an_origin_with_a_trailing_slash():
    url = video.jitsi_url(
        server="https://Meet.Example.org/", room="mc-room1", user=GUEST, expires_at=ENDS, now=NOW
    )
    assert url.startswith("https://meet.example.org/mc-room1#")


def test_jitsi_token_admits_to_this_room_until_the_end_and_verifies_with_the_app_secret():
    url = video.jitsi_url(
        server="https://meet.example.org",
        room="mc-room1",
        user=GUEST,
        app_id=JITSI_APP_ID,
        app_secret=JITSI_SECRET,
        expires_at=ENDS,
        now=NOW,
    )

    assert url.startswith("https://meet.example.org/mc-room1?jwt=")
    assert "#" not in url
    claims = jitsi_claims(url)
    assert claims["aud"] == "jitsi"
    assert claims["iss"] == JITSI_APP_ID
    assert claims["sub"] == "meet.example.org"
    assert claims["room"] == "mc-room1"
    assert claims["iat"] == claims["nbf"] == int(NOW.timestamp())
    assert claims["exp"] == int(ENDS.timestamp())
    assert claims["moderator"] is False
    assert claims["context"]["user"] == {
        "id": "42",
        "name": "Bo Guest",
        "email": "bo@example.org",
        "moderator": "false",
    }


def test_jitsi_token_makes_only_the_moderator_a_moderator():
    def claims_for(user: CallUser) -> dict:
        return jitsi_claims(
            video.jitsi_url(
                server="meet.example.org",
                room="mc-room1",
                user=user,
                app_id=JITSI_APP_ID,
                app_secret=JITSI_SECRET,
                expires_at=ENDS,
                now=NOW,
            )
        )

    assert claims_for(HOST)["moderator"] is True
    assert claims_for(HOST)["context"]["user"]["moderator"] == "true"
    assert claims_for(GUEST)["moderator"] is False


def test_jitsi_token_signed_with_another_secret_is_refused():
    url = video.jitsi_url(
        server="meet.example.org",
        room="mc-room1",
        user=GUEST,
        app_id=JITSI_APP_ID,
        app_secret=JITSI_SECRET,
        expires_at=ENDS,
        now=NOW,
    )
    token = parse_qs(urlsplit(url).query)["jwt"][0]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token, key="another-secret-of-a-decent-length-1234", algorithms=["HS256"], audience="jitsi"
        )


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_tricky_names_survive_as_one_clean_line(name):
    user = CallUser(id="42", name=name, email="bo@example.org\r\n", moderator=False)

    open_url = video.jitsi_url(server="meet.jit.si", room="mc-room1", user=user, expires_at=ENDS, now=NOW)
    token_url = video.jitsi_url(
        server="meet.jit.si",
        room="mc-room1",
        user=user,
        app_id=JITSI_APP_ID,
        app_secret=JITSI_SECRET,
        expires_at=ENDS,
        now=NOW,
    )
    join_url = video.bbb_join_url(
        api_url="https://bbb.example.org/bigbluebutton/api", secret="s3cret", meeting_id="mc-room1", user=user
    )

    for url in (open_url, token_url, join_url):
        assert_one_safe_line(url)
    shown = json.loads(unquote(urlsplit(open_url).fragment.partition("=")[2]))
    signed = jitsi_claims(token_url)["context"]["user"]
    joined = parse_qs(urlsplit(join_url).query)["fullName"][0]
    assert shown == signed["name"] == joined
    assert not re.search(r"[\x00-\x1f\x7f\u2028\u2029]", shown)
    assert shown == shown.strip()
    assert "  " not in shown
    assert 0 < len(shown) <= video.MAX_NAME_LENGTH
    assert signed["email"] == "bo@example.org"
    if "مريم" in name:
        assert shown == name  # right-to-left text and its direction mark are kept as they are
    if name == "x" * 200:
        assert shown == "x" * video.MAX_NAME_LENGTH


def test_a_blank_name_falls_back_to_a_neutral_one():
    user = CallUser(id="42", name=" \r\n\t", email="", moderator=False)
    url = video.jitsi_url(server="meet.jit.si", room="mc-room1", user=user, expires_at=ENDS, now=NOW)
    assert json.loads(unquote(urlsplit(url).fragment.partition("=")[2])) == video.FALLBACK_NAME


NOT_A_ROOM = "A room name / meeting ID is 2-128 ASCII letters"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"server": "ftp://meet.example.org"}, "Not a Jitsi server address: 'ftp://meet.example.org'"),
        (
            {"server": "https://meet.example.org/tenant/other"},
            "Not a Jitsi server address: 'https://meet.example.org/tenant/other'",
        ),
        ({"room": "mc room/../x"}, NOT_A_ROOM),
        ({"room": "x"}, NOT_A_ROOM),
        ({"app_id": JITSI_APP_ID}, "A Jitsi app id and app secret go together"),  # a secret is missing
        (
            {"app_id": JITSI_APP_ID, "app_secret": JITSI_SECRET, "now": datetime(2027, 3, 8, 9, 0)},
            "now must be timezone-aware",
        ),
        (
            {"app_id": JITSI_APP_ID, "app_secret": JITSI_SECRET, "expires_at": NOW},
            "A Jitsi token must expire after it is issued",
        ),
    ],
)
def test_jitsi_misconfiguration_is_a_value_error(changes, message):
    arguments = {
        "server": "meet.example.org",
        "room": "mc-room1",
        "user": GUEST,
        "expires_at": ENDS,
        "now": NOW,
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        video.jitsi_url(**(arguments | changes))


# --- BigBlueButton: checksum -----------------------------------------------------------------


def test_checksum_is_sha256_of_call_query_and_secret():
    # The API documentation's example (its SHA-1 is 1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17),
    # hashed with SHA-256 by `sha256sum`.
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    checksum = video.bbb_checksum("create", query, "639259d4-9dd8-4b25-bf01-95f9567eaf4b")
    assert checksum == "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e"


# --- BigBlueButton: create -------------------------------------------------------------------


def test_create_is_accepted_and_sends_the_meeting_settings(bbb):
    create(bbb)

    (call,) = bbb.calls_to("create")
    assert call.checksum_ok
    assert call.params == {
        "name": "Negotiating your first salary",
        "meetingID": "mc-room1",
        "duration": "120",
        "logoutURL": "https://mentorcircle.example/sessions/5/",
        "meta_endCallbackUrl": "https://mentorcircle.example/calls/abc/ended/",
        "meetingKeepEvents": "true",
        "meta_analytics-callback-url": "https://mentorcircle.example/calls/abc/analytics/",
        "checksum": call.params["checksum"],
    }
    assert re.fullmatch(r"[0-9a-f]{64}", call.params["checksum"])
    assert "mc-room1" in bbb.meetings


def test_create_is_safe_to_repeat(bbb):
    create(bbb)
    create(bbb)
    create(bbb, duration_minutes=90)

    assert len(bbb.calls_to("create")) == 3
    assert list(bbb.meetings) == ["mc-room1"]


def test_create_repeated_on_an_older_server_that_says_id_not_unique_still_succeeds(bbb):
    create(bbb)
    bbb.next_response = (
        200,
        b"<response><returncode>FAILED</returncode><messageKey>idNotUnique</messageKey>"
        b"<message>A meeting already exists with that meeting ID.</message></response>",
    )
    create(bbb)

    assert len(bbb.calls_to("create")) == 2


def test_create_leaves_out_empty_callbacks_and_never_asks_for_an_unlimited_meeting(bbb):
    create(bbb, end_callback_url="", analytics_callback_url="", logout_url="", duration_minutes=0)

    (call,) = bbb.calls_to("create")
    assert set(call.params) == {"name", "meetingID", "duration", "checksum"}
    assert call.params["duration"] == "1"


def test_create_keeps_meeting_names_within_what_bigbluebutton_accepts(bbb):
    create(bbb, meeting_id="mc-long", name="Ünïcode & spaces\r\n" + "y" * 100)
    create(bbb, meeting_id="mc-short", name="X")

    assert bbb.meetings["mc-long"]["name"] == ("Ünïcode & spaces " + "y" * 100)[:64]
    assert bbb.meetings["mc-short"]["name"] == video.FALLBACK_MEETING_NAME


def test_api_url_may_end_with_a_slash_or_be_the_bbb_conf_form(bbb):
    create(bbb, meeting_id="mc-slash", api_url=bbb.api_url + "/")
    create(bbb, meeting_id="mc-conf", api_url=bbb.base_url + "/bigbluebutton/")

    assert {"mc-slash", "mc-conf"} <= set(bbb.meetings)
    assert all(call.path == "/bigbluebutton/api/create" for call in bbb.calls)


def test_a_wrong_secret_is_refused_with_a_clear_message(bbb):
    with pytest.raises(VideoError, match=r"refused the request \(checksumError\)"):
        create(bbb, secret="not-the-shared-secret")

    (call,) = bbb.calls_to("create")
    assert not call.checksum_ok
    assert bbb.meetings == {}


def test_the_error_message_never_shows_the_secret_or_the_address(bbb):
    with pytest.raises(VideoError) as caught:
        create(bbb, secret="not-the-shared-secret")
    assert "not-the-shared-secret" not in str(caught.value)
    assert "127.0.0.1" not in str(caught.value)


def create_at(api_url: str, *, timeout: float) -> None:
    video.bbb_create(
        api_url=api_url,
        secret="s3cret",
        meeting_id="mc-room1",
        name="Session",
        duration_minutes=60,
        end_callback_url="",
        analytics_callback_url="",
        logout_url="",
        timeout=timeout,
    )


def test_an_unreachable_server_fails_quickly():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: the connection is refused at once.
    started = time.monotonic()
    with pytest.raises(VideoError, match="could not be reached"):
        create_at(f"http://127.0.0.1:{port}/bigbluebutton/api", timeout=2)
    assert time.monotonic() - started < 2


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel accepts the connection; nobody ever answers
        started = time.monotonic()
        with pytest.raises(VideoError, match="could not be reached"):
            create_at(f"http://127.0.0.1:{silent.getsockname()[1]}/bigbluebutton/api", timeout=0.3)
        assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b"<html><body>Welcome to nginx!</body></html>", "not BigBlueButton's"),
        (200, b"not xml at all", "not BigBlueButton's"),
        (
            200,
            b"<response><returncode>SUCCESS</returncode>" + b" " * (1024 * 1024) + b"</response>",
            "too large",
        ),
        (
            200,
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "SUCCESS">]>'
            b"<response><returncode>&a;</returncode></response>",
            "not BigBlueButton's",
        ),
        (
            200,
            b"<response><returncode>FAILED</returncode></response>",
            r"refused the request \(no reason given\)",
        ),
        (502, b"Bad gateway", "HTTP error 502"),
    ],
)
def test_answers_that_are_not_a_bigbluebutton_success_raise_video_error(bbb, status, body, message):
    bbb.next_response = (status, body)
    with pytest.raises(VideoError, match=message):
        create(bbb)


def test_a_redirect_from_the_api_is_not_followed():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer_with_a_redirect():
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n"
                )

        server = threading.Thread(target=answer_with_a_redirect, daemon=True)
        server.start()
        with pytest.raises(VideoError, match="HTTP error 302"):
            create_at(f"http://127.0.0.1:{listener.getsockname()[1]}/bigbluebutton/api", timeout=2)
        server.join(timeout=2)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"api_url": "file:///etc/passwd"}, "Not a BigBlueButton API address: 'file:///etc/passwd'"),
        (
            {"api_url": "ftp://bbb.example.org/bigbluebutton/api"},
            "Not a BigBlueButton API address: 'ftp://bbb.example.org/bigbluebutton/api'",
        ),
        (
            {"api_url": "bbb.example.org/bigbluebutton/api"},
            "Not a BigBlueButton API address: 'bbb.example.org/bigbluebutton/api'",
        ),
        ({"secret": ""}, "The BigBlueButton secret is empty."),
        ({"meeting_id": "a,b"}, NOT_A_ROOM),
        ({"end_callback_url": "javascript:alert(1)"}, "end_callback_url must be an http(s) address."),
        (
            {"analytics_callback_url": "https://x.example/a b"},
            "analytics_callback_url must be an http(s) address.",
        ),
    ],
)
def test_bigbluebutton_misconfiguration_is_a_value_error(bbb, changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        create(bbb, **changes)
    assert bbb.calls == []


# --- BigBlueButton: join ---------------------------------------------------------------------


def test_join_url_is_signed_and_lands_a_moderator_in_the_room(bbb):
    create(bbb)
    url = video.bbb_join_url(api_url=bbb.api_url, secret=bbb.secret, meeting_id="mc-room1", user=HOST)

    status, location = fetch_without_following(url)

    assert status == 302
    assert location.startswith(bbb.room_url("mc-room1") + "?")
    assert parse_qs(urlsplit(location).query) == {
        "role": ["MODERATOR"],
        "userID": ["7"],
        "fullName": ["Ada Host"],
    }
    join = bbb.calls_to("join")[-1]
    assert join.checksum_ok
    assert list(join.params) == ["fullName", "meetingID", "role", "userID", "redirect", "checksum"]
    assert join.params["redirect"] == "true"


def test_join_url_lands_everyone_else_as_a_viewer(bbb):
    create(bbb)
    url = video.bbb_join_url(api_url=bbb.api_url, secret=bbb.secret, meeting_id="mc-room1", user=GUEST)

    page = fetch(url).decode()

    assert "Bo Guest (VIEWER)" in page
    assert bbb.joins == [{"meetingID": "mc-room1", "role": "VIEWER", "userID": "42", "fullName": "Bo Guest"}]


def test_join_url_with_a_wrong_secret_is_refused_by_the_server(bbb):
    create(bbb)
    url = video.bbb_join_url(
        api_url=bbb.api_url, secret="not-the-shared-secret", meeting_id="mc-room1", user=GUEST
    )

    answer = fetch(url)

    assert b"checksumError" in answer
    assert bbb.joins == []


def test_join_url_for_a_meeting_that_was_never_created_is_refused(bbb):
    url = video.bbb_join_url(api_url=bbb.api_url, secret=bbb.secret, meeting_id="mc-nowhere", user=GUEST)

    answer = fetch(url)

    assert b"invalidMeetingIdentifier" in answer
    assert bbb.calls_to("join")[-1].checksum_ok


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_tricky_names_reach_the_room_intact(bbb, name):
    create(bbb)
    user = CallUser(id="42", name=name, email="", moderator=False)
    url = video.bbb_join_url(api_url=bbb.api_url, secret=bbb.secret, meeting_id="mc-room1", user=user)

    status, location = fetch_without_following(url)

    assert status == 302
    assert bbb.calls_to("join")[-1].checksum_ok
    arrived = parse_qs(urlsplit(location).query)["fullName"][0]
    assert arrived == parse_qs(urlsplit(url).query)["fullName"][0]
    assert "\r" not in arrived
    assert "\n" not in arrived


# --- BigBlueButton: analytics callback -------------------------------------------------------


def test_analytics_callback_gives_whole_minutes_per_participant(bbb):
    body, authorization = bbb.analytics_callback("mc-room1", {"7": 3599, "42": 61, "w_abc123": 30})

    minutes = video.bbb_analytics_minutes(body=body, authorization=authorization, secret=bbb.secret)

    assert minutes == {"7": 59, "42": 1, "w_abc123": 0}


def test_analytics_callback_adds_up_a_participant_listed_twice(bbb):
    body, authorization = bbb.analytics_callback("mc-room1", {"42": 600})
    payload = json.loads(body)
    payload["data"]["attendees"].append(dict(payload["data"]["attendees"][0], duration=300.5))

    minutes = video.bbb_analytics_minutes(
        body=json.dumps(payload).encode(), authorization=authorization, secret=bbb.secret
    )

    assert minutes == {"42": 15}


def test_analytics_callback_signed_with_another_secret_is_refused(bbb):
    body, _ = bbb.analytics_callback("mc-room1", {"42": 600})
    forged = "Bearer " + jwt.encode(
        {"exp": int(time.time()) + 60}, "guessed-secret-0000000000000000", "HS512"
    )

    with pytest.raises(VideoError, match="signature"):
        video.bbb_analytics_minutes(body=body, authorization=forged, secret=bbb.secret)


def token(claims: dict, secret: str = DEFAULT_SECRET, algorithm: str = "HS512") -> str:
    return "Bearer " + jwt.encode(claims, secret, algorithm)


@pytest.mark.parametrize(
    "authorization",
    [
        lambda: "",
        lambda: "Bearer",
        lambda: "Basic dXNlcjpwYXNz",
        lambda: "Bearer not.a.jwt",
        # Right secret, wrong algorithm: BigBlueButton signs with HS512 only.
        lambda: token({"exp": int(time.time()) + 3600}, algorithm="HS256"),
        # Right secret and algorithm, but expired, or with no expiry at all.
        lambda: token({"exp": int(time.time()) - 10}),
        lambda: token({"sub": "x"}),
    ],
    ids=["empty", "bearer-only", "basic", "garbage", "hs256", "expired", "no-exp"],
)
def test_analytics_callback_without_a_valid_token_is_refused(bbb, authorization):
    body, _ = bbb.analytics_callback("mc-room1", {"42": 600})
    with pytest.raises(VideoError):
        video.bbb_analytics_minutes(body=body, authorization=authorization(), secret=bbb.secret)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"version": "1.0"}',
        b'{"version": "2.0", "data": {"attendees": []}}',
        b'{"version": "1.0", "data": {"attendees": {"42": 60}}}',
        b'{"version": "1.0", "data": {"attendees": [{"ext_user_id": "42"}]}}',
        b'{"version": "1.0", "data": {"attendees": [{"ext_user_id": "42", "duration": "60"}]}}',
        b'{"version": "1.0", "data": {"attendees": [{"ext_user_id": "42", "duration": -1}]}}',
        b'{"version": "1.0", "data": {"attendees": [{"ext_user_id": true, "duration": 60}]}}',
        b'{"version": "1.0", "data": {"attendees": [{"duration": 60}]}}',
        b"[" * 100_000,
    ],
)
def test_analytics_callback_in_an_unexpected_shape_is_refused(bbb, body):
    _, authorization = bbb.analytics_callback("mc-room1", {})
    with pytest.raises(VideoError):
        video.bbb_analytics_minutes(body=body, authorization=authorization, secret=bbb.secret)


def test_analytics_callback_with_no_attendees_gives_nothing(bbb):
    body, authorization = bbb.analytics_callback("mc-room1", {})
    assert video.bbb_analytics_minutes(body=body, authorization=authorization, secret=bbb.secret) == {}
