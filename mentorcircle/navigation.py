"""What the header and the Personal sidebar show on every page: which dashboard we are in, the
person's programs (and which they manage) and how many of their conversations have unread
messages. The programs and the count come from one query, made only when a template shows any
of them, so a page without the header pays nothing. It lives in the project package because
it reads two apps, programs and conversations, and neither may import the other's pages."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from mentorcircle.accounts.models import User
from mentorcircle.conversations.selectors import unread_conversation_total
from mentorcircle.programs.models import Membership, Program
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
    """The person's memberships by program name (each with its program's id, name and slug, all
    the menus show), and the number of their conversations that have messages they have not
    read: carried by every row (a subquery computed once, not per row); someone in no program
    has no conversation."""
    sql, params, slots = _navigation_sql(connection.vendor)
    values = list(params)
    for slot in slots:
        values[slot] = user.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        found = cursor.fetchall()
    rows = [
        Membership(user=user, role=role, program=Program(pk=program_id, name=name, slug=slug))
        for program_id, name, slug, role, _ in found
    ]
    unread: int = found[0][4] if found else 0
    return rows, unread


# Stands for the person in the navigation's SQL, built once (no real id is negative).
_SOMEONE = -918_273_645


@cache
def _navigation_sql(vendor: str) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:  # noqa: ARG001 - the cache key
    """The navigation's query as the ORM writes it (`memberships_of` with
    `unread_conversation_total`) for `_SOMEONE`, and where that id sits among its parameters.
    Building the query, about ten subqueries, costs the ORM some 3 ms; so it is built once per
    process (and database vendor) and run for each person with their own id."""
    someone = User(pk=_SOMEONE)
    rows = (
        memberships_of(user=someone)
        .annotate(unread=unread_conversation_total(user=someone))
        .values_list("program_id", "program__name", "program__slug", "role", "unread")
    )
    sql, params = rows.query.get_compiler(connection=connection).as_sql()
    slots = tuple(index for index, value in enumerate(params) if value == _SOMEONE)
    return sql, tuple(params), slots
