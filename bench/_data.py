"""The benchmark's programs, made with bulk inserts (no services run: no task is queued, no email
sent). Needs Django set up (bench/_setup.py)."""

import random
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from _setup import BUSY_SESSIONS, PHASES, Size
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils.crypto import get_random_string

from mentorcircle.accounts.models import User
from mentorcircle.conversations.models import Conversation, ConversationMember, Message
from mentorcircle.core.markdown import render_markdown
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.programs.models import Cohort, Membership, Program, Tag

Status = Participant.Status
# Nobody signs in with a password: load clients get sessions made by `sign_in`.
UNUSABLE_PASSWORD = make_password(None)
BATCH = 5000
# A session page's people, the same at every size so that large/small compares the program's
# size and nothing else: the host, this many registered (a full session), waitlisted, invited.
PHASE_SHAPE = (24, 5, 3)
FIRST = ["Ada", "Bo", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jun", "Kofi", "Lena"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Novak", "Haddad", "Kowalski", "Reyes"]
ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Africa/Lagos", "Australia/Sydney", "UTC"]
DESCRIPTION = (
    "A group session about **mentoring in practice**: how to prepare, what to ask, and how to "
    "follow up.\n\n- bring one question\n- expect to talk\n\nSee [the guide](https://example.org/guide)."
)


@dataclass
class Built:
    program: Program
    manager: User
    viewer: User  # a mentee with seats in many sessions, who views the member pages
    host: User  # a mentor who hosts the phase sessions
    mentees: list[User]  # besides the viewer: people for the sessions made later
    phase: dict[str, GroupSession] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # A member with a place in BUSY_SESSIONS of the other sessions (all of them in a small
    # program), who views the member pages too; and a title their Personal > Sessions shows.
    busy: User | None = None
    busy_title: str = ""
    conversation: Conversation | None = None  # the live session's, with many messages


def _bulk(model: type, rows: Sequence[object]) -> list:  # type: ignore[type-arg]
    created: list[Any] = model.objects.bulk_create(rows, batch_size=BATCH)  # type: ignore[attr-defined]
    return created


def _session(
    program: Program,
    host: User,
    title: str,
    starts_at: datetime,
    *,
    now: datetime,
    html: str,
    max_participants: int = 40,
    hours: float = 1,
    cancelled: bool = False,
) -> GroupSession:
    duration = timedelta(hours=hours)
    decide_at = starts_at - timedelta(hours=program.decision_hours_before)
    if cancelled:
        status = GroupSession.Status.CANCELLED
    elif decide_at <= now:
        status = GroupSession.Status.CONFIRMED
    else:
        status = GroupSession.Status.SCHEDULED
    return GroupSession(
        program=program,
        host=host,
        title=title,
        description=DESCRIPTION,
        description_html=html,
        starts_at=starts_at,
        duration=duration,
        ends_at=starts_at + duration,
        min_participants=1,
        max_participants=max_participants,
        status=status,
        decide_at=decide_at,
        cancel_reason="The host is ill" if cancelled else "",
        cancelled_at=now if cancelled else None,
    )


def _rows(
    session: GroupSession, users: Iterable[User], status: str, *, now: datetime, attended: bool = False
) -> list[Participant]:
    return [
        Participant(
            session=session,
            user=user,
            status=status,
            waitlisted_at=now if status == Status.WAITLISTED else None,
            attended=attended,
            joined_at=session.starts_at if attended else None,
        )
        for user in users
    ]


def build_program(slug: str, name: str, size: Size, *, now: datetime, seed: int = 1) -> Built:
    """A program with `size` members (a few managers and mentors, the rest mentees), cohorts and
    tags, the five phase sessions and `size.sessions - 5` others spread over a year (a quarter of
    them past, one in twenty cancelled) holding `size.participants` rows."""
    rng = random.Random(seed)
    program = Program.objects.create(
        name=name,
        slug=slug,
        allow_group_sessions=True,
        join_minutes_before=120,  # the joinable phase lasts through the whole run
    )
    users = _bulk(
        User,
        [
            User(
                email=f"m{n}@{slug}.bench.test",
                full_name="" if n % 20 == 7 else f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
                time_zone=ZONES[n % len(ZONES)],
                password=UNUSABLE_PASSWORD,
            )
            for n in range(size.members)
        ],
    )
    managers = max(1, size.members // 10_000)
    mentors = max(2, size.members // 100)
    roles = [Membership.Role.MANAGER] * managers + [Membership.Role.MENTOR] * mentors
    memberships = _bulk(
        Membership,
        [
            Membership(
                program=program, user=user, role=roles[n] if n < len(roles) else Membership.Role.MENTEE
            )
            for n, user in enumerate(users)
        ],
    )
    cohorts = _bulk(Cohort, [Cohort(program=program, name=f"Cohort {n + 1}") for n in range(size.cohorts)])
    tags = _bulk(Tag, [Tag(program=program, name=f"Tag {n + 1}") for n in range(size.tags)])
    if cohorts:
        _bulk(
            Membership.cohorts.through,
            [
                Membership.cohorts.through(membership=m, cohort=cohorts[n % len(cohorts)])
                for n, m in enumerate(memberships)
            ],
        )
    if tags:
        _bulk(
            Membership.tags.through,
            [
                Membership.tags.through(membership=m, tag=tags[(n + k) % len(tags)])
                for n, m in enumerate(memberships)
                for k in range(n % 3)  # none, one or two tags each
            ],
        )
    manager, host = users[0], users[managers]
    mentor_users = users[managers : managers + mentors]
    viewer, mentees = users[managers + mentors], users[managers + mentors + 1 :]
    html = render_markdown(DESCRIPTION)
    built = Built(program=program, manager=manager, viewer=viewer, host=host, mentees=mentees)
    # The busy member: one member more, outside the random draws, so that the rest of the
    # program is the same with them as without them.
    busy = User.objects.create(
        email=f"busy@{slug}.bench.test",
        full_name="Busy Member",
        time_zone=ZONES[0],
        password=UNUSABLE_PASSWORD,
    )
    Membership.objects.create(program=program, user=busy, role=Membership.Role.MENTEE)
    built.busy = busy

    # The five phase sessions: the viewer holds a seat in each.
    starts = {
        "upcoming": now + timedelta(days=3),
        "joinable": now + timedelta(minutes=100),
        "live": now - timedelta(minutes=30),
        "ended": now - timedelta(days=2),
        "cancelled": now + timedelta(days=2),
    }
    for phase in PHASES:
        built.phase[phase] = _session(
            program,
            host,
            f"Phase {phase} session",
            starts[phase],
            now=now,
            html=html,
            max_participants=PHASE_SHAPE[0] + 1,  # full: the host and the registered
            hours=12 if phase == "live" else 1,
            cancelled=phase == "cancelled",
        )
    _bulk(GroupSession, list(built.phase.values()))
    rows: list[Participant] = []
    for phase, session in built.phase.items():
        registered, waitlisted, invited = PHASE_SHAPE
        people = rng.sample(mentees, registered - 1 + waitlisted + invited)
        came = phase == "ended"
        rows += _rows(session, [host], Status.HOST, now=now, attended=came)
        rows += _rows(session, [viewer, *people[: registered - 1]], Status.REGISTERED, now=now, attended=came)
        rows += _rows(
            session, people[registered - 1 : registered - 1 + waitlisted], Status.WAITLISTED, now=now
        )
        rows += _rows(session, people[registered - 1 + waitlisted :], Status.INVITED, now=now)

    # The other sessions, a quarter in the past, and their people.
    others = size.sessions - len(PHASES)
    sessions = _bulk(
        GroupSession,
        [
            _session(
                program,
                mentor_users[n % len(mentor_users)],
                f"Session {n + 1}",
                (now + timedelta(days=-90 + 360 * n / max(others, 1), hours=rng.randint(0, 23))).replace(
                    minute=0, second=0, microsecond=0
                ),
                now=now,
                html=html,
                cancelled=n % 20 == 13,
            )
            for n in range(others)
        ],
    )
    viewer_every = 1 if others < 50 else 10
    # Rows per session: between half and one and a half times the mean, adding up exactly.
    target = max(0, size.participants - others)  # everyone but the hosts
    weights = [rng.uniform(0.5, 1.5) for _ in range(others)]
    counts = [int(w * target / sum(weights)) for w in weights]
    for n in rng.sample(range(others), target - sum(counts)):
        counts[n] += 1
    busy_upcoming: list[GroupSession] = []
    for n, session in enumerate(sessions):
        mine = n % viewer_every == 0 and counts[n] > 0
        people = ([viewer] if mine else []) + rng.sample(mentees, min(len(mentees), counts[n] - mine))
        past = session.ends_at <= now
        rows += _rows(session, [session.host], Status.HOST, now=now)
        seats = session.max_participants - 1
        for k, person in enumerate(people):
            if k % 13 == 5:  # a few who were invited, declined or left
                status = (Status.INVITED, Status.DECLINED, Status.LEFT)[k % 3]
            elif seats > 0:
                status, seats = Status.REGISTERED, seats - 1
            else:
                status = Status.WAITLISTED
            came = past and status == Status.REGISTERED and rng.random() < 0.7
            rows += _rows(session, [person], status, now=now, attended=came)
        if n * BUSY_SESSIONS // others != (n + 1) * BUSY_SESSIONS // others:  # BUSY_SESSIONS, evenly
            status = Status.REGISTERED if seats > 0 else Status.WAITLISTED
            rows += _rows(session, [busy], status, now=now, attended=past and status == Status.REGISTERED)
            if not past and session.cancelled_at is None:
                busy_upcoming.append(session)
    _bulk(Participant, rows)
    built.busy_title = min(busy_upcoming, key=lambda session: session.starts_at).title
    conversations, messages = _conversations(built, [*built.phase.values(), *sessions], rng, now=now)
    built.counts = {
        "members": len(users) + 1,  # the busy member
        "cohorts": len(cohorts),
        "tags": len(tags),
        "sessions": len(sessions) + len(built.phase),
        "participants": len(rows),
        "conversations": conversations,
        "messages": messages,
    }
    return built


def _conversations(
    built: Built, sessions: list[GroupSession], rng: random.Random, *, now: datetime
) -> tuple[int, int]:
    """Every session's conversation with a message from its host; the live session's with many
    messages (5 in a small program, 500 in a large one), one announcement among them; and the
    viewer's direct conversations (5, or 200), each with an unread message."""
    many = min(500, max(5, len(sessions) // 10))
    direct = min(200, max(5, len(built.mentees) // 250))
    chats = _bulk(
        Conversation,
        [
            Conversation(program=built.program, kind="session", session=session, created_at=now)
            for session in sessions
        ]
        + [
            Conversation(
                program=built.program,
                kind="direct",
                direct_key=":".join(str(pk) for pk in sorted((built.viewer.pk, person.pk))),
                created_at=now,
            )
            for person in built.mentees[:direct]
        ],
    )
    session_chats, direct_chats = chats[: len(sessions)], chats[len(sessions) :]
    built.conversation = session_chats[sessions.index(built.phase["live"])]
    earlier = now - timedelta(hours=2)  # outside the message rate limit's minute
    rows = [
        Message(
            conversation=chat,
            author_id=session.host_id,
            body="Welcome!",
            body_html="Welcome!",
            created_at=earlier,
        )
        for chat, session in zip(session_chats, sessions, strict=True)
    ]
    talkers = [built.host, built.viewer, *rng.sample(built.mentees, 3)]
    for n in range(many - 1):
        text = f"Message {n + 1}: see https://example.org/slides/{n}"
        rows.append(
            Message(
                conversation=built.conversation,
                author=talkers[n % len(talkers)],
                kind="announcement" if n == many // 2 else "message",
                body=text,
                body_html=text,
                created_at=earlier + timedelta(seconds=n),
            )
        )
    rows += [
        Message(conversation=chat, author=person, body="Hello!", body_html="Hello!", created_at=earlier)
        for chat, person in zip(direct_chats, built.mentees, strict=False)
    ]
    _bulk(
        ConversationMember,
        [
            ConversationMember(conversation=chat, user=user, joined_at=now)
            for chat, person in zip(direct_chats, built.mentees, strict=False)
            for user in (built.viewer, person)
        ],
    )
    messages = _bulk(Message, rows)
    newest: dict[int, Message] = {}
    for message in messages:
        newest[message.conversation_id] = message
    for chat in chats:
        chat.last_message_id, chat.last_message_at = newest[chat.pk].pk, newest[chat.pk].created_at
    Conversation.objects.bulk_update(chats, ["last_message_id", "last_message_at"], batch_size=BATCH)
    return len(chats), len(messages)


def make_session(
    built: Built,
    title: str,
    starts_at: datetime,
    *,
    now: datetime,
    max_participants: int,
    host: User | None = None,
    registered: Sequence[User] = (),
    waitlisted: Sequence[User] = (),
    invited: Sequence[User] = (),
) -> GroupSession:
    """One more session in a built program, with its people (for the join storm, the start-time
    burst and the cancel)."""
    host = host or built.host
    session = _session(
        built.program,
        host,
        title,
        starts_at,
        now=now,
        html=render_markdown(DESCRIPTION),
        max_participants=max_participants,
    )
    session.save()
    rows = _rows(session, [host], Status.HOST, now=now)
    rows += _rows(session, registered, Status.REGISTERED, now=now)
    rows += _rows(session, waitlisted, Status.WAITLISTED, now=now)
    rows += _rows(session, invited, Status.INVITED, now=now)
    _bulk(Participant, rows)
    return session


CSRF_SECRET = get_random_string(32, string.ascii_letters + string.digits)


def sign_in(users: Iterable[User], *, now: datetime) -> dict[int, dict[str, str]]:
    """A signed-in session for each user, stored as Django's login would store it (nothing is
    posted to the sign-in form, so no rate limit or lockout sees it). Returns each user's
    cookies, with a CSRF cookie whose secret `CSRF_SECRET` the client sends back in forms."""
    store = SessionStore()
    cookies, rows = {}, []
    for user in users:
        key = get_random_string(32, string.ascii_lowercase + string.digits)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=now + timedelta(days=1))
        )
        cookies[user.pk] = {"sessionid": key, "csrftoken": CSRF_SECRET}
    _bulk(Session, rows)
    return cookies
