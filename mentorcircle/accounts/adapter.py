from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from typing_extensions import override

from mentorcircle.core.signin import client_ip


class AccountAdapter(DefaultAccountAdapter):
    @override
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ALLOW_SIGNUP)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The account emails end with the site's address, as MentorCircle's other emails do.
        super().send_mail(template_prefix, email, {"site_url": settings.SITE_URL, **context})

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits count by the address the admin lockout uses (TRUSTED_PROXY_COUNT).
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip
