"""The addresses a participant is sent to when they join a group session's video call.

Two services are supported, both self-hostable:

* Jitsi Meet: a room URL, either open (the display name is pre-filled through the URL fragment)
  or, when the program has a Jitsi app id and secret (the `jitsi-meet-tokens` setup), carrying
  an HS256 JWT that admits the person to this one room until the session is over.
* BigBlueButton: server-to-server `create` (safe to repeat), then a signed `join` URL that the
  browser is redirected to. After the meeting BigBlueButton can post per-attendee analytics,
  which `bbb_analytics_minutes` verifies and turns into minutes present.

Everything here is pure apart from the HTTP request in `bbb_create`, which is bounded in time
and size. Misconfiguration (a malformed server address, an empty secret) raises ValueError;
a video server that refuses or cannot be reached raises VideoError.
"""

import hashlib
import http.client
import json
import math
import re
import secrets
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import jwt
from typing_extensions import override

# A BigBlueButton API answer is a few hundred bytes; anything near this is not one.
MAX_RESPONSE_BYTES = 1024 * 1024
# The analytics callback lists every attendee with their join/leave times; a big meeting stays
# well below this.
MAX_CALLBACK_BYTES = 4 * 1024 * 1024
# Display names are cut to this many characters (UTF-16 code units, as Java and JavaScript
# count them) so that URLs and tokens stay a sane size.
MAX_NAME_LENGTH = 128
MAX_EMAIL_LENGTH = 254
# BigBlueButton 2.4+ refuses meeting names outside 2..64 characters.
BBB_NAME_LENGTH = (2, 64)
FALLBACK_NAME = "Participant"
FALLBACK_MEETING_NAME = "Group session"

# Room names and meeting IDs: BigBlueButton recommends ASCII letters, digits, dashes and
# underscores (and allows 2..256 characters); the same set is safe in a Jitsi URL path and JWT.
# 128 characters are plenty.
_ROOM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,127}")
_USER_ID_RE = re.compile(r"[A-Za-z0-9_.@:-]{1,64}")
_MESSAGE_KEY_RE = re.compile(r"[^A-Za-z0-9_. -]")
# Characters dropped from names: controls (CR, LF, tab, NUL...), lone surrogates (they cannot
# be encoded) and the Unicode line/paragraph separators. Format characters such as the
# right-to-left mark or the zero-width joiner are kept: real names need them.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


@dataclass(frozen=True)
class CallUser:
    """One participant as the video service sees them."""

    id: str  # our participant's stable id, e.g. "42"; BigBlueButton reports it back as ext_user_id
    name: str  # display name, any Unicode; cleaned before it is put in a URL or token
    email: str
    moderator: bool


class VideoError(Exception):
    """The video server refused or could not be reached. The message is safe to show a user."""


def new_room_name() -> str:
    """A long, unguessable room name / meeting ID: "mc-" and 32 lowercase hex digits (128 bits).

    Lowercase letters, digits and one dash only: Jitsi folds room names to lowercase (XMPP
    nodeprep) and compares the JWT `room` claim in lowercase, and BigBlueButton recommends
    ASCII letters, digits, dashes and underscores for meeting IDs.
    """
    return "mc-" + secrets.token_hex(16)


# --------------------------------------------------------------------------------------------
# Jitsi Meet
# --------------------------------------------------------------------------------------------


def jitsi_url(
    *,
    server: str,
    room: str,
    user: CallUser,
    app_id: str = "",
    app_secret: str = "",
    expires_at: datetime,
    now: datetime,
) -> str:
    """The room's address on a Jitsi Meet server ("meet.example.org" or "https://meet.example.org").

    Without app id and secret: `https://server/room#userInfo.displayName=<JSON string, URL-quoted>`,
    which Jitsi reads from the fragment to pre-fill the name (the fragment never reaches a server).

    With both (a server set up with `jitsi-meet-tokens`, i.e. Prosody `authentication = "token"`):
    `https://server/room?jwt=<token>`, an HS256 JWT signed with the app secret whose claims are
    aud "jitsi", iss the app id, sub the server's host name, room, iat and nbf `now`, exp
    `expires_at`, and context.user {id, name, email, moderator}. Jitsi's own docs ask for string
    values in context.user (mod_presence_identity copies them into XMPP text), so its `moderator`
    is "true"/"false", which the jitsi-contrib token_affiliation plugin understands; the
    top-level `moderator` is a JSON boolean, as the community token_moderation plugin expects.
    """
    base, host = _jitsi_server(server)
    room = _checked_room(room)
    name = _display_name(user.name)
    if bool(app_id) != bool(app_secret):
        raise ValueError("A Jitsi app id and app secret go together: give both or neither.")
    if not app_id:
        display_name = quote(json.dumps(name, ensure_ascii=False), safe="")
        return f"{base}/{room}#userInfo.displayName={display_name}"

    issued, expires = _timestamp(now, "now"), _timestamp(expires_at, "expires_at")
    if expires <= issued:
        raise ValueError("A Jitsi token must expire after it is issued.")
    claims: dict[str, Any] = {
        "aud": "jitsi",
        "iss": app_id,
        "sub": host,
        "room": room,
        "iat": issued,
        "nbf": issued,
        "exp": expires,
        "context": {
            "user": {
                "id": _checked_user_id(user.id),
                "name": name,
                "email": _clean_text(user.email, MAX_EMAIL_LENGTH),
                "moderator": "true" if user.moderator else "false",
            }
        },
        "moderator": bool(user.moderator),
    }
    token = jwt.encode(claims, app_secret, algorithm="HS256")
    return f"{base}/{room}?{urlencode({'jwt': token})}"


def _jitsi_server(server: str) -> tuple[str, str]:
    """("https://host[:port]", "host") from a bare host name or an http(s) origin."""
    raw = server.strip()
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path.strip("/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"Not a Jitsi server address: {server!r} (expected e.g. https://meet.example.org).")
    return f"{parts.scheme}://{parts.netloc.lower()}", parts.hostname


def _timestamp(moment: datetime, label: str) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{label} must be timezone-aware.")
    return int(moment.timestamp())


# --------------------------------------------------------------------------------------------
# BigBlueButton
# --------------------------------------------------------------------------------------------


def bbb_checksum(call: str, query: str, secret: str) -> str:
    """The `checksum` BigBlueButton expects: hex SHA-256 of call name + query string + secret.

    The query string is exactly the one sent, without the checksum parameter. BigBlueButton has
    accepted SHA-256 since 2.x (SHA-1 is only the legacy default, and 2.5+ also takes SHA-384
    and SHA-512); the server picks the algorithm from the checksum's length.
    """
    return hashlib.sha256(f"{call}{query}{secret}".encode()).hexdigest()


def bbb_create(
    *,
    api_url: str,
    secret: str,
    meeting_id: str,
    name: str,
    duration_minutes: int,
    end_callback_url: str,
    analytics_callback_url: str,
    logout_url: str,
    timeout: float = 5.0,
) -> None:
    """Open the meeting on the BigBlueButton server: GET {api_url}/create?...&checksum=...

    Sends name, meetingID, duration, logoutURL, meta_endCallbackUrl (BigBlueButton GETs it when
    the meeting ends) and, when given, meta_analytics-callback-url with meetingKeepEvents=true
    (the analytics are computed from the kept events after the meeting). No passwords are
    sent: joins name the role instead.

    Safe to repeat: for a meeting that is already running BigBlueButton answers SUCCESS with
    messageKey duplicateWarning. Older servers answer a repeated password-less create with
    FAILED / idNotUnique instead; that too only says the meeting exists, and since meeting IDs
    are unguessable and only we hold the secret, it counts as success. An empty callback URL is
    left out; `duration_minutes` below 1 is sent as 1, since 0 would mean "no time limit".

    Raises VideoError when the server cannot be reached in `timeout` seconds, answers with an
    HTTP error or something that is not BigBlueButton's XML, or says FAILED for any other
    reason (the message includes the messageKey, e.g. checksumError for a wrong secret).
    """
    params = [
        ("name", _meeting_name(name)),
        ("meetingID", _checked_room(meeting_id)),
        ("duration", str(max(1, int(duration_minutes)))),
    ]
    if logout_url:
        params.append(("logoutURL", _checked_callback(logout_url, "logout_url")))
    if end_callback_url:
        params.append(("meta_endCallbackUrl", _checked_callback(end_callback_url, "end_callback_url")))
    if analytics_callback_url:
        params.append(("meetingKeepEvents", "true"))
        params.append(
            (
                "meta_analytics-callback-url",
                _checked_callback(analytics_callback_url, "analytics_callback_url"),
            )
        )
    url = f"{_bbb_api_base(api_url)}/create?{_signed_query('create', params, secret)}"
    _bbb_call(url, timeout=timeout, also_fine=("idNotUnique",))


def bbb_join_url(*, api_url: str, secret: str, meeting_id: str, user: CallUser) -> str:
    """The signed join URL the browser is redirected to.

    Query: fullName, meetingID, role (MODERATOR or VIEWER: the `role` parameter, added in
    BigBlueButton 2.4, replaces the deprecated moderator/attendee `password`, which 3.0 no
    longer needs), userID (our CallUser.id, which BigBlueButton reports back as ext_user_id),
    redirect=true, then checksum.
    """
    params = [
        ("fullName", _display_name(user.name)),
        ("meetingID", _checked_room(meeting_id)),
        ("role", "MODERATOR" if user.moderator else "VIEWER"),
        ("userID", _checked_user_id(user.id)),
        ("redirect", "true"),
    ]
    return f"{_bbb_api_base(api_url)}/join?{_signed_query('join', params, secret)}"


def bbb_analytics_minutes(*, body: bytes, authorization: str, secret: str) -> dict[str, int]:
    """Minutes each attendee was present, from BigBlueButton's learning-analytics callback.

    After a meeting created with meta_analytics-callback-url, BigBlueButton POSTs a JSON body
    with `Authorization: Bearer <JWT>`. The JWT is signed with the server's shared secret
    using HS512 and carries only `exp` (24 hours ahead); it is not bound to the body, so callers
    should also protect the callback URL itself. The body looks like
    {"version": "1.0", "meeting_id": ..., "internal_meeting_id": ...,
     "data": {"duration": <s>, "attendees": [{"ext_user_id": "42" or 42, "name": ...,
              "moderator": ..., "duration": <seconds present>, ...}, ...], ...}}.

    Returns {ext_user_id as a string: whole minutes (rounded down)}; an id that appears more
    than once is added up. Attendees who joined without a userID appear under BigBlueButton's
    internal id ("w_...") and can simply be ignored. Raises VideoError when the token is
    missing or invalid, or the body is not that shape.
    """
    if not secret:
        raise ValueError("The BigBlueButton secret is empty.")
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise VideoError("The analytics callback is not signed.")
    try:
        jwt.decode(token, key=secret, algorithms=["HS512"], options={"require": ["exp"]})
    except jwt.PyJWTError as error:
        raise VideoError("The analytics callback's signature is not valid.") from error

    if len(body) > MAX_CALLBACK_BYTES:
        raise VideoError("The analytics callback is too large.")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise VideoError("The analytics callback is not JSON.") from error
    data = payload.get("data") if isinstance(payload, dict) else None
    version = payload.get("version", "1.0") if isinstance(payload, dict) else None
    attendees = data.get("attendees") if isinstance(data, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != "1" or not isinstance(attendees, list):
        raise VideoError("The analytics callback is not in the expected format.")

    seconds: dict[str, float] = {}
    for attendee in attendees:
        user_id = attendee.get("ext_user_id") if isinstance(attendee, dict) else None
        present = attendee.get("duration") if isinstance(attendee, dict) else None
        if (
            not isinstance(user_id, str | int)
            or isinstance(user_id, bool)
            or str(user_id) == ""
            or not isinstance(present, int | float)
            or isinstance(present, bool)
            or not math.isfinite(present)
            or present < 0
        ):
            raise VideoError("The analytics callback is not in the expected format.")
        seconds[str(user_id)] = seconds.get(str(user_id), 0) + present
    return {user_id: int(total // 60) for user_id, total in seconds.items()}


def _bbb_api_base(api_url: str) -> str:
    """The API endpoint without a trailing slash. Accepts the ".../bigbluebutton/" form that
    `bbb-conf --secret` prints and adds the "api" it leaves out."""
    parts = urlsplit(api_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"Not a BigBlueButton API address: {api_url!r} "
            "(expected e.g. https://bbb.example.org/bigbluebutton/api)."
        )
    path = parts.path.rstrip("/")
    if path.endswith("/bigbluebutton"):
        path += "/api"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _signed_query(call: str, params: list[tuple[str, str]], secret: str) -> str:
    """The query string with its checksum last. Percent-encoding (%20 for a space) is fixed
    here once: BigBlueButton checks the checksum against the query string exactly as sent."""
    if not secret:
        raise ValueError("The BigBlueButton secret is empty.")
    query = urlencode(params, quote_via=quote)
    return f"{query}&checksum={bbb_checksum(call, query, secret)}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """API calls answer directly; a redirect is treated as an HTTP error, not followed."""

    @override
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _bbb_call(url: str, *, timeout: float, also_fine: Collection[str] = ()) -> ET.Element:
    """GET an API URL and return its <response> when returncode is SUCCESS, or FAILED with a
    messageKey in `also_fine`."""
    if urlsplit(url).scheme not in ("http", "https"):  # also checked in _bbb_api_base
        raise ValueError("BigBlueButton is called over http(s) only.")
    # The scheme is checked just above, so no file: or other local URL can be opened.
    request = urllib.request.Request(url, headers={"Accept": "application/xml"})  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise VideoError(f"The video server answered with HTTP error {error.code}.") from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        # URLError, refused connections and timeouts are all OSErrors.
        raise VideoError("The video server could not be reached. Please try again in a moment.") from error
    if len(body) > MAX_RESPONSE_BYTES:
        raise VideoError("The video server sent an answer that is too large.")
    # BigBlueButton never sends a DTD; refusing one keeps entity tricks out of the parser.
    if b"<!doctype" in body.lower() or b"<!entity" in body.lower():
        raise VideoError("The video server sent an answer that is not BigBlueButton's.")
    try:
        # Size-capped, DTD-free input from the server we configured; expat does not fetch
        # external entities.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as error:
        raise VideoError("The video server sent an answer that is not BigBlueButton's.") from error
    returncode = (root.findtext("returncode") or "").strip().upper() if root.tag == "response" else ""
    if returncode == "SUCCESS":
        return root
    if returncode == "FAILED" and (root.findtext("messageKey") or "").strip() in also_fine:
        return root
    if returncode == "FAILED":
        key = _MESSAGE_KEY_RE.sub("", root.findtext("messageKey") or "")[:64].strip() or "no reason given"
        raise VideoError(f"The video server refused the request ({key}).")
    raise VideoError("The video server sent an answer that is not BigBlueButton's.")


def _checked_callback(url: str, label: str) -> str:
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(char.isspace() or unicodedata.category(char) == "Cc" for char in url)
    ):
        raise ValueError(f"{label} must be an http(s) address.")
    return url


def _meeting_name(name: str) -> str:
    cleaned = _clean_text(name, BBB_NAME_LENGTH[1])
    return cleaned if _utf16_length(cleaned) >= BBB_NAME_LENGTH[0] else FALLBACK_MEETING_NAME


# --------------------------------------------------------------------------------------------
# Text cleaning shared by both services
# --------------------------------------------------------------------------------------------


def _checked_room(room: str) -> str:
    if not _ROOM_RE.fullmatch(room):
        raise ValueError("A room name / meeting ID is 2-128 ASCII letters, digits, dashes or underscores.")
    return room


def _checked_user_id(user_id: str) -> str:
    if not _USER_ID_RE.fullmatch(user_id):
        raise ValueError("A call user id is 1-64 ASCII letters, digits or _.@:- such as '42'.")
    return user_id


def _display_name(name: str) -> str:
    return _clean_text(name, MAX_NAME_LENGTH) or FALLBACK_NAME


def _clean_text(text: str, limit: int) -> str:
    """One line of text: controls and line breaks become spaces, runs of whitespace one
    space, no leading/trailing space, at most `limit` UTF-16 code units (never half a pair)."""
    kept = "".join(" " if unicodedata.category(char) in _DROPPED_CATEGORIES else char for char in text)
    line = " ".join(kept.split())
    if _utf16_length(line) <= limit:
        return line
    out: list[str] = []
    used = 0
    for char in line:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip()


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
