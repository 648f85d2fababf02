from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mentorcircle.accounts import services
from mentorcircle.accounts.forms import ProfileForm
from mentorcircle.accounts.http import AuthedRequest


@login_required
def profile_settings(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=user, **form.cleaned_data)
        messages.success(request, "Profile saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form, "nav_section": "settings"})


def _back(request: AuthedRequest) -> HttpResponse:
    """To the page the banner was on (a path on this site only), else home."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = ""
    return redirect(target or "home")


@login_required
@require_POST
def timezone_use(request: AuthedRequest) -> HttpResponse:
    """The time zone banner's "Use Europe/Berlin": show times in the browser's zone from now on."""
    try:
        user = services.user_use_timezone(user=request.user, zone=request.POST.get("zone", ""))
    except services.TimezoneError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Times are now shown in {user.time_zone}.")
    return _back(request)


@login_required
@require_POST
def timezone_keep(request: AuthedRequest) -> HttpResponse:
    """The banner's "Keep UTC": keep the saved zone and stop offering the browser's one."""
    try:
        user = services.user_keep_timezone(user=request.user, declined=request.POST.get("zone", ""))
    except services.TimezoneError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Times stay in {user.time_zone}.")
    return _back(request)
