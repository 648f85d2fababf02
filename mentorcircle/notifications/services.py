from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.notifications.models import (
    HostUpdate,
    Notice,
    Preferences,
    new_calendar_token,
    preferences_for,
)


def preferences_update(
    *,
    preferences: Preferences,
    registration_emails: str | None = None,
    missed_session_emails: bool | None = None,
    message_emails: bool | None = None,
) -> Preferences:
    """Change the preferences given; one left out (None) keeps its stored value."""
    given = {
        "registration_emails": registration_emails,
        "missed_session_emails": missed_session_emails,
        "message_emails": message_emails,
    }
    changed = {name: value for name, value in given.items() if value is not None}
    for name, value in changed.items():
        setattr(preferences, name, value)
    if changed:
        preferences.save(update_fields=list(changed))
    return preferences


def calendar_token_reset(*, preferences: Preferences) -> Preferences:
    """A new secret feed address; the old one stops working at once."""
    preferences.calendar_token = new_calendar_token()
    preferences.save(update_fields=["calendar_token"])
    return preferences


def notices_mark_read(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# ---- What the host hears of in their hourly digest ----------------------------------------------

DIGEST_WINDOW = timedelta(hours=1)


# At most one email per conversation per person in each window of this length (tasks.message_emails).
MESSAGE_EMAIL_WINDOW = timedelta(minutes=15)


def message_window_end(moment: datetime) -> datetime:
    """The end of the 15-minute window (UTC) that `moment` falls in."""
    moment = moment.astimezone(UTC)
    start = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return start + MESSAGE_EMAIL_WINDOW


def digest_window_end(moment: datetime) -> datetime:
    """The end of the hour window (UTC) that `moment` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + DIGEST_WINDOW


def _lock_host_updates(host_id: int) -> None:
    """Recording an update and a digest's claim take turns per host (the host's preferences row
    is the lock): an update is either taken by the digest of its window or written after that
    claim, at a time that puts it in the next window."""
    list(Preferences.objects.select_for_update().filter(user_id=host_id).values_list("pk", flat=True))


@dataclass(frozen=True)
class HostUpdateRecorded:
    first: bool  # the session's first registration: the host is emailed about it at once
    digest_due: datetime | None  # the end of the window whose digest is to be queued, if any


def host_update_record(*, participant: Participant, kind: str, version: str) -> HostUpdateRecorded:
    """Note for the host that `participant` registered, left or was promoted (once per event),
    and, when a registration took the last seat, that the session filled up (once per fill: again
    only after someone left). Says whether this is the session's first registration (told at
    once, with the filling up it may bring) and which digest to queue: the first update of an
    hour window queues its digest."""
    session = participant.session
    preferences_for(session.host)  # the row to lock
    with transaction.atomic():
        _lock_host_updates(session.host_id)
        now = timezone.now()
        of_session = HostUpdate.objects.filter(session=session)
        first = kind == HostUpdate.Kind.REGISTERED and not of_session.filter(kind=kind).exists()
        update, _ = HostUpdate.objects.get_or_create(
            key=f"{kind}:{participant.pk}:{version}",
            defaults={
                "session": session,
                "kind": kind,
                "participant": participant,
                "created_at": now,
                "told_at_once": first,
            },
        )
        if kind == HostUpdate.Kind.REGISTERED and session.state_at(now).spots_left == 0:
            _filled_record(session, key=f"filled:{participant.pk}:{version}", now=now, told_at_once=first)
        window_end = digest_window_end(update.created_at)
        pending = of_session.filter(told_at_once=False, digest_window__isnull=True)
        earlier = pending.filter(created_at__gte=window_end - DIGEST_WINDOW).filter(
            Q(created_at__lt=update.created_at) | Q(created_at=update.created_at, pk__lt=update.pk)
        )
        due = not update.told_at_once and update.digest_window is None and not earlier.exists()
    return HostUpdateRecorded(first=update.told_at_once, digest_due=window_end if due else None)


def _filled_record(session: GroupSession, *, key: str, now: datetime, told_at_once: bool) -> None:
    """Record a fill unless the host heard of this one already (no one left since the last)."""
    of_session = HostUpdate.objects.filter(session=session).order_by("-pk")
    last_filled = of_session.filter(kind=HostUpdate.Kind.FILLED).values_list("pk", flat=True).first()
    last_left = of_session.filter(kind=HostUpdate.Kind.LEFT).values_list("pk", flat=True).first()
    if last_filled is not None and (last_left is None or last_left < last_filled):
        return
    HostUpdate.objects.get_or_create(
        key=key,
        defaults={
            "session": session,
            "kind": HostUpdate.Kind.FILLED,
            "created_at": now,
            "told_at_once": told_at_once,
        },
    )


def host_updates_claim(*, session: GroupSession, window_end: datetime) -> int:
    """The digest of the window ending at `window_end` takes every update not told yet from
    before that end (later ones belong to the next window's digest). Returns how many it took
    now; a rerun takes none and finds those of its first run by their `digest_window`."""
    with transaction.atomic():
        _lock_host_updates(session.host_id)
        return HostUpdate.objects.filter(
            session=session, told_at_once=False, digest_window__isnull=True, created_at__lt=window_end
        ).update(digest_window=window_end)
