from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import is_valid_timezone


def user_detect_timezone(*, user: User, zone: str) -> None:
    """Store the browser's zone on a person who has none yet (never overwrites a choice)."""
    if user.time_zone or not is_valid_timezone(zone):
        return
    User.objects.filter(pk=user.pk, time_zone="").update(time_zone=zone)
    user.time_zone = zone


def user_update_profile(*, user: User, full_name: str, headline: str, bio: str, time_zone: str) -> User:
    user.full_name = full_name.strip()
    user.headline = headline.strip()
    user.bio = bio.strip()
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "headline", "bio", "time_zone"])
    return user
