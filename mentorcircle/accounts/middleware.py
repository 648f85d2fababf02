import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from mentorcircle.accounts.services import user_detect_timezone
from mentorcircle.accounts.timezones import is_valid_timezone, zone_to_offer

TZ_COOKIE = "tz"


class TimezoneMiddleware:
    """Show every time in the viewer's zone.

    The zone comes from the person's profile; until they have one, from the `tz` cookie
    that the page's script sets from the browser (stored on the profile the first time).
    When the browser later reports another zone, `request.timezone_offer` names it, for the
    banner that offers to switch.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        browser_zone = request.COOKIES.get(TZ_COOKIE, "")
        if not is_valid_timezone(browser_zone):
            browser_zone = ""
        user = request.user
        zone = offer = ""
        if user.is_authenticated:
            if not user.time_zone and browser_zone:
                user_detect_timezone(user=user, zone=browser_zone)
            zone = user.time_zone
            offer = zone_to_offer(saved=zone, declined=user.time_zone_declined, browser=browser_zone)
        zone = zone or browser_zone
        request.timezone_known = bool(zone)  # type: ignore[attr-defined]
        request.timezone_offer = offer  # type: ignore[attr-defined]
        timezone.activate(zoneinfo.ZoneInfo(zone or "UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
