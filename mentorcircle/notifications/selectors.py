from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import rules
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant
from mentorcircle.groupsessions.selectors import FUTURE, when
from mentorcircle.notifications.models import FailedDelivery, HostUpdate, Notice, Preferences
from mentorcircle.programs.models import Membership

FEED_HISTORY = timedelta(days=60)


def preferences_by_token(*, token: str) -> Preferences:
    preferences = Preferences.objects.select_related("user").filter(calendar_token=token).first()
    if preferences is None or not token:
        raise Http404("No such calendar.")
    return preferences


def feed_sessions(*, user: User, now: datetime | None = None) -> QuerySet[GroupSession]:
    """Sessions the person hosts or holds a seat in, recent and upcoming (cancelled ones too,
    so subscribed calendars drop them)."""
    now = now or timezone.now()
    mine = Participant.objects.filter(user=user, status__in=Participant.SEATED)
    return (
        GroupSession.objects.filter(pk__in=mine.values("session_id"), ends_at__gte=now - FEED_HISTORY)
        .select_related("host")
        .annotate(my_join_token=Subquery(mine.filter(session=OuterRef("pk")).values("join_token")[:1]))
        .order_by("starts_at")
    )


def hosts_sessions(*, user: User, now: datetime | None = None) -> bool:
    """Whether the host's emails concern this person: they may create sessions in one of their
    programs, or still host one that is not over."""
    memberships = Membership.objects.filter(user=user).select_related("program")
    if any(rules.can_create_sessions(membership=membership) for membership in memberships):
        return True
    return when(GroupSession.objects.filter(host=user), tab=FUTURE, now=now or timezone.now()).exists()


def unread_notices(*, user: User, limit: int = 10) -> list[Notice]:
    rated = Feedback.objects.filter(participant__session=OuterRef("session_id"), participant__user=user)
    notices = (
        Notice.objects.filter(user=user, read_at__isnull=True)
        .exclude(session__status=GroupSession.Status.CANCELLED)
        .exclude(Q(kind="feedback") & Q(Exists(rated)))  # answered already
    )
    return list(notices.select_related("session")[:limit])


def failed_emails() -> QuerySet[FailedDelivery]:
    """Emails that could not be sent, not even on a later attempt; the latest failure first."""
    return FailedDelivery.objects.filter(sent_at__isnull=True).select_related("user", "session")


# How many names of each kind a digest lists ("… and 30 more").
DIGEST_NAMES = 20


@dataclass(frozen=True)
class HostDigest:
    """What the digest of one hour window tells the host: how many registered, left or were
    promoted, the first DIGEST_NAMES of each, and when the session filled up."""

    counts: dict[str, int]
    people: dict[str, list[User]]
    filled_at: list[datetime]


def host_digest(*, session: GroupSession, window_end: datetime) -> HostDigest:
    """The updates the digest of the window ending at `window_end` claimed, in a fixed number
    of queries however many there are."""
    updates = HostUpdate.objects.filter(session=session, digest_window=window_end)
    counts = dict(updates.order_by().values_list("kind").annotate(Count("pk")))
    people: dict[str, list[User]] = {
        str(kind): [
            update.participant.user
            for update in updates.filter(kind=kind).select_related("participant__user")[:DIGEST_NAMES]
            if update.participant is not None
        ]
        for kind in (HostUpdate.Kind.REGISTERED, HostUpdate.Kind.LEFT, HostUpdate.Kind.PROMOTED)
        if counts.get(kind)
    }
    filled = updates.filter(kind=HostUpdate.Kind.FILLED).values_list("created_at", flat=True)
    filled_at = list(filled[:DIGEST_NAMES]) if counts.get(HostUpdate.Kind.FILLED) else []
    return HostDigest(counts=counts, people=people, filled_at=filled_at)
