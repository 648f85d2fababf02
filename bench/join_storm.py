"""Many people click Join at once: how fast, and does the maximum hold?

    .venv/bin/python bench/join_storm.py [--people 300] [--seats 25] [--threads 32]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorcircle_bench .venv/bin/python bench/join_storm.py

Uses (and empties) var/bench-join.sqlite3, or the database DATABASE_URL names.
"""

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from _setup import django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seats", type=int, default=25)
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    django_setup("bench-join.sqlite3")

    from django.db import connection
    from django.utils import timezone

    from mentorcircle.accounts.models import User
    from mentorcircle.groupsessions import services
    from mentorcircle.groupsessions.models import Participant
    from mentorcircle.programs.models import Membership, Program

    program = Program.objects.create(name="Bench", slug="bench", allow_group_sessions=True)
    users = User.objects.bulk_create(
        [User(email=f"p{n}@bench.test", full_name=f"Person {n}") for n in range(args.people + 1)]
    )
    Membership.objects.bulk_create(
        [Membership(program=program, user=u, role=Membership.Role.MENTEE) for u in users[1:]]
        + [Membership(program=program, user=users[0], role=Membership.Role.MENTOR)]
    )
    session = services.session_create(
        program=program,
        host=users[0],
        details=services.SessionDetails(
            title="Bench",
            description="Bench",
            starts_at=timezone.now() + timedelta(days=7),
            duration=timedelta(hours=1),
            min_participants=1,
            max_participants=args.seats,
        ),
    )
    go = threading.Event()
    latencies: list[float] = []
    errors: list[str] = []

    def join(user: User) -> None:
        try:
            go.wait()
            start = time.perf_counter()
            services.participant_join(session=session, user=user)
            latencies.append(time.perf_counter() - start)
        except Exception as error:  # noqa: BLE001 - counted and reported
            errors.append(repr(error))

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        futures = [pool.submit(join, user) for user in users[1:]]
        time.sleep(0.5)  # let every worker thread start and wait
        started = time.perf_counter()
        go.set()
        for future in futures:
            future.result()
    elapsed = time.perf_counter() - started

    seated = Participant.objects.filter(session=session, status__in=Participant.SEATED).count()
    waitlisted = Participant.objects.filter(session=session, status=Participant.Status.WAITLISTED).count()
    latencies.sort()
    print(f"database: {connection.vendor}")
    rate = args.people / elapsed
    print(f"{args.people} joins on {args.threads} threads in {elapsed:.2f} s ({rate:.0f} joins/s)")
    print(
        f"latency: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms"
    )
    print(f"seated {seated} (maximum {args.seats}), waitlisted {waitlisted}, errors {len(errors)}")
    if errors:
        print("first error:", errors[0])
    if seated != args.seats or seated + waitlisted != args.people + 1 or errors:
        raise SystemExit("FAILED: the maximum did not hold or a join failed")


if __name__ == "__main__":
    main()
