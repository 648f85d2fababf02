from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse


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
    title = models.CharField(max_length=200)
    description = models.TextField()
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
    # Bumped whenever what a participant's calendar holds changes (time, duration, title).
    version = models.PositiveIntegerField(default=1)
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
    def spots_left(self) -> int:
        """Needs the `seats_taken` annotation (selectors.with_counts)."""
        return max(self.max_participants - getattr(self, "seats_taken", 0), 0)

    @property
    def more_needed(self) -> int:
        """How many more seated participants the minimum asks for."""
        return max(self.min_participants - getattr(self, "seats_taken", 0), 0)

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="participant_unique_per_session"),
        ]
        indexes = [models.Index(fields=["session", "status"], name="participant_session_status")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_status_display()} – {self.session}"

    @property
    def has_seat(self) -> bool:
        return self.status in self.SEATED

    @property
    def event(self) -> str:
        """Names the row's latest change; a task for an older change knows it is stale."""
        return self.updated_at.strftime("%Y%m%dT%H%M%S%f")
