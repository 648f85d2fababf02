from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 20


def paginate(request: HttpRequest, items: QuerySet[Any], per_page: int = PER_PAGE) -> tuple[Page[Any], str]:
    """One page of a list, and the query string that keeps the other filters on page links."""
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    return page, query.urlencode()
