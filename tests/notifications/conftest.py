"""What the notification tests share: a fixed clock, actions taken through the services with
their after-commit work, and helpers that read mail.outbox the way a person reads their inbox.

Background work is stored by the database task backend and runs only when a test calls
tests.helpers.run_tasks(), as a worker would; travel in time to run reminders and decisions.
"""

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import TestCase
from icalendar import Calendar, Event

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.notifications.models import preferences_for
from mentorcircle.programs.models import Membership, Program
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import run_tasks

# Monday 1 March 2027, 09:00 UTC; the sessions below start a week later.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STARTS = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")

DETAILS = services.SessionDetails(
    title="Negotiating your first salary",
    description="We practise real offers.",
    starts_at=STARTS,
    duration=timedelta(hours=1),
    min_participants=1,
    max_participants=40,
)


@pytest.fixture
def clock(time_machine):
    """The clock stands at NOW (and keeps ticking); `clock.move_to(...)` travels."""
    time_machine.move_to(NOW)
    return time_machine


@contextmanager
def committed() -> Iterator[None]:
    """Run what the block hands to `transaction.on_commit` (enqueueing tasks), as a commit would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def details(**changes) -> services.SessionDetails:
    return replace(DETAILS, **changes)


def member(program: Program, role: str = Membership.Role.MENTEE, **user_fields) -> User:
    return MembershipFactory(program=program, role=role, user=UserFactory(**user_fields)).user


def create(
    program: Program, host: User, *, invitees: services.Invitees | None = None, **changes
) -> GroupSession:
    with committed():
        return services.session_create(
            program=program, host=host, details=details(**changes), invitees=invitees or services.Invitees()
        )


def invite(session: GroupSession, actor: User, *people: User, **groups) -> int:
    with committed():
        return services.session_invite(
            session=session, actor=actor, invitees=services.Invitees(people=people, **groups)
        )


def join(session: GroupSession, user: User) -> Participant:
    with committed():
        return services.participant_join(session=session, user=user)


def leave(session: GroupSession, user: User) -> None:
    with committed():
        services.participant_leave(session=session, user=user)


def decline(session: GroupSession, user: User) -> None:
    with committed():
        services.participant_decline(session=session, user=user)


def edit(session: GroupSession, actor: User, **changes) -> GroupSession:
    session.refresh_from_db()
    current = services.SessionDetails(
        title=session.title,
        description=session.description,
        starts_at=session.starts_at,
        duration=session.duration,
        min_participants=session.min_participants,
        max_participants=session.max_participants,
    )
    with committed():
        return services.session_update(session=session, actor=actor, details=replace(current, **changes))


def cancel(session: GroupSession, actor: User, reason: str = "The room is unavailable") -> None:
    with committed():
        services.session_cancel(session=session, actor=actor, reason=reason)


def choose_registration_emails(host: User, choice: str) -> None:
    """The host's "Registrations to my sessions": "each", "digest" (the default) or "none"."""
    preferences = preferences_for(host)
    preferences.registration_emails = choice
    preferences.save(update_fields=["registration_emails"])


# ---- Reading the inbox --------------------------------------------------------------------------


def inbox(user: User) -> list[EmailMessage]:
    return [message for message in mail.outbox if user.email in message.to]


def subjects(user: User) -> list[str]:
    return [message.subject for message in inbox(user)]


def the_email(user: User, subject_start: str) -> EmailMessage:
    """The one email `user` got whose subject starts with `subject_start` (fails if none or more)."""
    found = [message for message in inbox(user) if message.subject.startswith(subject_start)]
    assert len(found) == 1, f"{user.email} got {subjects(user)}"
    return found[0]


def html(message: EmailMessage) -> str:
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


def attachment_texts(message: EmailMessage) -> list[str]:
    texts = []
    for _name, content, _mimetype in message.attachments:
        texts.append(content.decode() if isinstance(content, bytes) else content)
    return texts


def calendar(message: EmailMessage) -> Calendar:
    """The email's .ics, parsed back (fails unless there is exactly one)."""
    files = [
        (name, content, mimetype) for name, content, mimetype in message.attachments if name.endswith(".ics")
    ]
    assert len(files) == 1, f"{message.subject!r} has attachments {[f[0] for f in files]}"
    _name, content, mimetype = files[0]
    parsed = Calendar.from_ical(content)
    assert mimetype.startswith("text/calendar")
    assert f"method={parsed['METHOD']}".lower() in mimetype.lower()
    return parsed


def has_calendar(message: EmailMessage) -> bool:
    return any(name.endswith(".ics") for name, _content, _mimetype in message.attachments)


def the_event(parsed: Calendar) -> Event:
    events = parsed.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def attendees(event: Event) -> list[str]:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(address).removeprefix("mailto:").lower() for address in values]


# ---- A session that produces every kind of session email ---------------------------------------


@dataclass
class Tour:
    session: GroupSession
    host: User
    accepted: User  # invited, accepted
    declined: User  # invited, declined
    left: User  # registered, then left
    promoted: User  # waitlisted, then promoted
    manager: User
    new_start: datetime

    @property
    def people(self) -> list[User]:
        return [self.host, self.accepted, self.declined, self.left, self.promoted]


@pytest.fixture
def tour(personas, clock) -> Tour:
    """A mentor's session for 3 (host included) lived through from invitation to cancellation.

    Mina (New York) and Dora are invited; Mina accepts, Dora declines; Lee joins and fills it;
    Wes is waitlisted, then promoted when Lee leaves; the host (Tokyo) moves it by a day; the
    platform confirms it; the reminders go out; then the program manager cancels it.
    """
    program, host = personas.program, personas.mentor
    host.time_zone = "Asia/Tokyo"
    host.save(update_fields=["time_zone"])
    accepted = member(program, full_name="Mina Newyork", time_zone="America/New_York")
    declined = member(program, full_name="Dora Decliner")
    left = member(program, full_name="Lee Leaver")
    promoted = member(program, full_name="Wes Waiter", time_zone="Europe/Paris")
    session = create(
        program, host, max_participants=3, invitees=services.Invitees(people=(accepted, declined))
    )
    run_tasks()
    join(session, accepted)
    decline(session, declined)
    join(session, left)
    join(session, promoted)
    run_tasks()
    leave(session, left)
    run_tasks()
    new_start = STARTS + timedelta(days=1)
    edit(session, host, starts_at=new_start)
    run_tasks()
    clock.move_to(new_start - timedelta(hours=24))
    run_tasks()
    clock.move_to(new_start - timedelta(hours=1))
    run_tasks()
    clock.move_to(new_start - timedelta(minutes=30))
    cancel(session, personas.manager, reason="The speaker is ill")
    run_tasks()
    session.refresh_from_db()
    return Tour(session, host, accepted, declined, left, promoted, personas.manager, new_start)


SESSION_EMAIL_KINDS = {
    "invitation",
    "registered",
    "host-registration",
    "host-digest",
    "host-declined",
    "waitlisted",
    "promoted",
    "left",
    "updated",
    "confirmed",
    "reminder-24h",
    "reminder-1h",
    "cancelled",
}


def crowd(session: GroupSession, count: int, *, status: str = Participant.Status.REGISTERED) -> list[User]:
    """`count` new members of the session's program holding `status` in it, written in bulk
    (straight into the database: for sizes, not for the rules)."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"crowd{start + i}@example.org", full_name=f"Crowd {start + i:04d}", time_zone="UTC")
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(program_id=session.program_id, user=user, role=Membership.Role.MENTEE) for user in users
    )
    waitlisted_at = NOW if status == Participant.Status.WAITLISTED else None
    Participant.objects.bulk_create(
        Participant(session=session, user=user, status=status, waitlisted_at=waitlisted_at) for user in users
    )
    return users
