from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.notifications.models import Notice, Preferences, new_calendar_token


def preferences_update(
    *, preferences: Preferences, new_registration_emails: bool, missed_session_emails: bool = True
) -> Preferences:
    preferences.new_registration_emails = new_registration_emails
    preferences.missed_session_emails = missed_session_emails
    preferences.save(update_fields=["new_registration_emails", "missed_session_emails"])
    return preferences


def calendar_token_reset(*, preferences: Preferences) -> Preferences:
    """A new secret feed address; the old one stops working at once."""
    preferences.calendar_token = new_calendar_token()
    preferences.save(update_fields=["calendar_token"])
    return preferences


def notices_mark_read(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
