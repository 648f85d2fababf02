from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from mentorcircle.accounts import selectors, services
from mentorcircle.accounts.forms import ProfileForm
from mentorcircle.core.http import AuthedRequest
from mentorcircle.groupsessions.selectors import for_display, upcoming_hosted_by

PROFILE_SESSIONS = 10


@login_required
def profile(request: AuthedRequest, pk: int) -> HttpResponse:
    person = selectors.profile_get_visible(viewer=request.user, pk=pk)
    memberships = selectors.shared_memberships(viewer=request.user, person=person)
    return render(
        request,
        "accounts/profile.html",
        {
            "person": person,
            "memberships": memberships,
            "sessions": for_display(
                upcoming_hosted_by(host=person, viewer=request.user)[:PROFILE_SESSIONS], user=request.user
            ),
            "nav_section": "profile",
        },
    )


@login_required
def profile_settings(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=user, **form.cleaned_data)
        messages.success(request, "Profile saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form, "nav_section": "settings"})
