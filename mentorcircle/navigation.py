"""What the header and the Personal sidebar show on every page: which dashboard we are in, the
person's programs (and which they manage) and how many of their conversations have unread
messages. The programs and the count come from one query, made only when a template shows any
of them, so a page without the header pays nothing. It lives in the project package because
it reads two apps, programs and conversations, and neither may import the other's pages."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from mentorcircle.accounts.models import User
from mentorcircle.conversations.selectors import unread_conversation_total
from mentorcircle.programs.models import Membership
from mentorcircle.programs.selectors import memberships_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav_programs` (by name) and `nav_managed_programs` for the menus, `unread_conversations`
    for the Messages links."""
    match = getattr(request, "resolver_match", None)
    context: dict[str, Any] = {
        "nav_mode": "manager" if match and match.namespace == "manage" else "personal",
        "nav_program": getattr(request, "program", None),
        "SIGNUP_ALLOWED": settings.ALLOW_SIGNUP,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        read = cache(lambda: _read(user))
        context["nav_programs"] = SimpleLazyObject(lambda: [row.program for row in read()[0]])
        context["nav_managed_programs"] = SimpleLazyObject(
            lambda: [row.program for row in read()[0] if row.is_manager]
        )
        context["unread_conversations"] = SimpleLazyObject(lambda: read()[1])
    return context


def _read(user: User) -> tuple[Sequence[Membership], int]:
    """The person's memberships by program name, and the number of their conversations that
    have messages they have not read: carried by every row (a subquery computed once, not per
    row); someone in no program has no conversation."""
    rows = list(memberships_of(user=user).annotate(unread=unread_conversation_total(user=user)))
    unread: int = rows[0].unread if rows else 0
    return rows, unread
