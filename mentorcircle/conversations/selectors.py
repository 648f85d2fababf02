"""Every read of conversations. Lists cost a fixed number of queries, whatever their size: the
inbox is paginated on the plain query, and only the page shown is decorated (`for_inbox`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.conversations.models import Block, Conversation, ConversationMember, Message, MessageReport
from mentorcircle.conversations.rules import Access
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.groupsessions.selectors import for_display
from mentorcircle.programs.models import Membership, Program

Kind = Conversation.Kind
HISTORY_PAGE = 50
POLL_LIMIT = 100


def access(*, user: User, conversation: Conversation) -> Access:
    """What the person is to the conversation (three small queries; two outside sessions)."""
    membership = (
        Membership.objects.filter(program_id=conversation.program_id, user=user).order_by("pk").first()
    )
    member = ConversationMember.objects.filter(conversation=conversation, user=user).first()
    status = None
    if conversation.session_id is not None and membership is not None:
        status = (
            Participant.objects.filter(session_id=conversation.session_id, user=user)
            .values_list("status", flat=True)
            .first()
        )
    return Access(
        conversation=conversation,
        user=user,
        membership=membership,
        member=member,
        seated=status in Participant.SEATED,
        host=status == Participant.Status.HOST,
    )


def conversation_get(*, pk: int) -> Conversation:
    conversation = Conversation.objects.select_related("program", "session").filter(pk=pk).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def conversation_get_visible(*, user: User, pk: int) -> Access:
    """The conversation and what the person is to it; 404 for anyone who may not read it (people
    outside the program, a member removed from it, someone who left the session or the group)."""
    found = access(user=user, conversation=conversation_get(pk=pk))
    if not found.can_read:
        raise Http404("No such conversation.")
    return found


def message_get(*, conversation: Conversation, pk: int) -> Message:
    message = (
        Message.objects.select_related("author", "conversation")
        .filter(pk=pk, conversation=conversation)
        .first()
    )
    if message is None:
        raise Http404("No such message.")
    return message


def has_open_reports(*, message: Message) -> bool:
    return MessageReport.objects.filter(message=message, resolved_at__isnull=True).exists()


def conversation_of_session(*, session: GroupSession) -> Conversation | None:
    return Conversation.objects.filter(session=session).first()


# ---- The inbox ----------------------------------------------------------------------------------


def _read_up_to(user: User) -> Coalesce:
    rows = ConversationMember.objects.filter(conversation=OuterRef("pk"), user=user)
    return Coalesce(Subquery(rows.values("last_read_id")[:1]), Value(0))


def _muted(user: User) -> Coalesce:
    rows = ConversationMember.objects.filter(conversation=OuterRef("pk"), user=user)
    return Coalesce(Subquery(rows.values("muted")[:1]), Value(False))


def listed_for(*, user: User) -> QuerySet[Conversation]:
    """The conversations in the person's inbox, newest first: those with messages, in a program
    they are still a member of, that they are in: direct and group conversations they have not
    left, the conversations of the sessions they hold a seat in, and those of their programs'
    sessions where, as a manager, they have posted (they can open any of the latter from the
    session's page)."""
    seated_in = Participant.objects.filter(user=user, status__in=Participant.SEATED).values("session_id")
    in_rows = ConversationMember.objects.filter(user=user, left_at__isnull=True).values("conversation_id")
    programs = Membership.objects.filter(user=user).values("program_id")
    managed = Membership.objects.filter(user=user, role=Membership.Role.MANAGER).values("program_id")
    posted_in = Message.objects.filter(author=user).values("conversation_id")
    in_it = (
        Q(kind__in=(Kind.DIRECT, Kind.GROUP), pk__in=in_rows)
        | Q(kind=Kind.SESSION, session_id__in=seated_in)
        | Q(kind=Kind.SESSION, program_id__in=managed, pk__in=posted_in)
    )
    return (
        Conversation.objects.filter(in_it, last_message_id__gt=0, program_id__in=programs)
        .select_related("program", "session")
        .order_by("-last_message_at", "-id")
    )


def readers(*, conversation: Conversation) -> QuerySet[User]:
    """The people who have the conversation in their inbox (as `listed_for` has it): who is told
    of a new message. Still members of the program, and in it: for a session's conversation
    everyone seated and the managers who have posted in it; otherwise those who have not left."""
    members = Membership.objects.filter(program_id=conversation.program_id)
    if conversation.is_session:
        seated = Participant.objects.filter(session_id=conversation.session_id, status__in=Participant.SEATED)
        managers = members.filter(role=Membership.Role.MANAGER).values("user_id")
        posted = Message.objects.filter(conversation=conversation).values("author_id")
        in_it = Q(pk__in=seated.values("user_id")) | (Q(pk__in=managers) & Q(pk__in=posted))
    else:
        in_it = Q(pk__in=conversation.members.filter(left_at__isnull=True).values("user_id"))
    return User.objects.filter(in_it, pk__in=members.values("user_id")).order_by("pk")


def unread_conversations(*, user: User) -> QuerySet[Conversation]:
    """The person's conversations with messages they have not read (muted ones left out)."""
    return (
        listed_for(user=user)
        .annotate(read_up_to=_read_up_to(user), is_muted=_muted(user))
        .filter(last_message_id__gt=F("read_up_to"), is_muted=False)
    )


def unread_conversation_total(*, user: User) -> Subquery:
    """How many `unread_conversations` there are, as an expression for another query to carry:
    a scalar subquery that does not refer to the outer row, so the database computes it once."""
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())  # no GROUP BY: one row
    return Subquery(unread_conversations(user=user).order_by().annotate(count=count).values("count"))


@dataclass
class InboxRow:
    conversation: Conversation
    people: list[User]  # the others in a direct or group conversation
    last: Message | None
    unread: int
    muted: bool

    @property
    def hidden(self) -> bool:
        """The last message is by someone the reader blocked: its text is not shown."""
        return bool(self.last is not None and getattr(self.last, "by_blocked", False))


def for_inbox(conversations: list[Conversation], *, user: User) -> list[InboxRow]:
    """One page of the inbox with what each row shows: three queries whatever the page holds."""
    ids = [conversation.pk for conversation in conversations]
    if not ids:
        return []
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), id__gt=OuterRef("read_up_to"))
        .exclude(author=user)
        .order_by()
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    state = {
        row["pk"]: row
        for row in Conversation.objects.filter(pk__in=ids)
        .annotate(read_up_to=_read_up_to(user), is_muted=_muted(user))
        .annotate(unread=Coalesce(Subquery(unread), Value(0)))
        .values("pk", "unread", "is_muted")
    }
    blocked = Block.objects.filter(blocker=user, blocked=OuterRef("author_id"))
    last = {
        message.pk: message
        for message in Message.objects.filter(pk__in=[c.last_message_id for c in conversations])
        .select_related("author", "session")
        .annotate(by_blocked=Exists(blocked))
    }
    people: dict[int, list[User]] = {pk: [] for pk in ids}
    rows = (
        ConversationMember.objects.filter(conversation_id__in=ids, left_at__isnull=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    for row in rows:
        people[row.conversation_id].append(row.user)
    return [
        InboxRow(
            conversation=conversation,
            people=people[conversation.pk],
            last=last.get(conversation.last_message_id),
            unread=state[conversation.pk]["unread"],
            muted=state[conversation.pk]["is_muted"],
        )
        for conversation in conversations
    ]


# ---- A conversation's page ------------------------------------------------------------------------


def people_in(*, conversation: Conversation) -> list[User]:
    """Who is in a direct or group conversation, by name (a session's: see its page)."""
    if conversation.is_session:
        return []
    return [
        row.user
        for row in ConversationMember.objects.filter(conversation=conversation, left_at__isnull=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    ]


def _messages(conversation: Conversation, *, moderator: bool) -> QuerySet[Message]:
    messages = conversation.messages.select_related("author", "session")
    if moderator:
        open_reports = (
            MessageReport.objects.filter(message=OuterRef("pk"), resolved_at__isnull=True)
            .order_by()
            .values("message")
            .annotate(count=Count("pk"))
            .values("count")
        )
        messages = messages.annotate(open_reports=Coalesce(Subquery(open_reports), Value(0)))
    return messages


def _with_cards(messages: list[Message], *, user: User, now: datetime) -> list[Message]:
    """Share messages get their session with its state and the reader's own status (one query
    for all of them; none when there is no card)."""
    sessions = {m.session_id: m.session for m in messages if m.session is not None}
    shown = {s.pk: s for s in for_display(list(sessions.values()), user=user, now=now)} if sessions else {}
    for message in messages:
        if message.session_id is not None:
            message.card = shown.get(message.session_id)  # type: ignore[attr-defined]
    return messages


@dataclass
class History:
    messages: list[Message]  # oldest first
    earlier: int | None  # the id to ask for the page before this one, if there is one


def history(
    *,
    conversation: Conversation,
    user: User,
    moderator: bool = False,
    before: int | None = None,
    now: datetime | None = None,
    per_page: int = HISTORY_PAGE,
) -> History:
    """The newest page of messages (or the page before message `before`), oldest first."""
    messages = _messages(conversation, moderator=moderator)
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(messages.order_by("-id")[: per_page + 1])
    shown = rows[:per_page][::-1]
    earlier = shown[0].pk if len(rows) > per_page else None
    return History(messages=_with_cards(shown, user=user, now=now or timezone.now()), earlier=earlier)


def messages_after(
    *,
    conversation: Conversation,
    user: User,
    after: int,
    moderator: bool = False,
    now: datetime | None = None,
) -> list[Message]:
    """Messages newer than `after`, oldest first (the live updates), at most POLL_LIMIT."""
    rows = list(_messages(conversation, moderator=moderator).filter(id__gt=after).order_by("id")[:POLL_LIMIT])
    return _with_cards(rows, user=user, now=now or timezone.now())


def removed_since(
    *, conversation: Conversation, since: datetime, up_to: int, moderator: bool = False
) -> list[Message]:
    """Messages up to `up_to` removed at `since` or later (the live updates show them removed),
    at most POLL_LIMIT."""
    rows = _messages(conversation, moderator=moderator).filter(id__lte=up_to, removed_at__gte=since)
    return list(rows.order_by("id")[:POLL_LIMIT])


def blocked_by(*, user: User) -> set[int]:
    """Ids of the people this person blocked."""
    return set(Block.objects.filter(blocker=user).values_list("blocked_id", flat=True))


def blocked_between(*, user: User, others: list[int]) -> set[int]:
    """Of `others`, those this person blocked or who blocked them."""
    if not others:
        return set()
    mine = Block.objects.filter(blocker=user, blocked_id__in=others).values_list("blocked_id", flat=True)
    theirs = Block.objects.filter(blocked=user, blocker_id__in=others).values_list("blocker_id", flat=True)
    return set(mine) | set(theirs)


def blocked_people(*, user: User) -> QuerySet[User]:
    return User.objects.filter(pk__in=Block.objects.filter(blocker=user).values("blocked_id")).order_by(
        "full_name", "email"
    )


def shares_a_program(*, user: User, other_id: int) -> bool:
    return Membership.objects.filter(user_id=other_id, program__memberships__user=user).exists()


# ---- Reported messages (a program manager's page) -----------------------------------------------


def reported_messages(*, program: Program) -> QuerySet[Message]:
    """The program's messages with reports not dealt with yet, the most recently reported first,
    each with how many reports it has (`report_count`) and the latest (`reported_at`)."""
    open_reports = Q(reports__resolved_at__isnull=True)
    return (
        Message.objects.filter(conversation__program=program)
        .filter(pk__in=MessageReport.objects.filter(resolved_at__isnull=True).values("message_id"))
        .select_related("author", "conversation__session")
        .annotate(
            report_count=Count("reports", filter=open_reports),
            reported_at=Coalesce(
                Subquery(
                    MessageReport.objects.filter(message=OuterRef("pk"), resolved_at__isnull=True)
                    .order_by("-created_at")
                    .values("created_at")[:1]
                ),
                F("created_at"),
            ),
        )
        .order_by("-reported_at", "-id")
    )


def reports_of(*, messages: list[Message]) -> dict[int, list[MessageReport]]:
    """The open reports of a page of reported messages, with their reporters (one query)."""
    found: dict[int, list[MessageReport]] = {message.pk: [] for message in messages}
    rows = MessageReport.objects.filter(message_id__in=list(found), resolved_at__isnull=True).select_related(
        "reporter"
    )
    for report in rows.order_by("created_at", "id"):
        found[report.message_id].append(report)
    return found


def conversations_open_to(*, user: User, conversations: list[Conversation]) -> set[int]:
    """Of the program's conversations on a manager's page, those the manager may open: every
    session's conversation, and the direct and group ones they are in (one query at most)."""
    found = {c.pk for c in conversations if c.is_session}
    others = [c.pk for c in conversations if not c.is_session]
    if others:
        found |= set(
            ConversationMember.objects.filter(
                conversation_id__in=others, user=user, left_at__isnull=True
            ).values_list("conversation_id", flat=True)
        )
    return found


# ---- Emails about new messages --------------------------------------------------------------------

# Someone whose page asked for news this recently has the conversation open (it asks every 5 s).
OPEN_WITHIN = timedelta(seconds=15)
# An email shows at most this many of the messages it tells of (the newest).
EMAIL_MESSAGES = 5


@dataclass
class Unread:
    reader: User
    messages: list[Message]  # the newest EMAIL_MESSAGES, oldest first
    count: int  # how many there are in all
    manages: bool  # the reader manages the program (names people as managers see them)


def unread_to_email(
    *, conversation: Conversation, since: datetime, until: datetime, now: datetime
) -> list[Unread]:
    """Who to email about the messages posted in [since, until), and which: each reader (see
    `readers`) who has not muted the conversation and does not have it open, with the messages
    they have not read, posted by others, not removed, and not by someone they blocked."""
    messages = list(
        conversation.messages.filter(created_at__gte=since, created_at__lt=until, removed_at__isnull=True)
        .select_related("author", "session__program")
        .order_by("id")
    )
    if not messages:
        return []
    people = list(readers(conversation=conversation))
    rows = {
        row.user_id: row
        for row in ConversationMember.objects.filter(
            conversation=conversation, user__in=[p.pk for p in people]
        )
    }
    blocked: dict[int, set[int]] = {}
    for blocker, other in Block.objects.filter(
        blocker__in=[p.pk for p in people], blocked__in={m.author_id for m in messages}
    ).values_list("blocker_id", "blocked_id"):
        blocked.setdefault(blocker, set()).add(other)
    managers = set(
        Membership.objects.filter(
            program_id=conversation.program_id, role=Membership.Role.MANAGER
        ).values_list("user_id", flat=True)
    )
    found = []
    for person in people:
        row = rows.get(person.pk)
        if row is not None and (row.muted or (row.last_seen_at and row.last_seen_at > now - OPEN_WITHIN)):
            continue
        read_up_to = row.last_read_id if row is not None else 0
        theirs = [
            m
            for m in messages
            if m.pk > read_up_to
            and m.author_id != person.pk
            and m.author_id not in blocked.get(person.pk, ())
        ]
        if theirs:
            found.append(
                Unread(
                    reader=person,
                    messages=theirs[-EMAIL_MESSAGES:],
                    count=len(theirs),
                    manages=person.pk in managers,
                )
            )
    return found
