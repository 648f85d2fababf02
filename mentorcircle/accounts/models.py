from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.urls import reverse
from django.utils import timezone

from mentorcircle.core.validators import single_line

# How a member without a name is shown to people who may not see their email address.
NAMELESS = "A member"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; time zone is an IANA name ("" until the browser tells us)."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField("full name", max_length=150, blank=True, validators=[single_line])
    headline = models.CharField(
        max_length=120,
        blank=True,
        validators=[single_line],
        help_text="One line about you, e.g. “Product designer at Acme”.",
    )
    bio = models.TextField(blank=True, max_length=4000)
    time_zone = models.CharField(max_length=64, blank=True)
    # The browser's zone the person said no to ("Keep UTC"), so it is not offered again.
    time_zone_declined = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("full_name", "email")
        # Lists of people sort by name (a program's members: Membership's ordering); with this
        # index PostgreSQL reads the first page in order instead of sorting every member.
        indexes = [models.Index(fields=["full_name", "email"], name="user_name_order")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name other members see: the full name, or "A member" for someone who has not
        given one (their email address is not everyone's to see). See `name_for`."""
        return self.full_name or NAMELESS

    def name_for(self, viewer: "User | AnonymousUser | None", *, manages: bool = False) -> str:
        """The one rule for naming a person: their full name; without one, the name part of
        their email address to themselves and to a program manager of theirs (`manages`),
        "A member" to everyone else."""
        if self.full_name:
            return self.full_name
        if manages or (viewer is not None and viewer.pk == self.pk):
            return self.email.split("@")[0]
        return NAMELESS

    def get_absolute_url(self) -> str:
        return reverse("groupsessions:profile", args=[self.pk])
