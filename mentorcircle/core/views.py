from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mentorcircle.core.http import AuthedRequest


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("personal:sessions")
    return redirect("account_login")


@login_required
def personal_sessions(request: AuthedRequest) -> HttpResponse:
    tab = "past" if request.GET.get("tab") == "past" else "future"
    return render(request, "core/personal_sessions.html", {"tab": tab, "nav_section": "sessions"})
