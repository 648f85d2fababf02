from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 20


def paginate(
    request: HttpRequest,
    items: QuerySet[Any] | Sequence[Any],
    per_page: int = PER_PAGE,
    *,
    param: str = "page",
) -> tuple[Page[Any], str]:
    """One page of a list, and the query string that keeps the other filters on page links.
    `param` names the page number in the URL, so that one page can hold several lists (include
    core/_pagination.html with `page_param` set to the same name)."""
    query = request.GET.copy()
    query.pop(param, None)
    paginator = Paginator(items, per_page)
    return paginator.page(page_number(request.GET.get(param), paginator.num_pages)), query.urlencode()


def page_number(value: str | None, last: int) -> int:
    """The page asked for: the first for anything but a positive whole number (0, -3, "x"), the
    last for a number past the end (a list that got shorter since the link was made)."""
    digits = (value or "").strip()
    if not (digits.isascii() and digits.isdigit()):
        return 1
    digits = digits.lstrip("0")
    if not digits:
        return 1
    return last if len(digits) > 12 else min(int(digits), last)
