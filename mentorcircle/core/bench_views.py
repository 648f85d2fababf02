"""The benchmark's baselines (bench/harness.py), routed only when BENCHMARK_MODE is on.

`bare` is the floor of a page: the whole middleware stack and a small template, no database.
`insert` is the floor of a write: one INSERT in a transaction, into a table the harness makes in
its own throwaway database (no migration creates it).
"""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

_PAGE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>'
    "<body><h1>{{ title }}</h1><ul>"
    "{% for row in rows %}<li>{{ row.name }}: {{ row.seats }} seats</li>{% endfor %}"
    "</ul></body></html>"
)
_ROWS = [{"name": f"Session {n}", "seats": n} for n in range(20)]


def bare(request: HttpRequest) -> HttpResponse:  # noqa: ARG001 - a view's request
    return HttpResponse(_PAGE.render({"title": "Baseline", "rows": _ROWS}))


@csrf_exempt
@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (note) VALUES (%s)", [request.POST.get("note", "")[:100]])
    return HttpResponse("ok", content_type="text/plain")
