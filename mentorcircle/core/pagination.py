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
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    return page, query.urlencode()
