"""Where a page's time goes, by layer: a sampling profile (pyinstrument) of many requests to
each page of `make bench`, on its large program, sorted into the layers of the stack.

    .venv/bin/python bench/page_profile.py [--requests 200] [--only "session page: upcoming"]
    .venv/bin/python bench/page_profile.py --html var/profile   # also one HTML profile per page

Builds the large program of bench/harness.py (bench/_data.py) in a throwaway PostgreSQL
database on the server DATABASE_URL names (default postgres://postgres@127.0.0.1:5432/postgres;
dropped at the end), with production settings and the benchmark's bare page switched on. Each
page is opened `--requests` times through Django's test client (in this process, so no network
and no gunicorn) under pyinstrument, after 5 requests not counted. Every sample is given to the
innermost layer on its stack:

- SQL: psycopg sending queries and waiting for PostgreSQL (the database's own time included);
- ORM: Django building SQL and turning rows into objects;
- templates: Django's template engine (not the queries templates start, which are SQL or ORM);
- session+user: reading the signed-in person (django.contrib.sessions and auth);
- middleware: the middleware classes of MIDDLEWARE, outside the view;
- app: MentorCircle's own code;
- Django+client: the rest (URL resolving, the request and response, the test client).

It prints, per page, the milliseconds per request in each layer, beside the bare page (the
benchmark's floor: the whole middleware stack and a small template, no database).
"""

import argparse
import os
import time
from collections import Counter
from pathlib import Path

from _setup import production_postgres

# (layer, file path fragments), first match wins; a sample goes to its innermost matching frame.
LAYERS = (
    ("SQL", ("/psycopg/", "/psycopg_binary/", "/django/db/backends/")),
    ("ORM", ("/django/db/",)),
    ("templates", ("/django/template/", "/django/templatetags/", "/templatetags/")),
    ("session+user", ("/django/contrib/sessions/", "/django/contrib/auth/", "/allauth/")),
    ("middleware", ("/django/middleware/", "/csp/", "/whitenoise/", "/mentorcircle/core/middleware")),
    ("app", ("/mentorcircle/",)),
)
REST = "Django+client"
ORDER = [name for name, _ in LAYERS] + [REST]


def _layer(path: str) -> str | None:
    for name, fragments in LAYERS:
        if any(fragment in path for fragment in fragments):
            return name
    return None


def layers(root) -> Counter[str]:  # type: ignore[no-untyped-def]
    """Seconds per layer: each frame's own time goes to the innermost layer on its stack."""
    found: Counter[str] = Counter()

    def walk(frame, layer: str) -> None:  # type: ignore[no-untyped-def]
        layer = _layer(frame.file_path or "") or layer
        found[layer] += frame.total_self_time
        for child in frame.children:
            if not child.is_synthetic:  # its time is in its parent's own time already
                walk(child, layer)

    walk(root, REST)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="requests profiled per page")
    parser.add_argument("--only", action="append", help="a page's name in bench/harness.py (repeatable)")
    parser.add_argument("--html", type=Path, help="a folder for one HTML profile per page")
    args = parser.parse_args()
    os.environ["BENCHMARK_MODE"] = "true"
    with production_postgres("mentorcircle_profile"):
        measure(args.requests, only=args.only, html=args.html)


def measure(requests: int, *, only: list[str] | None, html: Path | None) -> None:
    from _data import build_program
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from harness import FULL, PAGES
    from pyinstrument import Profiler

    unknown = sorted(set(only or ()) - {name for name, _ in PAGES})
    if unknown:
        names = "\n  ".join(name for name, _ in PAGES)
        raise SystemExit(f"No page named {', '.join(map(repr, unknown))}; the pages are:\n  {names}")
    began = time.perf_counter()
    built = build_program("large", "Large Program", FULL.large, now=timezone.now(), seed=2)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - began:.0f} s; PostgreSQL, production settings, test client")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {requests} requests a page\n")

    pages = [("bare page (baseline)", lambda b: ("/bench/bare/", b.viewer, ""))] + [
        (name, page) for name, page in PAGES if not only or name in only
    ]
    print("ms per request, large program")
    heading = "".join(f"{name:>14}" for name in ("total", *ORDER))
    print(f"{'page':<40}{heading}")
    for name, page in pages:
        path, viewer, expect = page(built)
        client = Client()
        client.force_login(viewer)
        for _ in range(5):
            response = client.get(path)
            assert response.status_code == 200, (name, path)
            assert expect.encode() in response.content, (name, path)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(requests):
            client.get(path)
        session = profiler.stop()
        found = layers(session.root_frame())
        total = session.duration / requests * 1000
        cells = "".join(f"{found[layer] / requests * 1000:>14.2f}" for layer in ORDER)
        print(f"{name:<40}{total:>14.2f}{cells}")
        if html is not None:
            html.mkdir(parents=True, exist_ok=True)
            slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
            (html / f"{slug}.html").write_text(profiler.output_html())
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
