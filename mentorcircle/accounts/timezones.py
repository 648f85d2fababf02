"""IANA time zone names: the list people choose from and the check for a valid name."""

import zoneinfo
from functools import cache


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
