from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from mentorcircle.notifications.selectors import unread_notices


def notices(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's unread notices, for the pages that show them (read only when a
    template uses them: other pages pay no query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: unread_notices(user=user))}
