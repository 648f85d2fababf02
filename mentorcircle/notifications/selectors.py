from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant
from mentorcircle.notifications.models import FailedDelivery, Notice, Preferences

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
