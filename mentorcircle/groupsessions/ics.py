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
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.version)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", session.title)
    page = session_url(session)
    where = join_url or page
    call = f"Join the call: {join_url}\n" if join_url else ""
    event.add("description", f"{session.description}\n\n{call}Session page: {page}")
    event.add("url", where)
    event.add("location", where)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # The organiser is the platform's address (named after the host): no personal address leaks.
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = session.host.display_name
    event.add("organizer", organizer)
    if attendee is not None:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = attendee.name_for(attendee)
        address.params["role"] = "REQ-PARTICIPANT"
        address.params["partstat"] = "DECLINED" if cancelled else "ACCEPTED"
        address.params["rsvp"] = "FALSE"
        event.add("attendee", address)
    return event


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def session_invite(session: GroupSession, *, attendee: User, now: datetime, join_url: str) -> bytes:
    """METHOD:REQUEST for a new seat or an update (the SEQUENCE tells them apart)."""
    calendar = _calendar("REQUEST")
    calendar.add_component(_event(session, attendee=attendee, cancelled=False, now=now, join_url=join_url))
    return bytes(calendar.to_ical())


def session_cancel(session: GroupSession, *, attendee: User, now: datetime) -> bytes:
    """METHOD:CANCEL: the session was cancelled, or this person gave up their seat."""
    calendar = _calendar("CANCEL")
    calendar.add_component(_event(session, attendee=attendee, cancelled=True, now=now))
    return bytes(calendar.to_ical())


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
