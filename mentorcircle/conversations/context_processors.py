from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from mentorcircle.conversations.selectors import unread_conversation_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """How many of the signed-in person's conversations have unread messages, for the top bar and
    the Personal sidebar: one query, made when a template shows it (never for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_conversations": SimpleLazyObject(lambda: unread_conversation_count(user=user))}
