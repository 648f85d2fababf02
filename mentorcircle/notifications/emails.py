"""Every email MentorCircle sends is one named function here.

Each renders its text and HTML from templates under templates/emails/, in the reader's time
zone. Each is sent once: `_send_recorded` (`send_once` for session emails) records a Delivery
under a unique key in the same transaction as the send, so a retried or duplicated task never
mails anyone twice. An email that cannot be sent is recorded as a FailedDelivery with the reason
(see `failures_collected`).
"""

import secrets
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.policy import Compat32
from typing import Any, TypeVar

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import Truncator

from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import zone_for
from mentorcircle.conversations.models import Conversation, Message
from mentorcircle.conversations.selectors import Unread
from mentorcircle.core.templatetags.when import format_when
from mentorcircle.core.validators import as_single_line
from mentorcircle.groupsessions import ics
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant, Phase
from mentorcircle.groupsessions.selectors import seats_taken
from mentorcircle.groupsessions.tokens import feedback_token, rsvp_token
from mentorcircle.notifications.models import (
    Delivery,
    FailedDelivery,
    HostUpdate,
    Preferences,
    preferences_for,
)
from mentorcircle.notifications.selectors import DIGEST_NAMES, HostDigest
from mentorcircle.programs.models import Membership, ProgramInvitation


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _zone(user: User, session: GroupSession) -> zoneinfo.ZoneInfo:
    """The reader's zone (the program's for a member who never signed in, see zone_for)."""
    try:
        return zoneinfo.ZoneInfo(zone_for(user=user, program_zone=session.program.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def one_line(text: str) -> str:
    """Text safe in an email header: line breaks and other control characters become spaces."""
    return " ".join(
        "".join(" " if ord(char) < 32 or char in "\u2028\u2029\x7f" else char for char in text).split()
    )


def send(name: str, to: str, context: dict[str, Any], *, connection: BaseEmailBackend | None = None) -> None:
    """Send a templated email, over `connection` when given (see `_over`)."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = one_line(render_to_string(f"emails/{name}/subject.txt", context))
    text = render_to_string(f"emails/{name}/body.txt", context)
    html = render_to_string(f"emails/{name}/body.html", context)
    message = _Email(subject=subject, body=text, to=[to], connection=_over(connection))
    message.attach_alternative(html, "text/html")
    message.send()


class _Headers(Compat32):
    """The standard library's default header folding (compat32), which builds an
    email.header.Header for every header to fold it, with a shortcut for what it leaves as it
    is: a value of printable ASCII that fits on its line is written out as it stands."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and len(name) + len(value) + 2 <= (self.max_line_length or 0)
            and value.isascii()
            and value.isprintable()
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_HEADERS = _Headers()


class _Email(EmailMultiAlternatives):
    """An email that is quicker to turn into bytes, byte for byte as Django would write it but for
    its MIME boundaries: those are random 128-bit tokens drawn when it is built (left to itself,
    the standard library draws a shorter one and compiles a regular expression to check that no
    part contains it; a part cannot contain a token drawn after it was written, but for a chance
    of 2**-128), and its headers are folded by `_Headers`. Together they save more than half of
    the time that building and flattening a session email took."""

    def message(self, **kwargs: Any) -> Any:  # Django 5.2 takes none; its stubs name a later one
        message = super().message(**kwargs)
        for part in message.walk():
            part.policy = _HEADERS
            if part.is_multipart():
                part.set_boundary(f"=={secrets.token_hex(16)}==")
        return message


def _over(connection: BaseEmailBackend | None) -> BaseEmailBackend | None:
    """A shared connection, opened on its first use (and again after a failed send closed it):
    every email of a task then goes over one connection, which the task closes at its end."""
    if connection is not None:
        connection.open()
    return connection


def member_invitation(membership: Membership, *, invited_by_name: str, batch: "Batch | None" = None) -> bool:
    """Tell a person they were added to a program, and how to leave it; people new to the
    platform get a link to choose a password. Once per membership. Sent now, or with `batch`
    (see `_recorded`)."""
    user, program = membership.user, membership.program
    if user.has_usable_password():
        action_url = absolute_url(reverse("account_login"))
        needs_setup = False
    else:
        key = default_token_generator.make_token(user)
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        )
        action_url = absolute_url(path)
        needs_setup = True
    context = {
        "user": user,
        "program": program,
        "role": membership.get_role_display(),
        "invited_by_name": invited_by_name,
        "action_url": action_url,
        "needs_setup": needs_setup,
        "program_url": absolute_url(program.get_absolute_url()),
    }
    return _recorded(
        batch,
        key=f"member-invitation:{membership.pk}",
        user=user,
        kind="member-invitation",
        deliver=lambda: send("member_invitation", user.email, context, connection=_connection_of(batch)),
    )


def program_invitation(
    invitation: ProgramInvitation, *, invited_by_name: str, batch: "Batch | None" = None
) -> bool:
    """Ask a person who already has an account to join a program (they are not a member until
    they accept). Once per invitation. Sent now, or with `batch` (see `_recorded`)."""
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        return False
    program = invitation.program
    context = {
        "user": user,
        "program": program,
        "role": invitation.get_role_display(),
        "invited_by_name": invited_by_name,
        "join_url": absolute_url(reverse("programs:join", args=[program.slug])),
    }
    return _recorded(
        batch,
        key=f"program-invitation:{invitation.pk}",
        user=user,
        kind="program-invitation",
        deliver=lambda: send("program_invitation", user.email, context, connection=_connection_of(batch)),
    )


# ---- Sending once, and recording what could not be sent ----------------------------------------


class EmailsNotSent(Exception):
    """Raised at the end of a task when some of its emails could not be sent (each recorded as a
    FailedDelivery), so that the task fails and is retried after doing the rest of its work."""


_failed: ContextVar[list[str] | None] = ContextVar("mentorcircle_failed_emails", default=None)


@contextmanager
def failures_collected() -> Iterator[None]:
    """Within the block, an email that cannot be sent is recorded and the block goes on (to the
    next person, to scheduling reminders); at its end, EmailsNotSent names what failed."""
    failed: list[str] = []
    token = _failed.set(failed)
    try:
        yield
    finally:
        _failed.reset(token)
    if failed:
        shown = "; ".join(failed[:10]) + (f"; and {len(failed) - 10} more" if len(failed) > 10 else "")
        raise EmailsNotSent(f"{len(failed)} email{'s' if len(failed) != 1 else ''} not sent: {shown}")


# A claim not marked sent after this long belongs to a worker that died mid-send.
CLAIM_STALE = timedelta(minutes=15)
_T = TypeVar("_T")


@dataclass
class _Outgoing:
    key: str
    user: User
    kind: str
    session: GroupSession | None
    deliver: Callable[[], None]


class Batch:
    """The emails of one task, sent together over one mail connection (`connection`, opened by
    the first send; the caller closes it).

    `send()` claims every email's Delivery in one transaction (skipping those sent already or
    being sent by another worker), then, with no transaction open, sends each claimed email and
    marks it sent as soon as the mail server took it (`_marked_sent`), so a worker killed
    mid-batch leaves at most the email it was sending in doubt, as a single send does. An email
    whose send raises gives its claim back and is recorded as a FailedDelivery; inside
    `failures_collected` the others still go, elsewhere the error propagates (after giving back
    the claims of those not sent). Emails added to a batch share what is the same for all of
    them (`shared`): the session's calendar file, the rendering of the text around what is
    personal.
    """

    def __init__(self, connection: BaseEmailBackend | None = None) -> None:
        self.connection = connection
        self._outgoing: list[_Outgoing] = []
        self._shared: dict[tuple[Any, ...], Any] = {}

    def shared(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        """`make()`, made once per batch for `key`."""
        if key not in self._shared:
            self._shared[key] = make()
        value: _T = self._shared[key]
        return value

    def add(
        self, *, key: str, user: User, kind: str, deliver: Callable[[], None], session: GroupSession | None
    ) -> None:
        self._outgoing.append(_Outgoing(key[:200], user, kind, session, deliver))

    def send(self) -> int:
        """Send what was added and not sent before; returns how many went now."""
        outgoing, self._outgoing = self._outgoing, []
        if not outgoing:
            return 0
        token = secrets.token_hex(16)
        claimed, failed_before = _claim_all(outgoing, token=token)
        sent = 0
        try:
            with _quick_commits() if len(claimed) > 1 else nullcontext():
                for item in outgoing:
                    if item.key not in claimed:
                        continue  # sent already, or another worker is on it
                    claimed.discard(item.key)
                    if self._send_one(item, token=token, failed_before=failed_before):
                        sent += 1
        finally:
            if claimed:  # the send of one raised and stopped the batch: a retry sends these
                Delivery.objects.filter(key__in=claimed, claim=token, sent_at__isnull=True).delete()
        return sent

    def _send_one(self, item: _Outgoing, *, token: str, failed_before: set[str]) -> bool:
        try:
            item.deliver()
        except Exception as error:  # the mail server is down or refused it, a bad header...
            if self.connection is not None:
                close_quietly(self.connection)
            Delivery.objects.filter(key=item.key, claim=token, sent_at__isnull=True).delete()
            reason = _record_failure(
                key=item.key, user=item.user, kind=item.kind, session=item.session, error=error
            )
            failed = _failed.get()
            if failed is None:
                raise
            failed.append(f"{item.key}: {reason}")
            return False
        _marked_sent(item.key, token=token, failed_before=item.key in failed_before)
        return True


def _claim_all(outgoing: list[_Outgoing], *, token: str) -> tuple[set[str], set[str]]:
    """Take the right to send these emails now, in one transaction: a Delivery row for each key
    that has none (one INSERT that skips existing keys), and the rows a dead worker left
    claimed but unsent (CLAIM_STALE). Returns the keys this run holds (its `token`), and which
    of them have an unsent FailedDelivery."""
    now = timezone.now()
    first = {item.key: item for item in reversed(outgoing)}
    keys = sorted(first)  # one order for every worker: concurrent claims never wait in a circle
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    key=key,
                    user=first[key].user,
                    kind=first[key].kind,
                    session=first[key].session,
                    claimed_at=now,
                    claim=token,
                )
                for key in keys
            ],
            ignore_conflicts=True,
        )
        Delivery.objects.filter(key__in=keys, sent_at__isnull=True, claimed_at__lt=now - CLAIM_STALE).update(
            claimed_at=now, claim=token
        )
        claimed = set(Delivery.objects.filter(key__in=keys, claim=token).values_list("key", flat=True))
    failed_before = set(
        FailedDelivery.objects.filter(key__in=claimed, sent_at__isnull=True).values_list("key", flat=True)
    )
    return claimed, failed_before


def _marked_sent(key: str, *, token: str, failed_before: bool) -> None:
    now = timezone.now()
    Delivery.objects.filter(key=key, claim=token).update(sent_at=now)
    if failed_before:
        FailedDelivery.objects.filter(key=key, sent_at__isnull=True).update(sent_at=now)


@contextmanager
def _quick_commits() -> Iterator[None]:
    """Within the block, PostgreSQL commits without waiting for its disk (synchronous_commit
    off), so marking each email sent costs a round trip, not a flush. Such a commit survives
    a worker that dies; only a crash of the database server itself within a fraction of a
    second could lose it (its email would then be sent again). SQLite, in WAL mode with
    synchronous=NORMAL, never waits for the disk at a commit."""
    if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with suppress(DatabaseError), db_connection.cursor() as cursor:  # a lost connection is replaced
            cursor.execute("RESET synchronous_commit")


def _send_recorded(
    *,
    key: str,
    user: User,
    kind: str,
    deliver: Callable[[], None],
    session: GroupSession | None = None,
    connection: BaseEmailBackend | None = None,
) -> bool:
    """Send (`deliver`) unless a Delivery with this key exists, as a Batch of one (see Batch).
    Returns whether it was sent now."""
    batch = Batch(connection)
    batch.add(key=key, user=user, kind=kind, deliver=deliver, session=session)
    return batch.send() == 1


def _recorded(
    batch: Batch | None,
    *,
    key: str,
    user: User,
    kind: str,
    deliver: Callable[[], None],
    session: GroupSession | None = None,
) -> bool:
    """Send once now (returns whether it was sent now), or add it to `batch` (returns False:
    the batch's `send()` sends it)."""
    if batch is None:
        return _send_recorded(key=key, user=user, kind=kind, deliver=deliver, session=session)
    batch.add(key=key, user=user, kind=kind, deliver=deliver, session=session)
    return False


def _connection_of(batch: Batch | None) -> BaseEmailBackend | None:
    return batch.connection if batch is not None else None


def close_quietly(connection: BaseEmailBackend) -> None:
    """Close a mail connection, ignoring a server that no longer answers."""
    with suppress(Exception):  # a connection that already broke may fail to say goodbye
        connection.close()


def _record_failure(
    *, key: str, user: User, kind: str, session: GroupSession | None, error: Exception
) -> str:
    reason = one_line(f"{type(error).__name__}: {error}")[:2000]
    now = timezone.now()
    again = {"error": reason, "attempts": F("attempts") + 1, "last_failed_at": now}
    if FailedDelivery.objects.filter(key=key).update(**again):
        return reason
    try:
        with transaction.atomic():
            FailedDelivery.objects.create(
                key=key,
                user=user,
                kind=kind,
                session=session,
                error=reason,
                first_failed_at=now,
                last_failed_at=now,
            )
    except IntegrityError:  # another worker recorded the same email at the same moment
        FailedDelivery.objects.filter(key=key).update(**again)
    return reason


# ---- Session emails ---------------------------------------------------------------------------


@dataclass
class SessionEmail:
    kind: str
    subject: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, absolute url)
    ratings: list[tuple[str, str]] = field(default_factory=list)  # a row of equal buttons
    calendar: bytes | None = None
    calendar_method: str = "REQUEST"


def send_once(
    *, key: str, user: User, session: GroupSession, email: SessionEmail, batch: Batch | None = None
) -> bool:
    """Send a session email unless a Delivery with this key exists (see Batch): now (returns
    whether it was sent now), or with `batch` (see `_recorded`)."""
    return _recorded(
        batch,
        key=key,
        user=user,
        kind=email.kind,
        session=session,
        deliver=lambda: _deliver(user=user, session=session, email=email, batch=batch),
    )


def _deliver(*, user: User, session: GroupSession, email: SessionEmail, batch: Batch | None = None) -> None:
    text, html = _bodies(user=user, session=session, email=email, batch=batch)
    message = _Email(
        subject=one_line(email.subject), body=text, to=[user.email], connection=_over(_connection_of(batch))
    )
    message.attach_alternative(html, "text/html")
    if email.calendar is not None:
        message.attach(
            "invite.ics",
            email.calendar,
            f"text/calendar; method={email.calendar_method}",
        )
    message.send()


# What stands in for a value of the recipient's own while a batch renders an email's shape: a
# secret of this process, so that no text anyone writes (a title, a reason) can contain it, and
# made of characters that escaping leaves alone.
_SLOT = f"\x1a{secrets.token_hex(8)}:"


def _bodies(
    *, user: User, session: GroupSession, email: SessionEmail, batch: Batch | None
) -> tuple[str, str]:
    """The text and HTML of a session email, in the reader's zone.

    In a batch, the email's shape (the email with the reader's name and every link of its
    buttons, wherever they occur, replaced by stand-ins) is rendered once per zone and host's
    name as the reader may see it; each reader's copy is that rendering with their own values
    put back, escaped for the HTML as the template escapes them. Escaping works character by
    character and leaves the stand-ins alone, so the copy is what rendering it alone gives.
    """
    zone = _zone(user, session)
    greeting = user.name_for(user)
    host_name = _name(session.host, reader=user, session=session, batch=batch)
    if batch is None:
        return _render(session=session, email=email, zone=zone, greeting=greeting, host_name=host_name)
    links = sorted({url for _label, url in [*email.actions, *email.ratings]}, key=len, reverse=True)
    personal = [(link, f"{_SLOT}{n}\x1a") for n, link in enumerate(links, start=1)]

    def shaped(text: str) -> str:
        for value, slot in personal:
            text = text.replace(value, slot)
        return text

    shape = replace(
        email,
        heading=shaped(email.heading),
        paragraphs=[shaped(paragraph) for paragraph in email.paragraphs],
        actions=[(label, shaped(url)) for label, url in email.actions],
        ratings=[(label, shaped(url)) for label, url in email.ratings],
        calendar=None,
    )
    greeting_slot = f"{_SLOT}0\x1a"
    key = (
        "bodies",
        session.pk,
        session.version,
        zone.key,
        host_name,
        shape.heading,
        tuple(shape.paragraphs),
        tuple(shape.actions),
        tuple(shape.ratings),
    )
    text, html = batch.shared(
        key,
        lambda: _render(session=session, email=shape, zone=zone, greeting=greeting_slot, host_name=host_name),
    )
    # In the reverse order of the replacing, the reader's own name last.
    for value, slot in [*reversed(personal), (greeting, greeting_slot)]:
        text, html = text.replace(slot, value), html.replace(slot, escape(value))
    return text, html


def _render(
    *, session: GroupSession, email: SessionEmail, zone: zoneinfo.ZoneInfo, greeting: str, host_name: str
) -> tuple[str, str]:
    with timezone.override(zone):
        context = {
            "greeting_name": greeting,
            "host_name": host_name,
            "session": session,
            "email": email,
            "session_url": ics.session_url(session),
            "preferences_url": absolute_url(reverse("notifications:preferences")),
            "zone": timezone.get_current_timezone_name(),
        }
        return (
            render_to_string("emails/session/body.txt", context),
            render_to_string("emails/session/body.html", context),
        )


def join_url(participant: Participant) -> str:
    """The person's own, stable join link (never the room's address)."""
    return absolute_url(participant.join_path())


def _session_url(session: GroupSession, batch: Batch | None) -> str:
    """The session page's address, looked up once per batch."""
    if batch is None:
        return ics.session_url(session)
    return batch.shared(("session url", session.pk), lambda: ics.session_url(session))


def _seat_invite(participant: Participant, *, batch: Batch | None = None) -> bytes:
    """The calendar invite of a seat, its location the person's own join link."""
    return _calendar_file(participant, method="REQUEST", batch=batch, join_url=join_url(participant))


def _calendar_file(
    participant: Participant, *, method: str, batch: Batch | None, join_url: str = ""
) -> bytes:
    """The session's calendar file for this person: an invite (REQUEST) or a CANCEL. A batch
    serializes what its files share once (see ics.SessionCalendar)."""
    session = participant.session

    def calendar() -> ics.SessionCalendar:
        return ics.SessionCalendar(session, method=method, cancelled=method == "CANCEL", now=timezone.now())

    shared = (
        batch.shared(("calendar", session.pk, session.version, method), calendar) if batch else calendar()
    )
    return shared.file_for(participant.user, join_url=join_url)


def _join_action(participant: Participant) -> tuple[str, str]:
    return ("Join the call", join_url(participant))


def _call_paragraph(participant: Participant, user: User) -> str:
    session = participant.session
    if session.phase(timezone.now()).call_open:
        return f"The call is open now. Your personal link: {join_url(participant)} (keep it to yourself)."
    with timezone.override(_zone(user, session)):
        opens = format_when(session.join_opens_at)
    return f"Your personal link to the call opens on {opens}: {join_url(participant)} (keep it to yourself)."


def _when(session: GroupSession, user: User, *, at: datetime | None = None) -> str:
    """The session's start (or `at`) in the reader's zone, naming it."""
    with timezone.override(_zone(user, session)):
        return format_when(at or session.starts_at)


def registration_confirmed(participant: Participant, *, version: str) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="registered",
        subject=f"You're registered: {session.title}",
        heading="You're registered",
        paragraphs=[
            f"“{session.title}” has started: join the call now."
            if session.phase(timezone.now()) == Phase.LIVE
            else f"See you at “{session.title}” on {_when(session, user)}.",
            _call_paragraph(participant, user),
        ],
        actions=[("View the session", ics.session_url(session)), _join_action(participant)],
        calendar=_seat_invite(participant),
    )
    return send_once(key=f"registered:{participant.pk}:{version}", user=user, session=session, email=email)


def waitlisted(participant: Participant, *, version: str) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="waitlisted",
        subject=f"You're on the waitlist: {session.title}",
        heading="You're on the waitlist",
        paragraphs=[
            f"“{session.title}” on {_when(session, user)} is full, so you're on the waitlist.",
            "When a seat frees up, the first in line gets it automatically and is told by email.",
        ],
        actions=[("View the session", ics.session_url(session))],
    )
    return send_once(key=f"waitlisted:{participant.pk}:{version}", user=user, session=session, email=email)


def promoted(participant: Participant, *, version: str) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="promoted",
        subject=f"A seat freed up: you're registered for {session.title}",
        heading="You're off the waitlist",
        paragraphs=[
            f"A seat freed up: you're now registered for “{session.title}” on {_when(session, user)}.",
            _call_paragraph(participant, user),
        ],
        actions=[("View the session", ics.session_url(session)), _join_action(participant)],
        calendar=_seat_invite(participant),
    )
    return send_once(key=f"promoted:{participant.pk}:{version}", user=user, session=session, email=email)


def left(participant: Participant, *, version: str) -> bool:
    session, user = participant.session, participant.user
    if Membership.objects.filter(user=user, program_id=session.program_id).exists():
        subject, paragraph = (
            f"You left: {session.title}",
            f"You left “{session.title}” on {_when(session, user)}. "
            "You can join again from the session page while it has seats.",
        )
        actions = [("View the session", ics.session_url(session))]
    else:  # they left the program, or a program manager removed them: the session is out of reach
        subject, paragraph = (
            f"Your place was given up: {session.title}",
            f"You are no longer a member of {session.program.name}, so your place in "
            f"“{session.title}” on {_when(session, user)} was given up.",
        )
        actions = []
    email = SessionEmail(
        kind="left",
        subject=subject,
        heading="You're no longer registered",
        paragraphs=[paragraph],
        actions=actions,
        calendar=ics.session_cancel(session, attendee=user, now=timezone.now()),
        calendar_method="CANCEL",
    )
    return send_once(key=f"left:{participant.pk}:{version}", user=user, session=session, email=email)


def _name(person: User, *, reader: User, session: GroupSession, batch: Batch | None = None) -> str:
    """`person` named as `reader` may see them (User.name_for): the session's program managers
    see the name part of the email address of someone without a name, others "A member". A
    batch reads the program's managers once."""
    if person.full_name or person.pk == reader.pk:
        return person.name_for(reader)
    if batch is None:
        manages = Membership.objects.filter(
            user=reader, program_id=session.program_id, role=Membership.Role.MANAGER
        ).exists()
    else:
        managers = batch.shared(
            ("managers", session.program_id),
            lambda: set(
                Membership.objects.filter(
                    program_id=session.program_id, role=Membership.Role.MANAGER
                ).values_list("user_id", flat=True)
            ),
        )
        manages = reader.pk in managers
    return person.name_for(reader, manages=manages)


def host_new_registration(participant: Participant, *, version: str) -> bool:
    session = participant.session
    host = session.host
    choice = preferences_for(host).registration_emails
    if choice == Preferences.RegistrationEmails.NONE:
        return False
    state = session.state_at(timezone.now(), seats_taken=seats_taken(session))
    name = _name(participant.user, reader=host, session=session)
    paragraphs = [
        f"{name} registered for your session “{session.title}” ({_when(session, host)}).",
        f"{state.spots_left} spot{'s' if state.spots_left != 1 else ''} left.",
    ]
    if state.awaits_quorum:
        paragraphs.append(
            f"{state.more_needed} more needed by {_when(session, host, at=session.decide_at)} "
            "for the session to be held."
        )
    if choice == Preferences.RegistrationEmails.DIGEST:
        paragraphs.append(
            "Later registrations come in one email an hour at most (change this on your Notifications page)."
        )
    email = SessionEmail(
        kind="host-registration",
        subject=f"{name} registered for {session.title}",
        heading="New registration",
        paragraphs=paragraphs,
        actions=[("See who's coming", ics.session_url(session))],
    )
    return send_once(
        key=f"host-registration:{participant.pk}:{version}", user=host, session=session, email=email
    )


# A name in a digest's list is cut to this many characters.
DIGEST_NAME_CHARS = 60
# Each kind of update in a digest: (one person, several people), then the names.
DIGEST_LINES = {
    HostUpdate.Kind.REGISTERED: ("1 person registered", "{count} people registered"),
    HostUpdate.Kind.LEFT: ("1 person left", "{count} people left"),
    HostUpdate.Kind.PROMOTED: (
        "1 person got a seat from the waitlist",
        "{count} people got a seat from the waitlist",
    ),
}


def _listed_names(names: list[str], count: int) -> str:
    """ "A, B and C", or the first names and "and N more"."""
    if count > len(names):
        return f"{', '.join(names)} and {count - len(names)} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _digest_names(digest: HostDigest, *, reader: User, session: GroupSession) -> dict[str, list[str]]:
    """The digest's names as `_name` shows them to the host (its query made once for them all),
    each on one line, cut short, and isolated so that a right-to-left name does not reorder the
    names around it."""
    people = [person for kind_people in digest.people.values() for person in kind_people[:DIGEST_NAMES]]
    manages = any(not person.full_name for person in people) and (
        Membership.objects.filter(
            user=reader, program_id=session.program_id, role=Membership.Role.MANAGER
        ).exists()
    )

    def shown(person: User) -> str:
        name = as_single_line(person.name_for(reader, manages=manages))
        return f"\u2068{Truncator(name).chars(DIGEST_NAME_CHARS)}\u2069"

    return {
        kind: [shown(person) for person in shown_people[:DIGEST_NAMES]]
        for kind, shown_people in digest.people.items()
    }


def host_digest(session: GroupSession, *, digest: HostDigest, window_end: datetime) -> bool:
    """One email to the host per session per hour window (HostUpdate): who registered, left or
    got a seat from the waitlist, and when the session filled up. Once per window."""
    host = session.host
    names = _digest_names(digest, reader=host, session=session)
    lines = []
    for kind, (one, several) in DIGEST_LINES.items():
        count = digest.counts.get(kind, 0)
        if count:
            listed = _listed_names(names.get(kind, []), count)
            lines.append(f"{(one if count == 1 else several).format(count=count)}: {listed}.")
    with timezone.override(_zone(host, session)):
        filled = [format_when(moment) for moment in digest.filled_at]
    if filled:
        lines.append(f"It filled up on {' and again on '.join(filled)}: every seat was taken.")
    if not lines:
        return False
    spots_left = session.state_at(timezone.now()).spots_left
    email = SessionEmail(
        kind="host-digest",
        subject=f"Registrations update: {session.title}",
        heading="Registrations update",
        paragraphs=[
            f"Since the last update, for “{session.title}” on {_when(session, host)}:",
            *lines,
            f"Now {spots_left} spot{'s' if spots_left != 1 else ''} left."
            if spots_left
            else "Now the session is full: new registrations join the waitlist.",
            "You get one of these an hour at most. To be told of each registration, or of none, "
            "change your notification preferences.",
        ],
        actions=[("See who's coming", ics.session_url(session))],
    )
    stamp = window_end.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M")
    return send_once(key=f"host-digest:{session.pk}:{stamp}", user=host, session=session, email=email)


def host_declined(participant: Participant, *, version: str) -> bool:
    session = participant.session
    host = session.host
    name = _name(participant.user, reader=host, session=session)
    email = SessionEmail(
        kind="host-declined",
        subject=f"{name} declined: {session.title}",
        heading="Invitation declined",
        paragraphs=[f"{name} declined your invitation to “{session.title}”."],
        actions=[("View the session", ics.session_url(session))],
    )
    return send_once(key=f"host-declined:{participant.pk}:{version}", user=host, session=session, email=email)


def _rsvp_url(participant: Participant, action: str) -> str:
    """An answer link for the row as it is now: once the row changes, the link only shows how
    things stand."""
    token = rsvp_token(participant_id=participant.pk, version=participant.version, action=action)
    return absolute_url(reverse("groupsessions:rsvp", args=[token]))


def invitation(participant: Participant) -> bool:
    session, user = participant.session, participant.user
    inviter = _name(participant.invited_by or session.host, reader=user, session=session)
    host = _name(session.host, reader=user, session=session)
    accept, decline = _rsvp_url(participant, "accept"), _rsvp_url(participant, "decline")
    hosted_by = "" if host == inviter else f", hosted by {host}"
    email = SessionEmail(
        kind="invitation",
        subject=f"{inviter} invited you: {session.title}",
        heading="You're invited",
        paragraphs=[
            f"{inviter} invited you to “{session.title}”, a group session on {_when(session, user)} "
            f"for {session.duration_label}{hosted_by}.",
            "Will you attend? Your answer counts toward the session's minimum and maximum.",
            f"Seats are first come, first served: {session.max_participants} at most, the host "
            "included. If the session is full when you accept, you join the waitlist and get the "
            "first seat that frees up.",
        ],
        actions=[("Accept", accept), ("Decline", decline), ("View the session", ics.session_url(session))],
    )
    return send_once(key=f"invitation:{participant.pk}", user=user, session=session, email=email)


def _changes(session: GroupSession, user: User, before: dict[str, Any] | None) -> list[str]:
    """What an edit changed, as "Time: old → new" lines (none when the old values are unknown)."""
    if not before:
        return []
    lines = []
    with timezone.override(_zone(user, session)):
        old_start = datetime.fromisoformat(before["starts_at"])
        if old_start != session.starts_at:
            lines.append(f"Time: {format_when(old_start)} → {format_when(session.starts_at)}")
    old = GroupSession(duration=timedelta(minutes=before["minutes"]))
    if old.duration != session.duration:
        lines.append(f"Duration: {old.duration_label} → {session.duration_label}")
    if before["title"] != session.title:
        lines.append(f"Title: “{before['title']}” → “{session.title}”")
    return lines


def session_updated(
    participant: Participant, *, before: dict[str, Any] | None = None, batch: Batch | None = None
) -> bool:
    session, user = participant.session, participant.user
    invited = participant.status == Participant.Status.INVITED
    email = SessionEmail(
        kind="updated",
        subject=f"Updated: {session.title}",
        heading="The session changed",
        paragraphs=[f"“{session.title}” is now on {_when(session, user)} ({session.duration_label})."]
        + _changes(session, user, before)
        + (["Your calendar invite is updated."] if participant.has_seat else []),
        actions=(
            [("Accept", _rsvp_url(participant, "accept")), ("Decline", _rsvp_url(participant, "decline"))]
            if invited
            else []
        )
        + [("View the session", _session_url(session, batch))]
        + ([_join_action(participant)] if participant.has_seat else []),
        calendar=_seat_invite(participant, batch=batch) if participant.has_seat else None,
    )
    return send_once(
        key=f"updated:{participant.pk}:v{session.version}",
        user=user,
        session=session,
        email=email,
        batch=batch,
    )


def session_cancelled(participant: Participant, *, batch: Batch | None = None) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="cancelled",
        subject=f"Cancelled: {session.title}",
        heading="The session is cancelled",
        paragraphs=[
            f"“{session.title}” on {_when(session, user)} is cancelled.",
            f"Reason: {session.cancel_reason}",
        ],
        actions=[("View the session", _session_url(session, batch))],
        calendar=_calendar_file(participant, method="CANCEL", batch=batch) if participant.has_seat else None,
        calendar_method="CANCEL",
    )
    return send_once(
        key=f"cancelled:{participant.pk}:v{session.version}",
        user=user,
        session=session,
        email=email,
        batch=batch,
    )


def session_confirmed(participant: Participant, *, batch: Batch | None = None) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="confirmed",
        subject=f"Confirmed: {session.title} will be held",
        heading="It's on",
        paragraphs=[
            f"Enough people registered: “{session.title}” will be held on {_when(session, user)}.",
            _call_paragraph(participant, user),
        ],
        actions=[("View the session", _session_url(session, batch)), _join_action(participant)],
    )
    return send_once(
        key=f"confirmed:{participant.pk}:v{session.version}",
        user=user,
        session=session,
        email=email,
        batch=batch,
    )


def reminder(participant: Participant, *, which: str) -> bool:
    session, user = participant.session, participant.user
    lead = "tomorrow" if which == "24h" else "in 1 hour"
    email = SessionEmail(
        kind=f"reminder-{which}",
        subject=f"Reminder: {session.title} starts {lead}",
        heading=f"Starting {lead}",
        paragraphs=[
            f"“{session.title}” starts {lead}: {_when(session, user)} ({session.duration_label}).",
            _call_paragraph(participant, user),
        ],
        actions=[_join_action(participant), ("View the session", ics.session_url(session))],
    )
    stamp = session.starts_at.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M")
    return send_once(
        key=f"reminder-{which}:{participant.pk}:{stamp}", user=user, session=session, email=email
    )


# ---- After the session ------------------------------------------------------------------------


def feedback_request(participant: Participant, *, batch: Batch | None = None) -> bool:
    """How was it? to one attendee: a click on a rating opens a page that asks to confirm it."""
    session, user = participant.session, participant.user
    token = feedback_token(participant_id=participant.pk)
    page = absolute_url(reverse("groupsessions:feedback_link", args=[token]))
    email = SessionEmail(
        kind="feedback",
        subject=f"How was {session.title}?",
        heading=f"How was “{session.title}”?",
        paragraphs=[
            "Thanks for coming. Pick a rating (1 = poor, 5 = excellent), then confirm it on the next "
            "page, where you can add a comment. The host sees ratings and comments without names; "
            "the program's managers see names.",
        ],
        ratings=[(str(rating), f"{page}?rating={rating}") for rating in Feedback.RATINGS],
    )
    return send_once(key=f"feedback:{participant.pk}", user=user, session=session, email=email, batch=batch)


def _resources_paragraphs(session: GroupSession) -> list[str]:
    paragraphs = []
    if session.recording_url:
        paragraphs.append(f"Recording: {session.recording_url}")
    if session.resources_note:
        paragraphs.append(f"From the host: {session.resources_note}")
    return paragraphs


def resources_shared(participant: Participant, *, batch: Batch | None = None) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="resources",
        subject=f"The recording and notes of {session.title}",
        heading="The recording and notes are here",
        paragraphs=[
            f"The host shared what was covered in “{session.title}”.",
            *_resources_paragraphs(session),
        ],
        actions=[("Open the session page", _session_url(session, batch))],
    )
    return send_once(key=f"resources:{participant.pk}", user=user, session=session, email=email, batch=batch)


def missed_session(participant: Participant, *, batch: Batch | None = None) -> bool:
    """The "Sorry we missed you" email to someone who registered but did not come."""
    session, user = participant.session, participant.user
    if not preferences_for(user).missed_session_emails:
        return False
    email = SessionEmail(
        kind="missed",
        subject=f"Sorry we missed you: {session.title}",
        heading="Sorry we missed you",
        paragraphs=[
            f"You were registered for “{session.title}” but we didn't see you there. "
            "Here is what you missed, so you can catch up.",
            *_resources_paragraphs(session),
        ],
        actions=[("Open the session page", _session_url(session, batch))],
    )
    return send_once(key=f"missed:{participant.pk}", user=user, session=session, email=email, batch=batch)


# ---- Messages -------------------------------------------------------------------------------------

# In a message email a name is cut to this many characters, a message's first line to
# MESSAGE_LINE_CHARS.
MESSAGE_NAME_CHARS = 60
MESSAGE_LINE_CHARS = 200


def _isolated(text: str, chars: int) -> str:
    """On one line, cut short, and isolated so that right-to-left text cannot reorder what is
    around it."""
    return f"\u2068{Truncator(as_single_line(text)).chars(chars)}\u2069"


def _first_line(body: str) -> str:
    first, _, rest = body.partition("\n")
    return _isolated(first + (" …" if rest.strip() else ""), MESSAGE_LINE_CHARS) if first else ""


def new_messages(
    conversation: Conversation, *, unread: Unread, window_end: datetime, batch: Batch | None = None
) -> bool:
    """One email about the messages of one conversation a reader has not read, posted in one
    15-minute window (tasks.message_emails): who wrote, the first line of each, and a link to
    reply. Once per conversation, reader and window."""
    reader = unread.reader

    def name(person: User | None) -> str:
        if person is None:
            return "A former member"
        return _isolated(person.name_for(reader, manages=unread.manages), MESSAGE_NAME_CHARS)

    lines = []
    for message in unread.messages:
        if message.kind == Message.Kind.SHARE and message.session is not None:
            shared = message.session
            text = f"shared the session “{_isolated(shared.title, 100)}” ({_when(shared, reader)})"
            note = _first_line(message.body)
            text += f": {note}" if note else "."
        else:
            text = _first_line(message.body)
        lines.append((name(message.author), text))
    senders = list(dict.fromkeys(who for who, _ in lines))
    where = f" in “{_isolated(conversation.session.title, 100)}”" if conversation.session is not None else ""
    if unread.count == 1:
        subject = f"New message from {senders[0]}{where}"
    else:
        subject = f"{unread.count} new messages from {_listed_names(senders[:3], len(senders))}{where}"
    url = absolute_url(conversation.get_absolute_url())
    context = {
        "greeting_name": reader.name_for(reader),
        "subject": subject,
        "lines": lines,
        "earlier": unread.count - len(lines),
        "conversation_url": url,
        "preferences_url": absolute_url(reverse("notifications:preferences")),
    }
    stamp = window_end.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M")
    return _recorded(
        batch,
        key=f"messages:{conversation.pk}:{reader.pk}:{stamp}",
        user=reader,
        kind="new-messages",
        deliver=lambda: send("new_messages", reader.email, context, connection=_connection_of(batch)),
    )
