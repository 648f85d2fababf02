"""Do list pages cost the same whether a program has 10 sessions or 10,000?

    .venv/bin/python bench/list_pages.py [--sizes 10 10000] [--repeat 5]

For each size: SQL queries and median render time of each list page, through Django's test
client (no network). Uses (and empties) var/bench-pages.sqlite3, or DATABASE_URL.
"""

import argparse
import statistics
import time
from datetime import timedelta

from _setup import django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    django_setup("bench-pages.sqlite3")

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from mentorcircle.accounts.models import User
    from mentorcircle.groupsessions.models import GroupSession, Participant
    from mentorcircle.programs.models import Membership, Program

    print(f"database: {connection.vendor}")
    print(f"{'sessions':>8}  {'page':<22}{'queries':>8}{'median ms':>11}")
    for size in args.sizes:
        call_command("flush", interactive=False, verbosity=0)
        program = Program.objects.create(name="Bench", slug="bench", allow_group_sessions=True)
        host = User.objects.create_user(email="host@bench.test", full_name="Host", time_zone="Europe/Paris")
        guest = User.objects.create_user(
            email="guest@bench.test", full_name="Guest", time_zone="Europe/Paris"
        )
        Membership.objects.create(program=program, user=host, role=Membership.Role.MANAGER)
        Membership.objects.create(program=program, user=guest, role=Membership.Role.MENTEE)
        now = timezone.now()
        sessions = GroupSession.objects.bulk_create(
            [
                GroupSession(
                    program=program,
                    host=host,
                    title=f"Session {n}",
                    description="A session",
                    starts_at=now + timedelta(hours=n + 30),
                    duration=timedelta(hours=1),
                    ends_at=now + timedelta(hours=n + 31),
                    decide_at=now + timedelta(hours=n + 6),
                )
                for n in range(size)
            ],
            batch_size=1000,
        )
        Participant.objects.bulk_create(
            [Participant(session=s, user=host, status=Participant.Status.HOST) for s in sessions]
            + [Participant(session=s, user=guest, status=Participant.Status.REGISTERED) for s in sessions],
            batch_size=1000,
        )
        client = Client()
        client.force_login(host)
        pages = {
            "personal sessions": reverse("personal:sessions"),
            "manager sessions": reverse("manage:sessions", args=[program.slug]),
            "program page": reverse("groupsessions:program", args=[program.slug]),
            "host's profile": reverse("groupsessions:profile", args=[host.pk]),
            "session page": reverse("groupsessions:detail", args=[sessions[0].pk]),
            "members list": reverse("manage:members", args=[program.slug]),
        }
        for name, url in pages.items():
            timings = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
            print(f"{size:>8}  {name:<22}{len(queries):>8}{statistics.median(timings) * 1000:>11.1f}")


if __name__ == "__main__":
    main()
