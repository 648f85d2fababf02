"""Who is signing in, and from where: the client's address behind trusted proxies (for allauth's
rate limits and the admin lockout alike), and the admin sign-in lockout (django-axes)."""

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies that each append the address they
    saw to X-Forwarded-For, it is the N-th from the right (anything further left was written by
    the client and proves nothing). Otherwise, or if that entry is missing or garbled,
    REMOTE_ADDR."""
    count = settings.TRUSTED_PROXY_COUNT
    candidates = [request.META.get("REMOTE_ADDR", "")]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if count and len(forwarded) >= count:
        candidates.insert(0, forwarded[-count])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return None


def admin_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The email an admin sign-in tried, as sign-in matches it: trimmed and in lower case, so
    "Op@Example.com" and "op@example.com" count as one account's failures."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) else None


class AdminSignInThrottle(AxesStandaloneBackend):
    """django-axes' check that refuses a locked-out admin sign-in (AXES_ONLY_ADMIN_SITE). A call
    without a request (a script, the test client's login()) is no admin sign-in: it passes on."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)


class AdminSignInHandler(AxesDatabaseHandler):
    """django-axes' failure count, kept for the admin sign-in only: members' sign-ins have
    allauth's rate limits, and axes must neither count nor answer for them."""

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_login_failed(sender, credentials, request, **kwargs)
