from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RejectNulBytes:
    """A NUL byte has no place in a path, query or form, and PostgreSQL refuses it in text:
    answer 400 before any view sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or _has_nul(request):
            return HttpResponseBadRequest("Bad request.", content_type="text/plain")
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if request.method != "POST" or not (request.content_type or "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return False
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in request.POST.lists()
    )


class PermissionsPolicy:
    """Adds the Permissions-Policy header: every feature in PERMISSIONS_POLICY_DISABLED is off for
    the page and anything it embeds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DISABLED)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response
