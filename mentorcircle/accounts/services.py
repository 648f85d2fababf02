from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import is_valid_timezone


class TimezoneError(Exception):
    """A zone that is not in the IANA list; nothing was changed."""

    message = "That is not a time zone we know, so nothing was changed."


def _checked(zone: str) -> str:
    if not is_valid_timezone(zone):
        raise TimezoneError(zone)
    return zone


def user_detect_timezone(*, user: User, zone: str) -> None:
    """Store the browser's zone on a person who has none yet (never overwrites a choice)."""
    if user.time_zone or not is_valid_timezone(zone):
        return
    User.objects.filter(pk=user.pk, time_zone="").update(time_zone=zone)
    user.time_zone = zone


def user_use_timezone(*, user: User, zone: str) -> User:
    """Show the person times in `zone` from now on (the banner's "Use Europe/Berlin"). A new
    zone makes an earlier "Keep" answer moot, so it is forgotten."""
    user.time_zone = _checked(zone)
    user.time_zone_declined = ""
    user.save(update_fields=["time_zone", "time_zone_declined"])
    return user


def user_keep_timezone(*, user: User, declined: str) -> User:
    """Keep the saved zone and stop offering the browser's zone `declined` (the banner's "Keep
    UTC"); a browser reporting yet another zone is offered again."""
    user.time_zone_declined = _checked(declined)
    user.save(update_fields=["time_zone_declined"])
    return user


def user_update_profile(*, user: User, full_name: str, headline: str, bio: str, time_zone: str) -> User:
    user.full_name = full_name.strip()
    user.headline = headline.strip()
    user.bio = bio.strip()
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "headline", "bio", "time_zone"])
    return user
