"""IANA time zone names: the list people choose from, the check for a valid name, and which zone
a person sees times in where their browser cannot say."""

import zoneinfo
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mentorcircle.accounts.models import User


@cache
def timezone_names() -> tuple[str, ...]:
    # Only canonical "Area/City" names plus UTC; skip legacy aliases like "US/Eastern".
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    names.add("UTC")
    return tuple(sorted(names))


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


def zone_to_offer(*, saved: str, declined: str, browser: str) -> str:
    """The browser's zone when it differs from the person's saved zone and they have not turned
    it down already (the banner offering to switch); "" when there is nothing to ask."""
    if not saved or not is_valid_timezone(browser) or browser in (saved, declined):
        return ""
    return browser


def zone_for(*, user: "User", program_zone: str) -> str:
    """The zone to show a person times in when no browser of theirs says (emails, pages opened
    from an email's link): their own; for a member who has never signed in and has none yet,
    their program's; else UTC."""
    if user.time_zone:
        return user.time_zone
    if user.last_login is None and is_valid_timezone(program_zone):
        return program_zone
    return "UTC"
