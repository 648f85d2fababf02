from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from mentorcircle.core.validators import single_line


class VideoService(models.TextChoices):
    JITSI = "jitsi", "Jitsi Meet"
    BBB = "bbb", "BigBlueButton"


class Program(models.Model):
    """A mentoring program and its settings."""

    name = models.CharField(max_length=150, validators=[single_line])
    slug = models.SlugField(max_length=80, unique=True)
    allow_group_sessions = models.BooleanField(
        "Allow Group Sessions",
        default=False,
        help_text="Lets both program managers and mentors create group sessions.",
    )
    default_min_participants = models.PositiveSmallIntegerField(
        "Minimum participants",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Used when a session's creator leaves the field blank.",
    )
    default_max_participants = models.PositiveSmallIntegerField(
        "Maximum participants",
        default=40,
        validators=[MinValueValidator(2), MaxValueValidator(1000)],
        help_text="Used when a session's creator leaves the field blank. The host counts as 1.",
    )
    decision_hours_before = models.PositiveSmallIntegerField(
        "Decide whether a session is held",
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text="Hours before start. A session below its minimum then is cancelled.",
    )
    join_minutes_before = models.PositiveSmallIntegerField(
        "Participants may join the call",
        default=10,
        validators=[MaxValueValidator(120)],
        help_text="Minutes before start.",
    )
    time_zone = models.CharField(
        "Time zone",
        max_length=64,
        default="UTC",
        help_text="Times are shown in this zone to members who have never signed in.",
    )
    # Video calls. Secrets are kept server side and never shown back in full.
    video_service = models.CharField(
        "Video service", max_length=10, choices=VideoService.choices, default=VideoService.JITSI
    )
    jitsi_url = models.URLField(
        "Jitsi Meet server",
        max_length=200,
        blank=True,
        help_text="Leave blank for the server this MentorCircle uses by default.",
    )
    jitsi_app_id = models.CharField(
        "Jitsi app ID",
        max_length=100,
        blank=True,
        validators=[single_line],
        help_text="For a self-hosted server with token authentication.",
    )
    jitsi_app_secret = models.CharField("Jitsi app secret", max_length=200, blank=True)
    bbb_url = models.URLField(
        "BigBlueButton API address",
        max_length=200,
        blank=True,
        help_text="For example https://bbb.example.org/bigbluebutton/api",
    )
    bbb_secret = models.CharField("BigBlueButton shared secret", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groupsessions:program", args=[self.slug])


class Cohort(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=100, validators=[single_line])

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="cohort_unique_name_per_program")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50, validators=[single_line])

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="tag_unique_name_per_program")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person in a program, with one role there."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Program manager"
        MENTOR = "mentor", "Mentor"
        MENTEE = "mentee", "Mentee"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    cohorts = models.ManyToManyField(Cohort, blank=True, related_name="memberships")
    tags = models.ManyToManyField(Tag, blank=True, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("user__full_name", "user__email")
        constraints = [
            models.UniqueConstraint(fields=["program", "user"], name="membership_unique_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.program})"

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER


class ProgramInvitation(models.Model):
    """A pending invitation for an address that already has an account: the person becomes a
    member only when they accept. Until then the manager sees just what they typed."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()  # lower-cased
    name_given = models.CharField(max_length=150, validators=[single_line])
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    cohorts = models.ManyToManyField(Cohort, blank=True, related_name="invitations")
    tags = models.ManyToManyField(Tag, blank=True, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name_given", "email")
        constraints = [
            models.UniqueConstraint(fields=["program", "email"], name="invitation_unique_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.program})"


class MemberChange(models.Model):
    """One change to a person's place in a program (who changed what, when), written by the
    service that made it, in the same transaction. Rows outlive the membership: a removed
    person's history is still there if they are added again."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        ROLE = "role", "Role"
        COHORTS = "cohorts", "Cohorts"
        TAGS = "tags", "Tags"
        REMOVED = "removed", "Removed"
        LEFT = "left", "Left"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="member_changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    description = models.CharField(max_length=500, validators=[single_line])
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["program", "user", "-at"], name="member_change_history")]

    def __str__(self) -> str:
        return f"{self.description} ({self.program})"
