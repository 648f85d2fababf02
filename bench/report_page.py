"""How long Manager > Reports takes for the large program of bench/harness.py: 50,000 members,
5,000 sessions, 200,000 participant rows, on PostgreSQL.

    .venv/bin/python bench/report_page.py [--repeat 10] [--slowest] [--profile]

Builds the large program (bench/_data.py) in a throwaway PostgreSQL database on the server
DATABASE_URL names (default postgres://postgres@127.0.0.1:5432/postgres; dropped at the end),
adds ratings to 60% of the attended places and the minutes present to half of them, then
opens the Reports page as the program's manager through Django's test client (no network,
production settings) with several filters, each run followed by one of Manager > Members as a
baseline, and prints, per filter, the SQL queries of one request, the median SQL time, the
median and the best total time, and the median over the baseline's (`--slowest`: and the six
slowest queries of the last request, with the slowest one's plan; `--profile`: and a cProfile
of one more request, by own time). On a shared machine the best time and the
ratio say more than the median.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import time

from _setup import production_postgres


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=10, help="requests per filter (after 2 not counted)")
    parser.add_argument("--slowest", action="store_true", help="also print each filter's six slowest queries")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile one request per filter (cProfile, top 20 by own time)",
    )
    args = parser.parse_args()
    with production_postgres("mentorcircle_reports"):
        measure(args.repeat, slowest=args.slowest, profile=args.profile)


def add_feedback(program) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Ratings for 60% of the attended places, minutes present for half of them."""
    import random

    from mentorcircle.groupsessions.models import Feedback, Participant

    rng = random.Random(3)
    attended = list(
        Participant.objects.filter(session__program=program, attended=True, status="registered").only("pk")
    )
    reported = [row for row in attended if rng.random() < 0.5]
    for row in reported:
        row.minutes_present = rng.randint(10, 60)
    Participant.objects.bulk_update(reported, ["minutes_present"], batch_size=5000)
    rated = [Feedback(participant=row, rating=rng.randint(2, 5)) for row in attended if rng.random() < 0.6]
    Feedback.objects.bulk_create(rated, batch_size=5000)
    return len(rated), len(reported)


def measure(repeat: int, *, slowest: bool = False, profile: bool = False) -> None:
    from _data import build_program
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone
    from harness import FULL

    from mentorcircle.groupsessions.models import GroupSession
    from mentorcircle.programs.models import Cohort, Tag

    now = timezone.now()
    began = time.perf_counter()
    built = build_program("large", "Large Program", FULL.large, now=now, seed=2)
    ratings, minutes = add_feedback(built.program)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    counts = ", ".join(f"{value:,} {name}" for name, value in built.counts.items())
    print(f"built in {time.perf_counter() - began:.0f} s: {counts}, {ratings:,} ratings, {minutes:,} minutes")
    load = os.getloadavg()[0]
    print(
        f"PostgreSQL, production settings, test client, signed in as the program's manager; load {load:.1f}\n"
    )

    program = built.program
    cohort = Cohort.objects.filter(program=program).order_by("pk").first()
    tag = Tag.objects.filter(program=program).order_by("pk").first()
    busiest = GroupSession.objects.filter(program=program).values_list("host_id", flat=True).first()
    path = reverse("manage:reports", args=[program.slug])
    filters = {
        "last 90 days (default)": "",
        "all time": "?period=all",
        "this year": "?period=year",
        "all time, a cohort": f"?period=all&cohort={cohort.pk}" if cohort else "?period=all",
        "all time, a tag": f"?period=all&tag={tag.pk}" if tag else "?period=all",
        "all time, a host": f"?period=all&host={busiest}",
        "all time, by rating": "?period=all&sessions_sort=-rating&hosts_sort=fill",
        "all time, page 100": "?period=all&sessions_page=100&hosts_page=20&people_page=50",
    }
    client = Client()
    client.force_login(built.manager)
    members = reverse("manage:members", args=[program.slug])

    def timed(address: str, expect: bytes) -> tuple[float, float, int, list[dict[str, str]]]:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(address)
            total = time.perf_counter() - start
        assert response.status_code == 200, address
        assert expect in response.content, address
        sql = sum(float(q["time"]) for q in captured.captured_queries)
        return sql, total, len(captured), captured.captured_queries

    # Each run of the report is followed by one of Manager > Members (its first page), the
    # baseline: × members is the report's median time over the members page's, which says more
    # than milliseconds on a shared machine.
    print(f"{'filters':<28}{'queries':>8}{'SQL ms':>9}{'total ms':>10}{'best ms':>9}{'× members':>11}")
    every_base: list[float] = []
    for name, query in filters.items():
        for _ in range(2):
            timed(path + query, b"<h1>Reports</h1>")
            timed(members, b"<h1>Members</h1>")
        sql, total, base = [], [], []
        for _ in range(repeat):
            run_sql, run_total, count, queries = timed(path + query, b"<h1>Reports</h1>")
            sql.append(run_sql)
            total.append(run_total)
            base.append(timed(members, b"<h1>Members</h1>")[1])
        every_base += base
        ratio = statistics.median(total) / statistics.median(base)
        print(
            f"{name:<28}{count:>8}{statistics.median(sql) * 1000:>9.1f}"
            f"{statistics.median(total) * 1000:>10.1f}{min(total) * 1000:>9.1f}{ratio:>11.1f}"
        )
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(client.get, path + query)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        if slowest:
            for query_run in sorted(queries, key=lambda q: -float(q["time"]))[:6]:
                print(f"    {float(query_run['time']) * 1000:7.1f} ms {query_run['sql'][:220]}")
            worst = max(queries, key=lambda q: float(q["time"]))
            print(f"    slowest: {float(worst['time']) * 1000:.1f} ms {worst['sql'][:160]}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + worst["sql"])
                for (line,) in cursor.fetchall():
                    print(f"      {line}")
    median, best = statistics.median(every_base) * 1000, min(every_base) * 1000
    print(f"Manager > Members, every run: median {median:.1f} ms, best {best:.1f} ms")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
