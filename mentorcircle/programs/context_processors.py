from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Program
from mentorcircle.programs.selectors import memberships_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the header needs: which dashboard we are in and the programs one can manage.

    The person's programs (`nav_programs`) and those they manage (`nav_managed_programs`), both
    by name, come from one query over their memberships, made only when a template uses either
    (a page without the header pays nothing)."""
    match = getattr(request, "resolver_match", None)
    context: dict[str, Any] = {
        "nav_mode": "manager" if match and match.namespace == "manage" else "personal",
        "nav_program": getattr(request, "program", None),
        "SIGNUP_ALLOWED": settings.ALLOW_SIGNUP,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        programs = cache(lambda: _programs(user))
        context["nav_programs"] = SimpleLazyObject(lambda: [program for program, _ in programs()])
        context["nav_managed_programs"] = SimpleLazyObject(
            lambda: [program for program, manages in programs() if manages]
        )
    return context


def _programs(user: User) -> list[tuple[Program, bool]]:
    """The person's programs by name, each with whether they manage it."""
    return [(membership.program, membership.is_manager) for membership in memberships_of(user=user)]
