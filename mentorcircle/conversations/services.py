"""Every write to conversations and messages goes through here, with every rule once.

Rules, in short: a conversation belongs to one program and everyone in it is a member of that
program; a group holds at most MAX_GROUP people; a message is plain text of at most 5,000
characters; a person posts at most RATE_LIMIT messages a minute (counted in the database, so
every worker agrees); nobody messages someone they blocked or who blocked them directly, nor
starts a conversation with them; a cancelled session's conversation takes no new messages.
"""

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import nh3
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Subquery, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.html import escape, strip_tags, urlize

from mentorcircle.accounts.models import User
from mentorcircle.conversations import selectors
from mentorcircle.conversations.events import MessagePosted, SessionShared
from mentorcircle.conversations.models import (
    MAX_BODY,
    MAX_REASON,
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
)
from mentorcircle.conversations.rules import Access, may_moderate_message
from mentorcircle.core.events import publish
from mentorcircle.groupsessions.models import GroupSession
from mentorcircle.programs.models import Membership, Program

Kind = Conversation.Kind
# At most this many people in a group conversation, its creator included. A session's
# conversation has no such limit: it holds everyone seated.
MAX_GROUP = 20
RATE_LIMIT = 30
RATE_WINDOW = timedelta(minutes=1)
RATE_MESSAGE = f"You have sent {RATE_LIMIT} messages in the last minute. Wait a moment and send again."


class MessageError(Exception):
    """A rule was broken; `field` names the form field the message belongs next to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(MessageError):
    """The person may not see the conversation, message or person at all (pages answer 404)."""


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# ---- Text -----------------------------------------------------------------------------------------


def clean_body(body: str) -> str:
    """The text as it is stored: one line break per line (browsers send CR LF), control
    characters other than line breaks and tabs dropped, and no blank space around it."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in body if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


_SPACES = re.compile(r"(\s+)")


def _linked(word: str) -> str:
    """One word, escaped, as a link if it is a web or email address (Django's urlize). Where
    urlize would drop a character (it loses the "." of "(www.example.org)."), the word stays
    plain text: what people typed is always shown whole."""
    if not any(mark in word for mark in ".@:"):
        return escape(word)
    linked = urlize(word, nofollow=True, autoescape=True)
    return linked if html.unescape(strip_tags(linked)) == word else escape(word)


def render_body(body: str) -> str:
    """Plain text as HTML: everything escaped, web and email addresses made links, then
    sanitised by nh3 so that nothing but plain links can come out of it."""
    linked = urlize(body, nofollow=True, autoescape=True)
    if html.unescape(strip_tags(linked)) != body:
        linked = "".join(part if _SPACES.fullmatch(part) else _linked(part) for part in _SPACES.split(body))
    return nh3.clean(
        linked,
        tags={"a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def check_body(body: str, *, kind: str) -> None:
    if not body and kind != Message.Kind.SHARE:
        raise MessageError("Write a message.", "body")
    if len(body) > MAX_BODY:
        raise MessageError(
            f"Keep the message to {MAX_BODY:,} characters or fewer (it has {len(body):,}).", "body"
        )


# ---- Conversations ----------------------------------------------------------------------------


def conversation_for_session(*, session: GroupSession, now: datetime | None = None) -> Conversation:
    """The session's conversation, made the first time it is asked for (when the session is
    created, see handlers.py; or on first use, for sessions made before)."""
    found = Conversation.objects.filter(session=session).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                program_id=session.program_id,
                kind=Kind.SESSION,
                session=session,
                created_by_id=session.host_id,
                created_at=_now(now),
            )
    except IntegrityError:  # made at the same moment by another request
        return Conversation.objects.get(session=session)


def conversation_for_session_id(*, session_id: int) -> Conversation | None:
    session = GroupSession.objects.filter(pk=session_id).first()
    return conversation_for_session(session=session) if session else None


def _names(people: Iterable[User], viewer: User) -> str:
    return ", ".join(sorted(person.name_for(viewer) for person in people))


def conversation_direct_or_group(
    *, program: Program, creator: User, people: Iterable[User], now: datetime | None = None
) -> Conversation:
    """The conversation of `creator` with `people` in `program`: with one other person their
    direct conversation (made once per pair and program), with more a group of exactly these
    people (reused if they already have one). Everyone must be a member of the program, at most
    MAX_GROUP people in all, and nobody in a block with the creator (either way)."""
    now = _now(now)
    others = {person.pk: person for person in people if person.pk != creator.pk}
    if not others:
        raise MessageError("Pick at least one person to write to.", "people")
    if len(others) + 1 > MAX_GROUP:
        raise MessageError(
            f"A conversation can have at most {MAX_GROUP} people, you included: "
            f"remove {len(others) + 1 - MAX_GROUP}.",
            "people",
        )
    wanted = {creator.pk, *others}
    members = set(
        Membership.objects.filter(program=program, user_id__in=wanted).values_list("user_id", flat=True)
    )
    if creator.pk not in members:
        raise NotFound("No such program.")
    if members != wanted:
        raise MessageError(f"Pick members of {program.name} only.", "people")
    blocked = selectors.blocked_between(user=creator, others=list(others))
    if blocked:
        names = _names((others[pk] for pk in blocked), creator)
        raise MessageError(f"You cannot send messages to {names}.", "people")
    with transaction.atomic():
        if len(others) == 1:
            return _direct(program=program, creator=creator, other_id=next(iter(others)), now=now)
        return _group(program=program, creator=creator, wanted=wanted, now=now)


def _direct(*, program: Program, creator: User, other_id: int, now: datetime) -> Conversation:
    low, high = sorted((creator.pk, other_id))
    key = f"{low}:{high}"
    found = Conversation.objects.filter(program=program, kind=Kind.DIRECT, direct_key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                program=program, kind=Kind.DIRECT, direct_key=key, created_by=creator, created_at=now
            )
            ConversationMember.objects.bulk_create(
                ConversationMember(conversation=conversation, user_id=pk, joined_at=now) for pk in (low, high)
            )
            return conversation
    except IntegrityError:  # the other person wrote first, at the same moment
        return Conversation.objects.get(program=program, kind=Kind.DIRECT, direct_key=key)


def _group(*, program: Program, creator: User, wanted: set[int], now: datetime) -> Conversation:
    same = Conversation.objects.filter(program=program, kind=Kind.GROUP).annotate(
        people=Count("members", filter=Q(members__left_at__isnull=True))
    )
    for pk in wanted:
        same = same.filter(
            pk__in=ConversationMember.objects.filter(user_id=pk, left_at__isnull=True).values(
                "conversation_id"
            )
        )
    found = same.filter(people=len(wanted)).order_by("-last_message_at", "-id").first()
    if found is not None:
        return found
    conversation = Conversation.objects.create(
        program=program, kind=Kind.GROUP, created_by=creator, created_at=now
    )
    ConversationMember.objects.bulk_create(
        ConversationMember(conversation=conversation, user_id=pk, joined_at=now) for pk in sorted(wanted)
    )
    return conversation


def conversation_start(
    *, program: Program, creator: User, people: Iterable[User], body: str, now: datetime | None = None
) -> Message:
    """New message: the conversation with these people (see conversation_direct_or_group) and
    the first message in it; nothing is made if the message is refused."""
    now = _now(now)
    with transaction.atomic():
        conversation = conversation_direct_or_group(program=program, creator=creator, people=people, now=now)
        return message_post(conversation=conversation, author=creator, body=body, now=now)


def _state_row(*, conversation: Conversation, user: User, now: datetime, **values: object) -> None:
    """Update the person's row in the conversation, making it first if they have none (in a
    session's conversation rows are made on first use)."""
    rows = ConversationMember.objects.filter(conversation=conversation, user=user)
    if rows.update(**values):
        return
    try:
        with transaction.atomic():
            ConversationMember.objects.create(conversation=conversation, user=user, joined_at=now)
    except IntegrityError:
        pass  # made at the same moment by another request
    rows.update(**values)


def conversation_mark_read(
    *, conversation: Conversation, user: User, up_to: int, now: datetime | None = None
) -> None:
    """The person has seen the messages up to id `up_to` (never moves back), and is looking now."""
    now = _now(now)
    # Never past the conversation's newest message (an id from the browser may be anything).
    newest = Conversation.objects.filter(pk=conversation.pk).order_by().values("last_message_id")
    up_to_newest = Least(Value(max(0, up_to)), Subquery(newest))
    _state_row(
        conversation=conversation,
        user=user,
        now=now,
        last_read_id=Greatest(F("last_read_id"), up_to_newest),
        last_seen_at=now,
    )


def _require(found: Access) -> None:
    if not found.can_read:
        raise NotFound("No such conversation.")


def conversation_mute(
    *, conversation: Conversation, user: User, muted: bool, now: datetime | None = None
) -> None:
    """Muted: no email about new messages, and it is left out of the header's unread count."""
    _require(selectors.access(user=user, conversation=conversation))
    _state_row(conversation=conversation, user=user, now=_now(now), muted=muted)


def conversation_leave(*, conversation: Conversation, user: User, now: datetime | None = None) -> None:
    """Leave a group conversation: it is no longer theirs to see (someone may add them again
    by starting a conversation with the same people)."""
    found = selectors.access(user=user, conversation=conversation)
    _require(found)
    if not found.can_leave:
        raise MessageError("Only group conversations can be left.")
    ConversationMember.objects.filter(conversation=conversation, user=user).update(left_at=_now(now))


# ---- Messages --------------------------------------------------------------------------------


def _check_kind(found: Access, *, kind: str, session: GroupSession | None) -> None:
    conversation = found.conversation
    if kind == Message.Kind.ANNOUNCEMENT:
        if not conversation.is_session:
            raise MessageError("Announcements are made in a session's conversation.", "kind")
        if not found.can_announce:
            raise MessageError("Only the host and the program's managers can post announcements.", "kind")
    elif kind == Message.Kind.SHARE:
        if session is None or session.program_id != conversation.program_id:
            raise MessageError("Share a session of this conversation's program.", "session")
    elif kind != Message.Kind.MESSAGE:
        raise ValueError(f"Unknown kind of message {kind!r}")
    if kind != Message.Kind.SHARE and session is not None:
        raise ValueError("Only a share message shows a session.")


def _check_open(found: Access) -> None:
    reason = found.conversation.closed_reason
    if reason is not None:
        raise MessageError(f"This session was cancelled, so its conversation is closed. Reason: {reason}")


def _check_direct(found: Access, *, author: User) -> None:
    """In a direct conversation: no block either way, and the other person still a member."""
    conversation = found.conversation
    if conversation.kind != Kind.DIRECT:
        return
    other = (
        ConversationMember.objects.filter(conversation=conversation)
        .exclude(user=author)
        .select_related("user")
        .first()
    )
    if other is None:
        return
    name = other.user.name_for(author)
    if Block.objects.filter(blocker=author, blocked=other.user).exists():
        raise MessageError(f"You blocked {name}. Unblock them to send messages.")
    if Block.objects.filter(blocker=other.user, blocked=author).exists():
        raise MessageError(f"You cannot send messages to {name}.")
    if not Membership.objects.filter(program_id=conversation.program_id, user=other.user).exists():
        raise MessageError(f"{name} is no longer a member of {conversation.program.name}.")


def _check_rate(author: User, *, now: datetime) -> None:
    """At most RATE_LIMIT messages in the last minute. Shares are left out: a share to many
    people makes one message each, and is bounded by the share itself."""
    recent = (
        Message.objects.filter(author=author, created_at__gt=now - RATE_WINDOW)
        .exclude(kind=Message.Kind.SHARE)
        .count()
    )
    if recent >= RATE_LIMIT:
        raise MessageError(RATE_MESSAGE, "body")


def message_post(
    *,
    conversation: Conversation,
    author: User,
    body: str,
    kind: str = Message.Kind.MESSAGE,
    session: GroupSession | None = None,
    now: datetime | None = None,
) -> Message:
    """Post a message: plain `body` (a note, may be empty, for a share), an announcement (in a
    session's conversation, by its host or a program manager), or a share of `session` (a card
    with its title, time, spots left and Join). Marks the conversation read for the author and
    publishes MessagePosted once the transaction commits. Raises NotFound when the author may
    not see the conversation, MessageError when a rule refuses the message."""
    now = _now(now)
    body = clean_body(body)
    with transaction.atomic():
        # One person's posts queue behind each other here (a row lock on PostgreSQL; SQLite's
        # writers are serialised already), so two at once cannot both pass the rate limit.
        User.objects.select_for_update().filter(pk=author.pk).exists()
        conversation = Conversation.objects.select_related("program", "session").get(pk=conversation.pk)
        found = selectors.access(user=author, conversation=conversation)
        _require(found)
        _check_kind(found, kind=kind, session=session)
        _check_open(found)
        _check_direct(found, author=author)
        check_body(body, kind=kind)
        _check_rate(author, now=now)
        message = Message.objects.create(
            conversation=conversation,
            author=author,
            kind=kind,
            body=body,
            body_html=render_body(body),
            session=session,
            created_at=now,
        )
        Conversation.objects.filter(pk=conversation.pk, last_message_id__lt=message.pk).update(
            last_message_id=message.pk, last_message_at=now
        )
        conversation.last_message_id = max(conversation.last_message_id, message.pk)
        conversation_mark_read(conversation=conversation, user=author, up_to=message.pk, now=now)
        publish(MessagePosted(message_id=message.pk, conversation_id=conversation.pk))
        return message


def message_emails_due(*, conversation_id: int, window_end: datetime) -> bool:
    """Record that the emails about the window ending at `window_end` are due; True only for the
    first caller of a window (one conditional UPDATE: concurrent callers cannot both win), who
    enqueues the one task for it. Another window's mark, still pending, gives way: its task is
    enqueued already (and a message committed late in an earlier window still gets its task)."""
    found = Conversation.objects.filter(pk=conversation_id).exclude(email_due_at=window_end)
    return found.update(email_due_at=window_end) == 1


def message_emails_started(*, conversation_id: int, window_end: datetime) -> None:
    """The task for the window ending at `window_end` has started: a message committed from now
    on (late in that window) enqueues a task again, which the delivery records keep from
    emailing anyone twice."""
    Conversation.objects.filter(pk=conversation_id, email_due_at=window_end).update(email_due_at=None)


def _require_moderator(actor: User, message: Message, *, refused: str) -> None:
    """NotFound for anyone who may not see the message, MessageError for a reader who does not
    manage the program (see rules.may_moderate_message)."""
    found = selectors.access(user=actor, conversation=message.conversation)
    reported = selectors.has_open_reports(message=message)
    if may_moderate_message(found, message=message, reported=reported):
        return
    _require(found)
    raise MessageError(refused)


def message_remove(*, message: Message, actor: User, now: datetime | None = None) -> Message:
    """A program manager removes a message: it shows as removed to everyone, and its reports
    are dealt with. In a conversation they are not in, only a message with an open report (or
    one removed already: safe to repeat)."""
    now = _now(now)
    _require_moderator(actor, message, refused="Only the program's managers can remove messages.")
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, removed_at__isnull=True).update(
            removed_at=now, removed_by=actor
        )
        MessageReport.objects.filter(message=message, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor
        )
    message.refresh_from_db(fields=["removed_at", "removed_by"])
    return message


def message_report(
    *, message: Message, reporter: User, reason: str, now: datetime | None = None
) -> MessageReport:
    """Tell the program's managers about a message (once per person; reporting again updates
    the reason and brings it back to their list)."""
    now = _now(now)
    _require(selectors.access(user=reporter, conversation=message.conversation))
    if message.author_id == reporter.pk:
        raise MessageError("This is your own message.")
    if message.is_removed:
        raise MessageError("This message was already removed.")
    reason = clean_body(reason)
    if len(reason) > MAX_REASON:
        raise MessageError(
            f"Keep the reason to {MAX_REASON} characters or fewer (it has {len(reason):,}).", "reason"
        )
    report, _ = MessageReport.objects.update_or_create(
        message=message,
        reporter=reporter,
        defaults={"reason": reason, "created_at": now, "resolved_at": None, "resolved_by": None},
    )
    return report


def reports_resolve(*, message: Message, actor: User, now: datetime | None = None) -> int:
    """A program manager looked at a reported message and keeps it. Returns how many reports."""
    _require_moderator(actor, message, refused="Only the program's managers can deal with reports.")
    return MessageReport.objects.filter(message=message, resolved_at__isnull=True).update(
        resolved_at=_now(now), resolved_by=actor
    )


# ---- Blocks --------------------------------------------------------------------------------------


def block_create(*, blocker: User, blocked_id: int, now: datetime | None = None) -> User:
    """Block someone you share a program with: neither can message the other directly, nor
    start a conversation with the other; in groups and sessions their messages are hidden from
    you. Safe to repeat."""
    if blocked_id == blocker.pk:
        raise MessageError("You cannot block yourself.")
    if not selectors.shares_a_program(user=blocker, other_id=blocked_id):
        raise NotFound("No such person.")
    try:
        with transaction.atomic():
            Block.objects.get_or_create(
                blocker=blocker, blocked_id=blocked_id, defaults={"created_at": _now(now)}
            )
    except IntegrityError:
        pass  # the same block made at the same moment
    return User.objects.get(pk=blocked_id)


def block_remove(*, blocker: User, blocked_id: int) -> None:
    Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()


# ---- Sharing a session --------------------------------------------------------------------------

# A member who does not manage the program picks at most this many people at once; managers may
# also share with cohorts, tags or the whole program. Up to SHARE_NOW recipients get their
# message in the request; more are handed to tasks of SHARE_BATCH people (see handlers.py).
MAX_SHARE_PICKS = 50
SHARE_NOW = 50
SHARE_BATCH = 100


@dataclass(frozen=True)
class ShareResult:
    shared: int  # messages posted now
    queued: int  # recipients the tasks will send it to in a moment
    skipped: int  # in a block with the sharer (either way)


def session_share(
    *,
    session: GroupSession,
    sharer: User,
    people: Iterable[int] = (),
    cohorts: Iterable[int] = (),
    tags: Iterable[int] = (),
    everyone: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> ShareResult:
    """Share a session: each recipient gets a share message (the card, with the note) in their
    direct conversation with the sharer. Anyone in the program may share with members they
    pick (at most MAX_SHARE_PICKS); managers also with cohorts, tags or everyone. People in a
    block with the sharer are skipped. Sharing never invites anyone: no seat rows are made."""
    now = _now(now)
    membership = Membership.objects.filter(program_id=session.program_id, user=sharer).first()
    if membership is None:
        raise NotFound("No such session.")
    if not session.state_at(now).phase.accepts_registrations:
        raise MessageError("Only sessions that have not ended and are not cancelled can be shared.")
    picked = set(people)
    cohorts, tags = list(cohorts), list(tags)
    if (cohorts or tags or everyone) and not membership.is_manager:
        raise MessageError("Only program managers can share with a whole cohort, tag or program.", "people")
    if len(picked) > MAX_SHARE_PICKS and not membership.is_manager:
        raise MessageError(
            f"Share with at most {MAX_SHARE_PICKS} people at once (you picked {len(picked)}).", "people"
        )
    note = clean_body(note)
    check_body(note, kind=Message.Kind.SHARE)
    who = Q() if everyone else Q(user_id__in=picked) | Q(cohorts__in=cohorts) | Q(tags__in=tags)
    ids = sorted(
        set(
            Membership.objects.filter(program_id=session.program_id)
            .filter(who)
            .exclude(user=sharer)
            .values_list("user_id", flat=True)
        )
    )
    if not ids:
        raise MessageError("Pick at least one member to share with.", "people")
    blocked = selectors.blocked_between(user=sharer, others=ids)
    ids = [pk for pk in ids if pk not in blocked]
    if len(ids) <= SHARE_NOW:
        shared = share_send(session=session, sharer=sharer, user_ids=ids, note=note, shared_at=now)
        return ShareResult(shared=shared, queued=0, skipped=len(blocked))
    publish(
        SessionShared(
            session_id=session.pk, sharer_id=sharer.pk, user_ids=ids, note=note, shared_at=now.isoformat()
        )
    )
    return ShareResult(shared=0, queued=len(ids), skipped=len(blocked))


def share_send(
    *, session: GroupSession, sharer: User, user_ids: list[int], note: str, shared_at: datetime
) -> int:
    """Post the share message to each of these people (the rules checked again for each: still a
    member, no block). A message already posted for this share (same time) is not posted again
    (Message's "message_share_once" constraint), so a task run twice, or two runs at once, send
    nothing twice. Returns how many were posted now."""
    posted = 0
    for recipient in User.objects.filter(pk__in=user_ids).order_by("pk"):
        try:
            conversation = conversation_direct_or_group(
                program=session.program, creator=sharer, people=[recipient], now=shared_at
            )
            message_post(
                conversation=conversation,
                author=sharer,
                body=note,
                kind=Message.Kind.SHARE,
                session=session,
                now=shared_at,
            )
        except MessageError:
            continue  # left the program or blocked the sharer since: skipped
        except IntegrityError:
            continue  # posted by an earlier run of this share
        posted += 1
    return posted
