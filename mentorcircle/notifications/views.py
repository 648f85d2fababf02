from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.groupsessions import ics
from mentorcircle.notifications import selectors, services
from mentorcircle.notifications.emails import absolute_url
from mentorcircle.notifications.forms import PreferencesForm
from mentorcircle.notifications.models import preferences_for


@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    prefs = preferences_for(request.user)
    hosts = selectors.hosts_sessions(user=request.user)
    form = PreferencesForm(request.POST or None, instance=prefs, hosts=hosts)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(preferences=prefs, **form.cleaned_data)
        messages.success(request, "Saved!")
        return redirect("notifications:preferences")
    feed_url = request.build_absolute_uri(reverse("notifications:feed", args=[prefs.calendar_token]))
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "feed_url": feed_url, "nav_section": "notifications"},
    )


@login_required
@require_POST
def calendar_reset(request: AuthedRequest) -> HttpResponse:
    services.calendar_token_reset(preferences=preferences_for(request.user))
    messages.success(request, "New calendar link made; the old one no longer works.")
    return redirect("notifications:preferences")


@login_required
@require_POST
def notices_read(request: AuthedRequest) -> HttpResponse:
    services.notices_mark_read(user=request.user)
    return redirect("personal:sessions")


def feed(request: HttpRequest, token: str) -> HttpResponse:  # noqa: ARG001 - a view's request
    """The personal calendar feed: a secret address any calendar app can subscribe to."""
    prefs = selectors.preferences_by_token(token=token)
    sessions = list(selectors.feed_sessions(user=prefs.user))
    join_urls = {
        session.pk: absolute_url(reverse("groupsessions:join_call", args=[session.my_join_token]))  # type: ignore[attr-defined]
        for session in sessions
    }
    body = ics.personal_feed(prefs.user, sessions, now=timezone.now(), join_urls=join_urls)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
