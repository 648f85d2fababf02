import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.urls import reverse

from mentorcircle.core.validators import single_line
from mentorcircle.groupsessions.video import new_room_name

# How long after the end attendees are asked how it went.
FOLLOW_UP_DELAY = timedelta(minutes=10)


class Phase(StrEnum):
    """Where a session is in its life at a given moment (see GroupSession.phase)."""

    UPCOMING = "upcoming"  # before the call opens
    JOINABLE = "joinable"  # the call is open, the session has not started yet
    LIVE = "live"  # between start and end
    ENDED = "ended"  # over (or its call was ended)
    CANCELLED = "cancelled"

    @property
    def accepts_registrations(self) -> bool:
        """People may still take a seat (or a waitlist place): until the session ends."""
        return self in (Phase.UPCOMING, Phase.JOINABLE, Phase.LIVE)

    @property
    def can_leave(self) -> bool:
        """Seats are given back (and the waitlist moves up) only before the start."""
        return self in (Phase.UPCOMING, Phase.JOINABLE)

    @property
    def can_invite(self) -> bool:
        return self in (Phase.UPCOMING, Phase.JOINABLE)

    @property
    def can_change(self) -> bool:
        """The host and managers may still edit or cancel the session."""
        return self in (Phase.UPCOMING, Phase.JOINABLE, Phase.LIVE)

    @property
    def call_open(self) -> bool:
        return self in (Phase.JOINABLE, Phase.LIVE)

    @property
    def is_over(self) -> bool:
        return self == Phase.ENDED

    @property
    def is_cancelled(self) -> bool:
        return self == Phase.CANCELLED


@dataclass(frozen=True)
class SessionState:
    """What a session is at one moment, and the figures derived from its seat count.

    Every service, selector, email and template asks this (or GroupSession.phase) instead of
    comparing times itself.
    """

    phase: Phase
    seats_taken: int
    spots_left: int
    more_needed: int
    join_opens_at: datetime
    confirmed: bool

    @property
    def awaits_quorum(self) -> bool:
        """Not decided yet and still short of the minimum: the page says "N more needed"."""
        return self.phase.accepts_registrations and not self.confirmed and self.more_needed > 0


def new_join_token() -> str:
    return secrets.token_urlsafe(24)


class GroupSession(models.Model):
    """One group session (a mentor's "masterclass"). Times are UTC instants."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="group_sessions")
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_sessions"
    )
    title = models.CharField(max_length=200, validators=[single_line])
    description = models.TextField(max_length=10_000)
    # The description's Markdown rendered (and sanitised) when it is saved, not on every view.
    description_html = models.TextField(blank=True, editable=False)
    starts_at = models.DateTimeField()
    duration = models.DurationField()
    # Derived from starts_at + duration (kept by the services) so lists can filter on it.
    ends_at = models.DateTimeField(editable=False)
    min_participants = models.PositiveSmallIntegerField(default=1)
    max_participants = models.PositiveSmallIntegerField(default=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # When the platform decides whether the session is held (see services.session_decide).
    decide_at = models.DateTimeField()
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Who cancelled: the host or a program manager (session_cancel); empty when the platform
    # cancelled it for want of participants (session_decide).
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The video call: the host's own link when given, else a room on the program's video service.
    meeting_url = models.URLField("Meeting link", max_length=500, blank=True)
    room_name = models.CharField(max_length=64, default=new_room_name, editable=False)
    # Set when the video service reports that the call was ended: the session is over then.
    call_ended_at = models.DateTimeField(null=True, blank=True)
    # After the session: the recording and a short note, shared with the participants.
    recording_url = models.URLField("Recording link", max_length=500, blank=True)
    resources_note = models.TextField("Notes and resources", max_length=2000, blank=True)
    resources_shared_at = models.DateTimeField(null=True, blank=True)
    # Bumped whenever what a participant's calendar holds changes (time, duration, title).
    version = models.PositiveIntegerField(default=1)
    # The one-time token of the create form that made the session: the same form sent again
    # (Back and send, a double click) finds this session instead of making another.
    create_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("starts_at", "id")
        indexes = [
            models.Index(fields=["program", "starts_at"], name="session_program_start"),
            models.Index(fields=["host", "starts_at"], name="session_host_start"),
            models.Index(fields=["status", "decide_at"], name="session_status_decide"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_participants__gte=1)
                & models.Q(max_participants__gte=2)
                & models.Q(min_participants__lte=models.F("max_participants")),
                name="session_participant_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("groupsessions:detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def join_opens_at(self) -> datetime:
        """When participants may open the call (the program's "Participants may join the call")."""
        return self.starts_at - timedelta(minutes=self.program.join_minutes_before)

    def phase(self, now: datetime) -> Phase:
        if self.status == self.Status.CANCELLED:
            return Phase.CANCELLED
        if now >= self.ends_at or self.call_ended_at is not None:
            return Phase.ENDED
        if now >= self.starts_at:
            return Phase.LIVE
        if now >= self.join_opens_at:
            return Phase.JOINABLE
        return Phase.UPCOMING

    def state_at(self, now: datetime, *, seats_taken: int | None = None) -> SessionState:
        """The session at `now`. Seats come from `seats_taken` (or the `seats_taken` annotation
        of selectors.with_counts); failing both, they are counted."""
        if seats_taken is None:
            seats_taken = getattr(self, "seats_taken", None)
        if seats_taken is None:
            seats_taken = self.participants.filter(status__in=Participant.SEATED).count()
        return SessionState(
            phase=self.phase(now),
            seats_taken=seats_taken,
            spots_left=max(self.max_participants - seats_taken, 0),
            more_needed=max(self.min_participants - seats_taken, 0),
            join_opens_at=self.join_opens_at,
            confirmed=self.status == self.Status.CONFIRMED,
        )

    @property
    def duration_label(self) -> str:
        minutes = int(self.duration / timedelta(minutes=1))
        hours, minutes = divmod(minutes, 60)
        parts = []
        if hours:
            parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
        if minutes:
            parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        return " ".join(parts)


class Participant(models.Model):
    """One row per person per session. Every per-person action touches this row only."""

    class Status(models.TextChoices):
        HOST = "host", "Host"
        REGISTERED = "registered", "Registered"
        WAITLISTED = "waitlisted", "Waitlisted"
        INVITED = "invited", "Invited"
        DECLINED = "declined", "Declined"
        LEFT = "left", "Left"

    # Statuses that hold a seat (the host counts as 1 toward minimum and maximum).
    SEATED = (Status.HOST, Status.REGISTERED)
    # The waitlist's order: first come, first served; the row id breaks ties.
    WAITLIST_ORDER = ("waitlisted_at", "id")

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Waitlist order: first in line is the earliest waitlisted_at.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    # When a seat freed up and this person moved up from the waitlist (kept after that, for reports).
    promoted_at = models.DateTimeField(null=True, blank=True)
    # The secret of this person's stable join link (/join/<token>/); it opens the call only
    # while the row holds a seat.
    join_token = models.CharField(max_length=64, unique=True, default=new_join_token, editable=False)
    # Attendance: the first time the join link let them in, whether they attended (the host
    # and managers may correct it after the end), and minutes present where the call reports it.
    joined_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(default=False)
    minutes_present = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="participant_unique_per_session"),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="participant_session_status"),
            # Reports: who has ever had a place in a program's sessions, read from the index alone;
            # and the places attended, a small part of all places.
            models.Index(fields=["user", "status", "session"], name="participant_user_places"),
            models.Index(
                fields=["session", "user"],
                condition=models.Q(status="registered", attended=True),
                name="participant_attended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_status_display()} – {self.session}"

    def join_path(self) -> str:
        """This person's stable join link (it lets them in only while they hold a seat)."""
        return reverse("groupsessions:join_call", args=[self.join_token])

    @property
    def has_seat(self) -> bool:
        return self.status in self.SEATED

    @property
    def version(self) -> str:
        """Names the row's latest change; a task for an older change knows it is stale."""
        return self.updated_at.strftime("%Y%m%dT%H%M%S%f")


class AttendanceChange(models.Model):
    """One correction of the attendance list after a session: who changed whom, and when."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendance_changes")
    attended = models.BooleanField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ("changed_at", "id")

    def __str__(self) -> str:
        return f"{self.participant} attended={self.attended}"


class Feedback(models.Model):
    """One participant's rating of a session they attended (editable for a while after)."""

    RATINGS = (1, 2, 3, 4, 5)
    EDITABLE_FOR = timedelta(days=14)

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1) & models.Q(rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 from {self.participant}"
