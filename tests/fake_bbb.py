"""A tiny BigBlueButton API server for tests, on 127.0.0.1 and a free port.

It checks the checksum of every API call the way BigBlueButton does (call name + the query
string as sent, minus `checksum` + shared secret; this fake accepts SHA-256 only) and answers a
wrong or missing one with BigBlueButton's FAILED / checksumError XML. It implements:

* `create`: SUCCESS the first time, SUCCESS with messageKey duplicateWarning for a meeting that
  already exists (idNotUnique if the repeat names different passwords), and records the params.
* `join`: the meeting must exist and `role` must be MODERATOR or VIEWER (any case); with
  redirect=true (the default) it answers 302 to a fake room page
  `http://127.0.0.1:<port>/room/<meetingID>?role=...&userID=...&fullName=...`, else SUCCESS XML.
* `/room/<meetingID>`: a small HTML page standing in for the BigBlueButton client.

Usage from any test::

    from tests.fake_bbb import FakeBBB

    with FakeBBB("a-shared-secret") as bbb:
        video.bbb_create(api_url=bbb.api_url, secret=bbb.secret, meeting_id="mc-1", ...)
        assert bbb.meetings["mc-1"]["name"] == "..."
        assert [call.name for call in bbb.calls] == ["create"]

or `bbb = FakeBBB(secret).start()` ... `bbb.stop()`. `bbb.calls` records every API request
(with `checksum_ok`), `bbb.calls_to("join")` those of one call, `bbb.joins` the room pages visited,
`bbb.next_response = (status, body)` makes the next API call answer with those raw bytes, and
`bbb.analytics_callback(...)` builds the signed analytics request BigBlueButton would send.
"""

import hashlib
import hmac
import html
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from xml.sax.saxutils import escape

import jwt

DEFAULT_SECRET = "8cd8ef52e8e101574e400365b55e11a6fake0bbb"  # a real secret's length and look


@dataclass(frozen=True)
class FakeCall:
    """One request the fake received."""

    method: str
    path: str
    name: str  # the API call ("create", "join"...); "" for the API root
    params: dict[str, str]  # decoded query parameters, checksum included
    query: str  # the raw query string as received
    checksum_ok: bool


@dataclass
class FakeBBB:
    """A BigBlueButton API fake; see the module docstring."""

    secret: str = DEFAULT_SECRET
    # Every API request, in order, with the checksum verdict.
    calls: list[FakeCall] = field(default_factory=list, init=False)
    # meetingID -> the params of the create call that made it.
    meetings: dict[str, dict[str, str]] = field(default_factory=dict, init=False)
    # Every visit to a room page: meetingID, role, userID, fullName.
    joins: list[dict[str, str]] = field(default_factory=list, init=False)
    # When set, the next API request gets this (HTTP status, raw body) instead of an answer.
    next_response: tuple[int, bytes] | None = field(default=None, init=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "FakeBBB":
        fake = self

        class Handler(_Handler):
            bbb = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-bbb", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "FakeBBB":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeBBB is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/bigbluebutton/api"

    def room_url(self, meeting_id: str) -> str:
        return f"{self.base_url}/room/{quote(meeting_id, safe='')}"

    # -- helpers for tests -------------------------------------------------------------------

    def calls_to(self, name: str) -> list[FakeCall]:
        with self._lock:
            return [call for call in self.calls if call.name == name]

    def analytics_callback(
        self, meeting_id: str, seconds: dict[str, int], *, expires_in: int = 24 * 3600
    ) -> tuple[bytes, str]:
        """(JSON body, Authorization header) as BigBlueButton posts them to
        meta_analytics-callback-url: {ext_user_id: seconds present} becomes the attendees list,
        signed with an HS512 JWT holding only `exp`, keyed with the shared secret."""
        attendees = [
            {
                "ext_user_id": int(user_id) if user_id.isdigit() else user_id,
                "name": f"User {user_id}",
                "moderator": False,
                "joins": [],
                "leaves": [],
                "duration": present,
                "recent_talking_time": "",
                "engagement": {
                    "chats": 0,
                    "talks": 0,
                    "raisehand": 0,
                    "emojis": 0,
                    "poll_votes": 0,
                    "talk_time": 0,
                },
                "sessions": {},
            }
            for user_id, present in seconds.items()
        ]
        payload = {
            "version": "1.0",
            "meeting_id": meeting_id,
            "internal_meeting_id": hashlib.sha1(meeting_id.encode()).hexdigest() + "-1700000000000",  # noqa: S324
            "data": {
                "metadata": {"meeting_name": self.meetings.get(meeting_id, {}).get("name", "")},
                "duration": max(seconds.values(), default=0),
                "attendees": attendees,
                "files": ["default.pdf"],
                "polls": [],
            },
        }
        token = jwt.encode({"exp": int(time.time()) + expires_in}, self.secret, algorithm="HS512")
        return json.dumps(payload).encode(), f"Bearer {token}"

    # -- what the API does -------------------------------------------------------------------

    def _api(self, call: str, params: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        if call == "":
            return 200, _xml({"returncode": "SUCCESS", "version": "2.0"}), {}
        if call == "create":
            return self._create(params)
        if call == "join":
            return self._join(params)
        return 200, _failed("unsupportedRequest", "This API call is not supported by the fake."), {}

    def _create(self, params: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        meeting_id, name = params.get("meetingID", ""), params.get("name", "")
        if not meeting_id:
            return 200, _failed("missingParamMeetingID", "You must specify a meeting ID for the meeting."), {}
        if not 2 <= len(name) <= 64:
            return 200, _failed("validationError", "Meeting name must be between 2 and 64 characters"), {}
        with self._lock:
            existing = self.meetings.get(meeting_id)
            if existing is None:
                self.meetings[meeting_id] = dict(params)
                extra: dict[str, str] = {}
            elif all(params.get(pw) == existing.get(pw) for pw in ("attendeePW", "moderatorPW")) or not (
                params.get("attendeePW") or params.get("moderatorPW")
            ):
                extra = {
                    "messageKey": "duplicateWarning",
                    "message": "This conference was already in existence and may currently be in progress.",
                }
            else:
                return 200, _failed("idNotUnique", "A meeting already exists with that meeting ID."), {}
        answer = {
            "returncode": "SUCCESS",
            "meetingID": meeting_id,
            "internalMeetingID": hashlib.sha1(meeting_id.encode()).hexdigest() + "-1700000000000",  # noqa: S324
            "createTime": "1700000000000",
            "hasUserJoined": "false",
            "duration": params.get("duration", "0"),
            "hasBeenForciblyEnded": "false",
            **extra,
        }
        return 200, _xml(answer), {}

    def _join(self, params: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        meeting_id = params.get("meetingID", "")
        full_name = params.get("fullName", "").strip()
        role = params.get("role", "").upper()
        if not full_name:
            return 200, _failed("missingParamFullName", "You must specify a name for the attendee."), {}
        with self._lock:
            exists = meeting_id in self.meetings
        if not exists:
            return (
                200,
                _failed("invalidMeetingIdentifier", "The meeting ID did not match any existing meeting"),
                {},
            )
        if role not in ("MODERATOR", "VIEWER"):
            return 200, _failed("Params required", "You must send a valid role."), {}
        if params.get("redirect", "true").lower() == "false":
            return (
                200,
                _xml({"returncode": "SUCCESS", "messageKey": "successfullyJoined", "meeting_id": meeting_id}),
                {},
            )
        query = urlencode({"role": role, "userID": params.get("userID", ""), "fullName": full_name})
        return 302, b"", {"Location": f"{self.room_url(meeting_id)}?{query}"}

    def _checksum_ok(self, call: str, query: str) -> bool:
        parts = query.split("&") if query else []
        sent = [part[len("checksum=") :] for part in parts if part.startswith("checksum=")]
        rest = "&".join(part for part in parts if not part.startswith("checksum="))
        expected = hashlib.sha256(f"{call}{rest}{self.secret}".encode()).hexdigest()
        return len(sent) == 1 and hmac.compare_digest(sent[0].lower(), expected)


class _Handler(BaseHTTPRequestHandler):
    bbb: FakeBBB
    API_PREFIX = "/bigbluebutton/api"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path.startswith("/room/"):
            return self._room(url.path[len("/room/") :], params)
        if not (url.path == self.API_PREFIX or url.path.startswith(self.API_PREFIX + "/")):
            return self._send(404, b"not found", "text/plain")
        call = url.path[len(self.API_PREFIX) :].strip("/")
        checksum_ok = self.bbb._checksum_ok(call, url.query)
        with self.bbb._lock:
            self.bbb.calls.append(FakeCall("GET", url.path, call, params, url.query, checksum_ok))
            override, self.bbb.next_response = self.bbb.next_response, None
        if override is not None:
            return self._send(override[0], override[1], "text/xml")
        if call and not checksum_ok:
            return self._send(200, _failed("checksumError", "You did not pass the checksum security check"))
        status, body, headers = self.bbb._api(call, params)
        self._send(status, body, "text/xml", headers)

    def _room(self, meeting_id: str, params: dict[str, str]) -> None:
        with self.bbb._lock:
            self.bbb.joins.append({"meetingID": meeting_id, **params})
        page = (
            "<!doctype html><title>Fake BigBlueButton room</title>"
            f"<h1>Room {html.escape(meeting_id)}</h1><p>{html.escape(params.get('fullName', ''))} "
            f"({html.escape(params.get('role', ''))})</p>"
        )
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def _send(
        self, status: int, body: bytes, content_type: str = "text/xml", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output quiet


def _xml(fields: dict[str, str]) -> bytes:
    inner = "".join(f"<{key}>{escape(value)}</{key}>" for key, value in fields.items())
    return f"<response>{inner}</response>".encode()


def _failed(key: str, message: str) -> bytes:
    return _xml({"returncode": "FAILED", "messageKey": key, "message": message})
