"""Conversations between members of one program: direct (two people), groups (up to
services.MAX_GROUP people) and one for each group session.

Who is in a session's conversation is not stored here: it is read from the session's seats
(Participant.SEATED: the host and everyone registered) and the program's managers, so leaving the
session, or being promoted from the waitlist, changes it with nothing to keep in step. A
ConversationMember row holds one person's state in a conversation (what they have read, whether
they muted it); in a direct or group conversation it is also their place in it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

MAX_BODY = 5_000
MAX_REASON = 500


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct"
        GROUP = "group", "Group"
        SESSION = "session", "Session"

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="conversations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A session's conversation: one per session.
    session = models.OneToOneField(
        "groupsessions.GroupSession",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation",
    )
    # A direct conversation's two people, "<lower id>:<higher id>": two people have one per program.
    direct_key = models.CharField(max_length=40, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    # The newest message, kept by services.message_post: the inbox's order, and what is unread
    # (a message id above the reader's last_read_id).
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_id = models.PositiveBigIntegerField(default=0)
    # The end of the window whose emails about new messages are waiting to be sent (None: none
    # are): set by the first message of a window, which enqueues the one task for it, and
    # cleared by that task as it starts (services.message_emails_due, message_emails_started).
    email_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-last_message_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="session", session__isnull=False)
                | (~Q(kind="session") & Q(session__isnull=True)),
                name="conversation_session_kind",
            ),
            models.UniqueConstraint(
                fields=["program", "direct_key"],
                condition=Q(kind="direct"),
                name="conversation_direct_once_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["-last_message_at", "-id"], name="conversation_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} conversation {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("conversations:detail", args=[self.pk])

    @property
    def is_session(self) -> bool:
        return self.kind == self.Kind.SESSION

    @property
    def closed_reason(self) -> str | None:
        """Why nobody can post any more, or None while it is open. Only a session's conversation
        closes: when the session is cancelled (its status is the one source), with its reason."""
        if self.session is not None and self.session.is_cancelled:
            return self.session.cancel_reason or "The session was cancelled."
        return None


class ConversationMember(models.Model):
    """One person's state in a conversation (and, outside sessions, their place in it)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_memberships"
    )
    joined_at = models.DateTimeField()
    # Set when the person left a group conversation (they no longer see it).
    left_at = models.DateTimeField(null=True, blank=True)
    # The newest message they have seen (0: none); messages above it are unread.
    last_read_id = models.PositiveBigIntegerField(default=0)
    # When a page or the live updates last showed them the conversation.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    muted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="conversation_member_once"),
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="conversation_member_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.conversation}"


class Message(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        ANNOUNCEMENT = "announcement", "Announcement"
        SHARE = "share", "Shared session"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="messages"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MESSAGE)
    # Plain text as typed; body_html is it escaped with its links made clickable, made once when
    # the message is posted (services.render_body).
    body = models.TextField(max_length=MAX_BODY, blank=True)
    body_html = models.TextField(blank=True, editable=False)
    # The session a share message's card shows.
    session = models.ForeignKey(
        "groupsessions.GroupSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=True) | Q(kind="share"), name="message_session_only_on_share"
            ),
            # One share is one moment (every message of it has the share's time): a share's
            # message is stored once per conversation, however often its task runs.
            models.UniqueConstraint(
                fields=["conversation", "author", "session", "created_at"],
                condition=Q(kind="share"),
                name="message_share_once",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_history"),
            models.Index(fields=["author", "created_at"], name="message_author_recent"),
            models.Index(
                fields=["conversation", "removed_at"],
                condition=Q(removed_at__isnull=False),
                name="message_removed",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in {self.conversation_id}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Block(models.Model):
    """`blocker` wants no messages from `blocked`; neither can message the other directly."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=models.F("blocked")), name="block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_reverse")]

    def __str__(self) -> str:
        return f"{self.blocker} blocked {self.blocked}"


class MessageReport(models.Model):
    """A member tells the program's managers about a message (once per person and message)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=MAX_REASON, blank=True)
    created_at = models.DateTimeField()
    # A manager dealt with it: removed the message, or looked and kept it.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="report_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"Report of {self.message_id} by {self.reporter_id}"
