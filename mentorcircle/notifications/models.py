import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from mentorcircle.accounts.models import User


class Delivery(models.Model):
    """One email to one person, under a key that makes sending it twice impossible.

    The key names the message (kind, participant, session version or event), so a retried or
    duplicated task finds the row and sends nothing. The row is claimed (committed) before the
    send and marked sent after it, so no transaction is open while the mail server is talked to;
    a claim left unsent by a worker that died is taken over after a while. A task claims all its
    emails' rows at once (`emails.Batch`); `claim` tells it which of them it holds.
    """

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    session = models.ForeignKey(
        "groupsessions.GroupSession", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    # A random token of the run that holds the claim: one INSERT claims many keys, skipping
    # those that exist, and the run then reads back the rows that carry its token.
    claim = models.CharField(max_length=32, blank=True, default="", editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return self.key


class FailedDelivery(models.Model):
    """An email that could not be sent, under the key of the Delivery it stands for.

    Its task fails and is retried with growing pauses (see recovery.py); each failed attempt
    updates the row; a later attempt that gets the email out sets `sent_at`. Operators see the
    rest in the admin and with `manage.py failed_emails`.
    """

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    session = models.ForeignKey(
        "groupsessions.GroupSession", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    error = models.TextField(max_length=2000)
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-last_failed_at", "-id")
        verbose_name = "failed email"
        indexes = [models.Index(fields=["sent_at", "last_failed_at"], name="failed_delivery_unsent")]

    def __str__(self) -> str:
        return self.key


class Notice(models.Model):
    """An in-app notice on the person's Personal dashboard."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    session = models.ForeignKey(
        "groupsessions.GroupSession", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self) -> str:
        return self.text


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Preferences(models.Model):
    """What a person wants to be told, and the secret of their calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )

    class RegistrationEmails(models.TextChoices):
        EACH = "each", "Each one"
        DIGEST = "digest", "Hourly digest"
        NONE = "none", "None"

    # The host of a big session is not flooded: by default the first registration is told at
    # once and the rest (and leaves, promotions, filling up) in one email an hour (HostUpdate).
    registration_emails = models.CharField(
        "Registrations to my sessions",
        max_length=10,
        choices=RegistrationEmails.choices,
        default=RegistrationEmails.DIGEST,
    )
    missed_session_emails = models.BooleanField(
        "Email me the recording when I miss a session I registered for", default=True
    )
    # At most one email per conversation per MESSAGE_EMAIL_WINDOW, about messages not read yet.
    message_emails = models.BooleanField("Email me about new messages", default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


def preferences_for(user: "User") -> Preferences:
    preferences, _ = Preferences.objects.get_or_create(user=user)
    return preferences


class HostUpdate(models.Model):
    """Something the host of a session hears of in their hourly digest: a registration, a
    person who left, a promotion from the waitlist, the session filling up.

    Written by the tasks that run on those events (once per event: `key`); the digest of the
    hour window claims the rows it tells of (`digest_window`, the end of that window), so every
    row is told once. The first registration of a session is emailed at once instead
    (`told_at_once`), and so is the session filling up with it.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", "Registered"
        LEFT = "left", "Left"
        PROMOTED = "promoted", "Promoted from the waitlist"
        FILLED = "filled", "Filled up"

    session = models.ForeignKey("groupsessions.GroupSession", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Who registered, left or was promoted (none for FILLED).
    participant = models.ForeignKey(
        "groupsessions.Participant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    told_at_once = models.BooleanField(default=False)
    digest_window = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["session", "digest_window", "created_at"], name="host_update_pending"),
        ]

    def __str__(self) -> str:
        return self.key
