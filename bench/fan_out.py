"""A cancel's email fan-out: how long it takes, and where the time goes.

    .venv/bin/python bench/fan_out.py [--people 1000] [--workers 4] [--backend rq]
    .venv/bin/python bench/fan_out.py --profile [--top 25]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorcircle_bench .venv/bin/python bench/fan_out.py

Builds a program and a session with `--people` people to tell (about half seated, a fifth of the
rest invited, the others waitlisted; in six time zones), cancels it through the service and
times its emails to an aiosmtpd sink on 127.0.0.1 that runs in this process; then sends the very
messages the sink received again with plain smtplib over one connection, and prints both times
and their ratio. Fails unless each person got exactly one email and every Delivery was marked
sent. Uses (and empties) var/bench-fan-out.sqlite3, or the database DATABASE_URL names.

By default, as `make bench` does it without building its large program: `--workers` processes
of `manage.py worker` (the database backend, where an idle worker looks for work once a second;
with `--backend rq` they wait on Redis at REDIS_URL instead, whose "default" queue is emptied
first), timed from the cancel to the last email. With `--profile`, one worker process runs the queued tasks
under cProfile (timed from its first task, so without the wait for a worker to look) and the
functions that took the most time are printed; profiling slows the worker down, so the ratio
printed then is not the one to quote.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from _mail import Sink, smtplib_send
from _setup import ROOT, django_setup

ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Africa/Lagos", "Australia/Sydney", "UTC"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1000, help="people to tell")
    parser.add_argument("--workers", type=int, default=4, help="task workers (without --profile)")
    parser.add_argument(
        "--backend",
        choices=["database", "rq"],
        default="database",
        help="the task backend of the workers (rq: Redis at REDIS_URL; without --profile)",
    )
    parser.add_argument("--profile", action="store_true", help="profile the task worker with cProfile")
    parser.add_argument("--top", type=int, default=25, help="profile entries to print")
    parser.add_argument("--profile-to", metavar="FILE", help="with --profile: also save the profile (pstats)")
    parser.add_argument("--worker", metavar="PROFILE", help=argparse.SUPPRESS)  # the child's side
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker)
        return
    sink = Sink()
    sink.start()
    try:
        run(args, sink)
    finally:
        sink.stop()


def environment(smtp_port: int, backend: str) -> dict[str, str]:
    """Production settings, mail to the sink, tasks stored for the worker."""
    return dict(
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1:8000",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        TASKS_BACKEND=backend,
        LOG_LEVEL="WARNING",
    )


def worker(profile_path: str) -> None:
    """The child: run every queued task once, timed (and profiled when given a path)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    profiler = cProfile.Profile() if profile_path else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_path)
    print(json.dumps({"seconds": time.perf_counter() - start}))


def stop(process: "subprocess.Popen[bytes]") -> None:
    """Stop a worker this script started (its own process group: only what it started)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def top_entries(profile_path: str, top: int) -> str:
    """The profile's `top` functions by own time, then by time including what they called."""
    text = ""
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile_path, stream=out).sort_stats(order).print_stats(top)
        text += f"\nTop {top} by {order}:\n" + out.getvalue().split("\n", 6)[-1].rstrip() + "\n"
    return text


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_worker(env: dict[str, str], profile_path: str = "") -> float:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", profile_path],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"FAILED: the task worker exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def run(args: argparse.Namespace, sink: Sink) -> None:
    backend = "database" if args.profile else args.backend
    os.environ.update(environment(sink.port, backend))
    django_setup("bench-fan-out.sqlite3")
    env = dict(os.environ)  # the worker's: the same settings and database
    if backend == "rq":
        import django_rq

        django_rq.get_queue("default").empty()  # type: ignore[no-untyped-call]

    from django.db import connection, transaction
    from django.utils import timezone

    from mentorcircle.accounts.models import User
    from mentorcircle.groupsessions import services
    from mentorcircle.groupsessions.models import Participant
    from mentorcircle.notifications.models import Delivery, FailedDelivery
    from mentorcircle.programs.models import Membership, Program

    Status = Participant.Status
    program = Program.objects.create(name="Fan-out", slug="fan-out", allow_group_sessions=True)
    host = User.objects.create(email="host@bench.test", full_name="Hana Host", time_zone="Europe/Paris")
    people = User.objects.bulk_create(
        User(
            email=f"p{n}@bench.test",
            full_name="" if n % 20 == 7 else f"Person {n}",
            time_zone=ZONES[n % len(ZONES)],
        )
        for n in range(args.people)
    )
    Membership.objects.bulk_create(
        [Membership(program=program, user=host, role=Membership.Role.MENTOR)]
        + [Membership(program=program, user=user, role=Membership.Role.MENTEE) for user in people]
    )
    seats = max(2, args.people // 2)
    registered = min(seats - 1, args.people)
    invited = (args.people - registered) // 5
    session = services.session_create(
        program=program,
        host=host,
        details=services.SessionDetails(
            title="Fan-out",
            description="A session with many people to tell.",
            starts_at=timezone.now() + timedelta(days=5),
            duration=timedelta(hours=1),
            min_participants=1,
            max_participants=seats,
        ),
    )
    statuses = (
        [Status.REGISTERED] * registered
        + [Status.INVITED] * invited
        + [Status.WAITLISTED] * (args.people - registered - invited)
    )
    Participant.objects.bulk_create(
        Participant(
            session=session,
            user=user,
            status=status,
            waitlisted_at=timezone.now() if status == Status.WAITLISTED else None,
        )
        for user, status in zip(people, statuses, strict=True)
    )
    if backend == "database":
        run_worker(env)  # the creation's tasks (and the worker's first start) before the measurement
    sink.take()
    connection.close()

    def cancel() -> float:
        start = time.perf_counter()
        with transaction.atomic():
            services.session_cancel(session=session, actor=host, reason="The room flooded")
        connection.close()
        return start

    profile, first, busy, pids = "", 0.0, 0.0, []
    if args.profile:
        cancel()
        with tempfile.TemporaryDirectory() as scratch:
            profile_path = str(Path(scratch) / "worker.prof")
            elapsed = run_worker(env, profile_path)
            profile = top_entries(profile_path, args.top)
            if args.profile_to:
                pstats.Stats(profile_path).dump_stats(args.profile_to)
        sink.wait_for(args.people, timeout=30)
        messages = sink.take()
    else:
        with ExitStack() as workers:
            for _ in range(args.workers):
                worker_process = subprocess.Popen(
                    [sys.executable, "manage.py", "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                workers.callback(stop, worker_process)
                pids.append(worker_process.pid)
            time.sleep(5)  # every worker started and looking for work
            busy = -sum(cpu_seconds(pid) for pid in pids)
            start = cancel()
            if not sink.wait_for(args.people, timeout=max(120, args.people * 0.5)):
                raise SystemExit(f"FAILED: {sink.count()} of {args.people} emails arrived in time")
            busy += sum(cpu_seconds(pid) for pid in pids)
            time.sleep(1)  # anything extra would show up now
            messages = sink.take()
            elapsed = max(message.at for message in messages) - start
            first = min(message.at for message in messages) - start
    plain = smtplib_send(sink.port, messages)
    sink.take()

    told = Counter(recipient for message in messages for recipient in message.recipients)
    sent = Delivery.objects.filter(session=session, kind="cancelled", sent_at__isnull=False).count()
    failed = FailedDelivery.objects.filter(session=session).count()
    who = "one task worker, profiled" if profile else f"{args.workers} task workers ({backend} backend)"
    print(
        f"database: {connection.vendor}; {args.people:,} people to tell; {who}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"fan-out: {elapsed:.2f} s ({args.people / elapsed:.0f} emails/s, "
        f"{elapsed / args.people * 1000:.2f} ms each)"
        + (f"; the first email after {first:.2f} s" if first else "")
    )
    if busy:
        print(f"task workers' CPU time: {busy:.2f} s ({busy / args.people * 1000:.2f} ms an email)")
    print(f"plain smtplib, same messages, one connection: {plain:.2f} s")
    print(f"fan-out ÷ smtplib: {elapsed / plain:.2f}{' (profiled)' if profile else ''}")
    print(profile, end="")
    everyone = {user.email for user in people}
    if set(told) != everyone or set(told.values()) != {1} or sent != args.people or failed:
        raise SystemExit(
            f"FAILED: {len(told)} people told, {sum(told.values())} emails, {sent} sent, {failed} failed"
        )


if __name__ == "__main__":
    main()
