"""iCalendar (RFC 5545) for group sessions: one event per session, the same UID everywhere.

An invitation, an update and a cancellation of one session share the UID; SEQUENCE is the
session's version, so calendars apply the newest. Each file names only its recipient.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import GroupSession

PRODID = "-//MentorCircle//Group sessions//EN"


def session_uid(session: GroupSession) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "mentorcircle"
    return f"group-session-{session.pk}@{host}"


def session_url(session: GroupSession) -> str:
    return f"{settings.SITE_URL}{session.get_absolute_url()}"


def _event(
    session: GroupSession, *, attendee: User | None, cancelled: bool, now: datetime, join_url: str = ""
) -> Event:
    """`join_url` is the attendee's own join link: only people with a seat get one."""
    event = _shared_event(session, cancelled=cancelled, now=now)
    _add_where(event, session, join_url=join_url)
    if attendee is not None:
        _add_attendee(event, attendee, cancelled=cancelled)
    return event


def _shared_event(session: GroupSession, *, cancelled: bool, now: datetime) -> Event:
    """What the event says to everyone: the session's identity, times, title and organiser."""
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.version)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", session.title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # The organiser is the platform's address (named after the host): no personal address leaks.
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = session.host.display_name
    event.add("organizer", organizer)
    return event


def _add_where(event: Event, session: GroupSession, *, join_url: str, page: str = "") -> None:
    """Where to go: the recipient's own join link for a seat, else the session's page."""
    page = page or session_url(session)
    where = join_url or page
    call = f"Join the call: {join_url}\n" if join_url else ""
    event.add("description", f"{session.description}\n\n{call}Session page: {page}")
    event.add("url", where)
    event.add("location", where)


def _add_attendee(event: Event, attendee: User, *, cancelled: bool) -> None:
    """The recipient, the one attendee a file names."""
    address = vCalAddress(f"mailto:{attendee.email}")
    address.params["cn"] = attendee.name_for(attendee)
    address.params["role"] = "REQ-PARTICIPANT"
    address.params["partstat"] = "DECLINED" if cancelled else "ACCEPTED"
    address.params["rsvp"] = "FALSE"
    event.add("attendee", address)


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


END_EVENT = b"\r\nEND:VEVENT\r\n"


class SessionCalendar:
    """One change of a session as a calendar file, serialized once for all it goes to.

    Each recipient's file is the shared part (the session's identity, SEQUENCE, times, title,
    organiser, status, one DTSTAMP) with only what is theirs added inside the event: themselves
    as the one ATTENDEE and where to go (URL, LOCATION, DESCRIPTION: their join link for a seat,
    else the session's page, serialized once). Property order inside an event carries no meaning
    (RFC 5545), so the file reads as one built whole.
    """

    def __init__(self, session: GroupSession, *, method: str, cancelled: bool, now: datetime) -> None:
        self.session, self.cancelled = session, cancelled
        self.page = session_url(session)
        self._where: dict[str, bytes] = {}
        calendar = _calendar(method)
        calendar.add_component(_shared_event(session, cancelled=cancelled, now=now))
        whole = bytes(calendar.to_ical())
        # The event's last line: folded lines go on with a space, so this is a line of its own.
        end = whole.rindex(END_EVENT) + 2
        self._head, self._tail = whole[:end], whole[end:]

    def file_for(self, attendee: User, *, join_url: str = "") -> bytes:
        if join_url not in self._where:
            where = Event()
            _add_where(where, self.session, join_url=join_url, page=self.page)
            self._where[join_url] = _lines(where)
        event = Event()
        _add_attendee(event, attendee, cancelled=self.cancelled)
        return self._head + _lines(event) + self._where[join_url] + self._tail


def _lines(event: Event) -> bytes:
    """The event's property lines, without its BEGIN:VEVENT and END:VEVENT."""
    lines = bytes(event.to_ical())
    return lines[lines.index(b"\r\n") + 2 : len(lines) - len(END_EVENT) + 2]


def session_invite(session: GroupSession, *, attendee: User, now: datetime, join_url: str) -> bytes:
    """METHOD:REQUEST for a new seat or an update (the SEQUENCE tells them apart)."""
    return SessionCalendar(session, method="REQUEST", cancelled=False, now=now).file_for(
        attendee, join_url=join_url
    )


def session_cancel(session: GroupSession, *, attendee: User, now: datetime) -> bytes:
    """METHOD:CANCEL: the session was cancelled, or this person gave up their seat."""
    return SessionCalendar(session, method="CANCEL", cancelled=True, now=now).file_for(attendee)


def session_download(session: GroupSession, *, now: datetime, join_url: str = "") -> bytes:
    """The "Add to calendar" file: the event alone, with no attendees (and the downloader's own
    join link when they have a seat)."""
    calendar = _calendar("PUBLISH")
    calendar.add_component(
        _event(session, attendee=None, cancelled=session.is_cancelled, now=now, join_url=join_url)
    )
    return bytes(calendar.to_ical())


def personal_feed(
    user: User, sessions: Iterable[GroupSession], *, now: datetime, join_urls: dict[int, str]
) -> bytes:
    """Every session the person holds a seat in; `join_urls` maps session id to their join link."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", "MentorCircle sessions")
    for session in sessions:
        calendar.add_component(
            _event(
                session,
                attendee=user,
                cancelled=session.is_cancelled,
                now=now,
                join_url=join_urls.get(session.pk, ""),
            )
        )
    return bytes(calendar.to_ical())
