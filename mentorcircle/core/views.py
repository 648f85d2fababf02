from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.template.loader import render_to_string

from mentorcircle.core.refusals import Refused


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("personal:sessions")
    return redirect("account_login")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page: a `Refused` says why and where to go instead; any other refusal gets
    general words (its message is meant for the logs, not for people)."""
    refused = exception if isinstance(exception, Refused) else None
    # Shown in the Personal dashboard, also for a refused Manager page.
    context = {"refused": refused, "nav_mode": "personal"}
    return HttpResponseForbidden(render_to_string("403.html", context, request))
