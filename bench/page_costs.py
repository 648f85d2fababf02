"""Where a page's time goes at `make bench`'s sizes: queries, SQL time and total time per request.

    .venv/bin/python bench/page_costs.py [--repeat 10] [--joins 40] [--slowest]

Builds the small and the large program of bench/harness.py (bench/_data.py) in a throwaway
PostgreSQL database on the server DATABASE_URL names (default
postgres://postgres@127.0.0.1:5432/postgres; dropped at the end), then opens each page through
Django's test client (no network, production settings) and prints, per page and size, the SQL
queries of one request, the median SQL time and the median total time (`--slowest`: and the
slowest query of the last request). Then it posts `--joins` joins (each a different member) to
a fresh session of the large program, and prints the plan PostgreSQL chooses for the first page
of the large program's members list.
"""

import argparse
import statistics
import time
from datetime import timedelta

from _setup import production_postgres


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=10, help="requests per page (after 2 not counted)")
    parser.add_argument("--joins", type=int, default=40, help="joins posted to one session")
    parser.add_argument("--slowest", action="store_true", help="also print each page's slowest query")
    args = parser.parse_args()
    with production_postgres("mentorcircle_costs"):
        measure(args.repeat, args.joins, slowest=args.slowest)


def measure(repeat: int, joins: int, *, slowest: bool = False) -> None:
    from _data import build_program, make_session
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone
    from harness import FULL

    from mentorcircle.groupsessions.models import Participant
    from mentorcircle.programs.selectors import member_list

    now = timezone.now()
    start = time.perf_counter()
    built = {
        "small": build_program("small", "Small Program", FULL.small, now=now),
        "large": build_program("large", "Large Program", FULL.large, now=now, seed=2),
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - start:.0f} s; PostgreSQL, production settings, test client")

    pages = {
        "session page: upcoming": lambda b: (b.phase["upcoming"].get_absolute_url(), b.viewer),
        "Personal > Sessions": lambda b: (reverse("personal:sessions"), b.viewer),
        "program page": lambda b: (reverse("groupsessions:program", args=[b.program.slug]), b.viewer),
        "profile (a host's page)": lambda b: (reverse("groupsessions:profile", args=[b.host.pk]), b.viewer),
        "Manager > Members": lambda b: (reverse("manage:members", args=[b.program.slug]), b.manager),
        "Manager > Sessions": lambda b: (reverse("manage:sessions", args=[b.program.slug]), b.manager),
    }
    print(f"{'page':<26}{'size':<7}{'queries':>8}{'SQL ms':>9}{'total ms':>10}")
    for name, page in pages.items():
        for size, b in built.items():
            path, viewer = page(b)
            client = Client()
            client.force_login(viewer)
            for _ in range(2):
                assert client.get(path).status_code == 200, path
            sql, total = [], []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    response = client.get(path)
                    total.append(time.perf_counter() - began)
                assert response.status_code == 200, path
                sql.append(sum(float(q["time"]) for q in captured.captured_queries))
                count = len(captured)
            print(
                f"{name:<26}{size:<7}{count:>8}{statistics.median(sql) * 1000:>9.1f}"
                f"{statistics.median(total) * 1000:>10.1f}"
            )
            if slowest:
                worst = max(captured.captured_queries, key=lambda q: float(q["time"]))
                print(f"    slowest: {float(worst['time']) * 1000:.1f} ms {worst['sql'][:110]}")

    large = built["large"]
    session = make_session(large, "Join costs", now + timedelta(days=7), now=now, max_participants=joins // 2)
    path = reverse("groupsessions:join", args=[session.pk])
    sql, total, counts = [], [], []
    for person in large.mentees[:joins]:
        client = Client()
        client.force_login(person)
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.post(path)
            total.append(time.perf_counter() - began)
        assert response.status_code == 302, response.status_code
        sql.append(sum(float(q["time"]) for q in captured.captured_queries))
        counts.append(len(captured))
    rows = Participant.objects.filter(session=session).count()
    assert rows == joins + 1, rows
    print(
        f"{'join (POST)':<26}{'large':<7}{statistics.median(counts):>8.0f}"
        f"{statistics.median(sql) * 1000:>9.1f}{statistics.median(total) * 1000:>10.1f}"
        f"   ({joins} joins, each a different member)"
    )

    print("\nManager > Members, large program, first page: the plan PostgreSQL chooses")
    print(member_list(program=large.program)[:50].explain(analyze=True))


if __name__ == "__main__":
    main()
