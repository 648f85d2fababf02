"""A page someone may not open, said in plain words with what they can do instead.

Views raise `Refused`; Django's 403 handler (core.views.permission_denied) shows its message and
links on the 403 page. Any other PermissionDenied gets the page's general words."""

from django.core.exceptions import PermissionDenied


class Refused(PermissionDenied):
    def __init__(self, message: str, *, hint: str = "", links: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.links = links or []  # (label, url) pairs: where to go instead
