from typing import Any

from django.conf import settings
from django.http import HttpRequest

from mentorcircle.programs.selectors import programs_managed_by, programs_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the header needs: which dashboard we are in and the programs one can manage."""
    match = getattr(request, "resolver_match", None)
    context: dict[str, Any] = {
        "nav_mode": "manager" if match and match.namespace == "manage" else "personal",
        "nav_program": getattr(request, "program", None),
        "SIGNUP_ALLOWED": settings.ALLOW_SIGNUP,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["nav_managed_programs"] = programs_managed_by(user=user)
        context["nav_programs"] = programs_of(user=user)
    return context
