"""`make bench`: MentorCircle served by gunicorn on PostgreSQL, measured under load.

    .venv/bin/python bench/harness.py            # full sizes: 15-20 minutes on 2 cores
    .venv/bin/python bench/harness.py --smoke    # tiny sizes, 1 s per measurement (CI)

DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres;
its database name is ignored): the harness creates a database of its own there, builds a small
and a large program in it, serves the app with gunicorn (DEBUG=false, BENCHMARK_MODE=true) on a
free port of 127.0.0.1, drives it, prints one table, then stops everything it started and drops
the database. It exits non-zero when a check fails. docs/benchmarks.md explains each line.
"""

import argparse
import math
import os
import random
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import _load
from _load import Request, Run
from _mail import Sink, free_port, smtplib_send
from _setup import BUSY_SESSIONS, PHASES, ROOT, Size, django_setup, throwaway_postgres

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Config:
    small: Size
    large: Size
    seconds: float  # each timed run
    runs: int  # runs of each measurement, each followed by one of its baseline
    connections: int  # for the pages
    storm_people: int
    storm_seats: int
    storm_connections: int
    burst_people: int
    burst_seconds: float
    burst_connections: int
    emails: int
    web_workers: int
    task_workers: int
    time_limit: int  # seconds for the whole run, cleanup aside
    stages: tuple[str, ...] = ("pages", "joins", "burst", "emails")  # what to measure


FULL = Config(
    small=Size(members=100, sessions=20, participants=300, cohorts=3, tags=3),
    large=Size(members=50_000, sessions=5_000, participants=200_000, cohorts=50, tags=30),
    seconds=5,
    runs=3,
    connections=8,
    storm_people=500,
    storm_seats=50,
    storm_connections=32,
    burst_people=500,
    burst_seconds=3,
    burst_connections=64,
    emails=1000,
    web_workers=2 * (os.cpu_count() or 1) + 1,
    task_workers=4,
    time_limit=3600,
)
SMOKE = replace(
    FULL,
    small=Size(members=40, sessions=8, participants=40, cohorts=2, tags=2),
    large=Size(members=200, sessions=30, participants=400, cohorts=4, tags=3),
    seconds=1,
    runs=2,
    connections=4,
    storm_people=30,
    storm_seats=5,
    storm_connections=8,
    burst_people=30,
    burst_seconds=1,
    burst_connections=8,
    emails=20,
    web_workers=2,
    task_workers=2,
    time_limit=900,
)


# ---- Reporting ----------------------------------------------------------------------------------


def _num(value: float, unit: str = "") -> str:
    if math.isnan(value):
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return text + unit


def spread(values: Sequence[float], scale: float = 1.0) -> str:
    """Median and range: "812 (790–830)"."""
    values = sorted(v * scale for v in values)
    if not values:
        return "-"
    if len(values) == 1:
        return _num(values[0])
    return f"{_num(_load.median(values))} ({_num(values[0])}–{_num(values[-1])})"


@dataclass
class Row:
    what: str
    size: str = ""
    rate: str = ""
    p50: str = ""
    p99: str = ""
    ratio: str = ""
    large_small: str = ""
    note: str = ""

    @classmethod
    def measured(
        cls, what: str, size: str, runs: Sequence[Any], ratio: str = "", large_small: str = "", note: str = ""
    ) -> "Row":
        """A row of medians and ranges over `runs` (each with rate, p50 and p99)."""
        return cls(
            what,
            size,
            spread([r.rate for r in runs]),
            spread([r.p50 for r in runs], 1000),
            spread([r.p99 for r in runs], 1000),
            ratio,
            large_small,
            note,
        )


@dataclass
class Report:
    rows: list[Row | str] = field(default_factory=list)
    checks: list[tuple[bool, str]] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)

    quiet: list[tuple[bool, str]] = field(default_factory=list)

    def check(self, ok: bool, text: str, *, quiet: bool = False) -> bool:
        """Record a check; a quiet one is listed only if it fails (and counted otherwise)."""
        (self.quiet if quiet else self.checks).append((ok, text))
        if not (quiet and ok):
            print(f"  {'ok  ' if ok else 'FAIL'} {text}", flush=True)
        return ok

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        print(f"-- {name}", flush=True)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages.append((name, time.perf_counter() - start))

    @property
    def failed(self) -> list[str]:
        return [text for ok, text in self.checks + self.quiet if not ok]

    def print(self, header: str) -> None:
        heads = Row("what", "size", "req/s", "p50 ms", "p99 ms", "× base", "large/small", "")
        table = [heads, *(row for row in self.rows if isinstance(row, Row))]
        widths = [max(len(str(getattr(r, f))) for r in table) for f in ("what", "size", "rate", "p50", "p99")]
        widths += [max(len(r.ratio) for r in table), max(len(r.large_small) for r in table)]

        def line(r: Row) -> str:
            cells = [r.what, r.size, r.rate, r.p50, r.p99, r.ratio, r.large_small]
            text = "  ".join(
                c.ljust(w) if n < 2 else c.rjust(w)
                for n, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            return f"{text}  {r.note}".rstrip()

        print()
        print(header)
        print(line(heads))
        for row in self.rows:
            print(f"\n{row}" if isinstance(row, str) else line(row))
        print("\nChecks:")
        passed = sum(ok for ok, _ in self.quiet)
        if self.quiet:
            print(
                f"  {'ok  ' if passed == len(self.quiet) else 'FAIL'} pages: {passed} of {len(self.quiet)} "
                "checks passed (each page answered 200 with its content, every answer 200, phases right)"
            )
        for ok, text in self.checks + [c for c in self.quiet if not c[0]]:
            print(f"  {'ok  ' if ok else 'FAIL'} {text}")
        print("\nStages:")
        for name, seconds in self.stages:
            print(f"  {name:<44}{seconds:8.1f} s")
        print(f"  {'total':<44}{sum(s for _, s in self.stages):8.1f} s")


# ---- Processes ----------------------------------------------------------------------------------


class Service:
    """A process the harness starts in its own process group and always stops."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.command, self.env = name, command, env
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Service":
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own group: only what it started
            process.wait(timeout=10)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.1)


class Interrupted(Exception):
    pass


def _interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def _out_of_time(_signum: int, _frame: object) -> None:
    raise TimeoutError("the harness ran past its --time-limit")


# ---- The pages measured ---------------------------------------------------------------------------

# Each finds, in a built program (bench/_data.py's Built): the path, who views it, and a text the
# page must contain. A page that a later change adds is one more entry here.
Page = Callable[[Any], tuple[str, Any, str]]


def _url(name: str, *args: object) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


def _session_page(phase: str, *, as_manager: bool = False) -> Page:
    def page(b: Any) -> tuple[str, Any, str]:
        session = b.phase[phase]
        return session.get_absolute_url(), b.manager if as_manager else b.viewer, session.title

    return page


def _reports(*, one_cohort: bool = False) -> Page:
    """Manager > Reports: its default filters, or all time narrowed to the program's first cohort
    (the default filters when it has none)."""

    def page(b: Any) -> tuple[str, Any, str]:
        path = _url("manage:reports", b.program.slug)
        cohort = b.program.cohorts.order_by("pk").first() if one_cohort else None
        if cohort is None:
            return path, b.manager, "Hours of group mentoring"
        return f"{path}?cohort={cohort.pk}&period=all", b.manager, "With a cohort or tag chosen"

    return page


def _member_page(b: Any) -> tuple[str, Any, str]:
    """Manager > Members > the member who views the member pages, as the manager."""
    membership = b.program.memberships.get(user=b.viewer)
    return _url("manage:member", b.program.slug, membership.pk), b.manager, b.viewer.email


PAGES: list[tuple[str, Page]] = [
    *((f"session page: {phase}", _session_page(phase)) for phase in PHASES),
    ("session page: upcoming, as manager", _session_page("upcoming", as_manager=True)),
    ("Personal > Sessions", lambda b: (_url("personal:sessions"), b.viewer, b.phase["live"].title)),
    ("program page", lambda b: (_url("groupsessions:program", b.program.slug), b.viewer, b.program.name)),
    (
        "profile (a host's page)",
        lambda b: (_url("groupsessions:profile", b.host.pk), b.viewer, b.host.full_name),
    ),
    (
        f"Personal > Sessions, a member in {BUSY_SESSIONS:,}",
        lambda b: (_url("personal:sessions"), b.busy, b.busy_title),
    ),
    (
        "profile (a host's page), as that member",
        lambda b: (_url("groupsessions:profile", b.host.pk), b.busy, b.host.full_name),
    ),
    ("Manager > Members", lambda b: (_url("manage:members", b.program.slug), b.manager, b.program.name)),
    ("Manager > Sessions", lambda b: (_url("manage:sessions", b.program.slug), b.manager, b.program.name)),
    ("Manager > Reports", _reports()),
    ("Manager > Reports, one cohort", _reports(one_cohort=True)),
    ("member page (manager)", _member_page),
    ("Personal > Messages", lambda b: (_url("conversations:inbox"), b.viewer, "Phase live session")),
    (
        "conversation (a session's)",
        lambda b: (b.conversation.get_absolute_url(), b.viewer, b.phase["live"].title),
    ),
]


# ---- The run ------------------------------------------------------------------------------------


@dataclass
class Bench:
    cfg: Config
    client: str
    report: Report
    stack: ExitStack  # everything started is stopped when it closes
    port: int = field(default_factory=free_port)
    sink: Sink = field(default_factory=Sink)
    logs: Path = Path()
    env: dict[str, str] = field(default_factory=dict)
    web: Service | None = None
    workers: list[Service] = field(default_factory=list)
    cookies: dict[int, dict[str, str]] = field(default_factory=dict)
    bare_runs: list[Run] = field(default_factory=list)
    postgres: str = "?"  # the server's version

    # -- helpers

    def timed(self, request: Request) -> Run:
        return _load.timed(
            self.port, request, seconds=self.cfg.seconds, connections=self.cfg.connections, client=self.client
        )

    def bare(self) -> Request:
        return Request.get("/bench/bare/")

    def form(self, path: str, user_id: int, fields: dict[str, str]) -> Request:
        from _data import CSRF_SECRET

        return Request.post(path, {**fields, "csrfmiddlewaretoken": CSRF_SECRET}, self.cookies[user_id])

    def tracebacks(self) -> dict[str, int]:
        """Errors the server and the task workers logged (a 500, a task that raised)."""
        return {s.name: s.log().count("Traceback") for s in ([self.web] if self.web else []) + self.workers}

    # -- stages

    def serve(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "mentorcircle.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.cfg.web_workers}",
            "--timeout=120",
            "--graceful-timeout=5",
            "--log-level=warning",
        ]
        self.web = self.stack.enter_context(Service("gunicorn", command, self.env, self.logs))

        def up() -> bool:
            if not self.web or not self.web.alive():
                raise RuntimeError(f"gunicorn exited:\n{self.web.log() if self.web else ''}")
            try:
                return _load.send_one(self.port, self.bare())[0] == 200
            except OSError:
                return False

        wait_until(up, timeout=120, what="gunicorn to answer")
        wait_until(
            lambda: len(children(self.web.pid)) >= self.cfg.web_workers,  # type: ignore[union-attr]
            timeout=60,
            what="every gunicorn worker",
        )

    def pages(self, small: Any, large: Any) -> None:
        self.report.rows.append(
            f"Pages: GET, signed in, {self.cfg.connections} connections, {self.cfg.runs} × "
            f"{self.cfg.seconds:g} s each, every run followed by one of the bare page; "
            "× base = bare req/s ÷ page req/s"
        )
        base_row = Row("bare page (baseline)", "-")
        self.report.rows.append(base_row)
        for label, page in PAGES:
            p50_by_size = {}
            for size, built in (("small", small), ("large", large)):
                path, user, expect = page(built)
                request = Request.get(path, self.cookies[user.pk])
                status, body = _load.send_one(self.port, request)
                if not self.report.check(
                    status == 200 and expect.encode() in body,
                    f"{label} ({size}) answers 200 with its content",
                    quiet=True,
                ):
                    continue
                # Warm-up, not counted: every worker has served the page once or twice.
                warm = [request] * (2 * self.cfg.web_workers)
                _load.batch(self.port, warm, connections=self.cfg.connections, timeout=120)
                runs, bases = [], []
                for _ in range(self.cfg.runs):
                    runs.append(self.timed(request))
                    bases.append(self.timed(self.bare()))
                self.bare_runs += bases
                bad = sum(r.bad([200]) for r in runs) + sum(r.bad([200]) for r in bases)
                self.report.check(bad == 0, f"{label} ({size}): every answer 200 ({bad} others)", quiet=True)
                if label.startswith("session page: "):
                    self._check_phase(built, label.split(": ")[1].split(",")[0])
                p50_by_size[size] = _load.median([r.p50 for r in runs])
                rate = _load.median([r.rate for r in runs])
                print(
                    f"   {label} ({size}): {rate:.1f} req/s, p50 {p50_by_size[size] * 1000:.0f} ms",
                    flush=True,
                )
                self.report.rows.append(
                    Row.measured(
                        label,
                        size,
                        runs,
                        spread([b.rate / r.rate for r, b in zip(runs, bases, strict=True) if r.rate]),
                        _num(p50_by_size["large"] / p50_by_size["small"])
                        if size == "large" and "small" in p50_by_size
                        else "",
                    )
                )
        base_row.rate = spread([r.rate for r in self.bare_runs])
        base_row.p50 = spread([r.p50 for r in self.bare_runs], 1000)
        base_row.p99 = spread([r.p99 for r in self.bare_runs], 1000)
        base_row.note = f"{len(self.bare_runs)} runs, interleaved with the pages"

    def _check_phase(self, built: Any, phase: str) -> None:
        from django.utils import timezone

        from mentorcircle.groupsessions.models import GroupSession

        session = GroupSession.objects.select_related("program").get(pk=built.phase[phase].pk)
        now = session.phase(timezone.now())
        self.report.check(
            now == phase, f"the {phase} session was still {phase} when measured (it is {now})", quiet=True
        )

    def join_storm(self, large: Any) -> None:
        from datetime import timedelta

        from _data import make_session
        from django.db import connection
        from django.utils import timezone

        from mentorcircle.groupsessions.models import Participant

        cfg = self.cfg
        joiners = large.mentees[: cfg.storm_people]
        self.cookies.update(_sign_in(joiners))
        self.report.rows.append(
            f"Join storm: {cfg.storm_people} members join a {cfg.storm_seats}-seat session from "
            f"{cfg.storm_connections} connections released together; × base = INSERT view req/s ÷ joins/s"
        )
        runs, bases = [], []
        for n in range(cfg.runs):
            now = timezone.now()
            session = make_session(
                large, f"Storm {n + 1}", now + timedelta(days=7), now=now, max_participants=cfg.storm_seats
            )
            path = f"/sessions/{session.pk}/join/"
            requests = [self.form(path, user.pk, {}) for user in joiners]
            run = _load.batch(self.port, requests, connections=cfg.storm_connections, timeout=300)
            runs.append(run)
            inserts = [Request.post("/bench/insert/", {"note": f"run {n}"}) for _ in joiners]
            bases.append(_load.batch(self.port, inserts, connections=cfg.storm_connections, timeout=300))

            rows = Participant.objects.filter(session=session)
            seated = rows.filter(status__in=Participant.SEATED).count()
            waitlisted = rows.filter(status=Participant.Status.WAITLISTED).count()
            people = rows.values("user").distinct().count()
            want_wait = cfg.storm_people - (cfg.storm_seats - 1)
            self.report.check(
                seated == cfg.storm_seats
                and waitlisted == want_wait
                and rows.count() == people == cfg.storm_people + 1,
                f"join storm {n + 1}: {seated} seated (want {cfg.storm_seats}: the host + "
                f"{cfg.storm_seats - 1}), {waitlisted} waitlisted (want {want_wait}), {rows.count()} rows "
                f"for {people} people (want {cfg.storm_people} joiners + the host)",
            )
            self.report.check(
                run.bad([302]) == 0,
                f"join storm {n + 1}: every join answered 302 ({dict(run.statuses)}, "
                f"{run.server_errors} 5xx, {run.errors} unanswered{run.error_note})",
            )
            self.report.check(bases[-1].bad([200]) == 0, f"INSERT view {n + 1}: every answer 200")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_insert")
            inserted = cursor.fetchone()[0]
        self.report.check(inserted == cfg.runs * cfg.storm_people, f"INSERT view: {inserted} rows inserted")
        self.report.rows.append(
            Row.measured(
                "INSERT view (baseline)",
                "-",
                bases,
            )
        )
        self.report.rows.append(
            Row.measured(
                "join (POST, then the database checked)",
                "large",
                runs,
                spread([b.rate / r.rate for r, b in zip(runs, bases, strict=True)]),
                note="req/s = joins/s",
            )
        )

    def burst(self, large: Any) -> None:
        from datetime import timedelta

        from _data import make_session
        from django.utils import timezone

        from mentorcircle.groupsessions.models import Participant

        cfg = self.cfg
        people = large.mentees[: cfg.burst_people]
        self.report.rows.append(
            f"Start-time burst: {cfg.burst_people} people open their join links at random moments within "
            f"{cfg.burst_seconds:g} s (at most {cfg.burst_connections} at once); latency counts from each "
            "one's moment; × base = join link p99 ÷ bare page p99 in the same burst"
        )
        rng = random.Random(7)
        runs, bases = [], []
        for n in range(cfg.runs):
            now = timezone.now()
            session = make_session(
                large,
                f"Burst {n + 1}",
                now + timedelta(minutes=30),  # the call is open: joinable
                now=now,
                max_participants=cfg.burst_people + 1,
                registered=people,
            )
            rows = {
                p.pk: p
                for p in Participant.objects.filter(session=session, status=Participant.Status.REGISTERED)
            }
            offsets = [rng.uniform(0, cfg.burst_seconds) for _ in rows]
            links = [Request.get(p.join_path()) for p in rows.values()]
            run = _load.burst(self.port, links, offsets, connections=cfg.burst_connections, timeout=300)
            runs.append(run)
            bare = [self.bare() for _ in rows]
            bases.append(
                _load.burst(self.port, bare, offsets, connections=cfg.burst_connections, timeout=300)
            )

            self.report.check(
                run.bad([302]) == 0,
                f"burst {n + 1}: every join link answered 302 into the call ({dict(run.statuses)}, "
                f"{run.errors} unanswered{run.error_note})",
            )
            first = dict(
                Participant.objects.filter(
                    session=session, attended=True, joined_at__isnull=False
                ).values_list("pk", "joined_at")
            )
            host_came = Participant.objects.filter(session=session, status="host", attended=True).exists()
            again = _load.batch(self.port, links, connections=8, timeout=300)
            second = dict(
                Participant.objects.filter(
                    session=session, attended=True, joined_at__isnull=False
                ).values_list("pk", "joined_at")
            )
            self.report.check(
                set(first) == set(rows) and not host_came and second == first and again.bad([302]) == 0,
                f"burst {n + 1}: {len(first)} of {len(rows)} recorded as attended, each once (opening "
                f"every link again changed {sum(first.get(k) != v for k, v in second.items())} first-join "
                "times)",
            )
        self.report.rows.append(
            Row.measured(
                "bare page, same burst (baseline)",
                "-",
                bases,
            )
        )
        self.report.rows.append(
            Row.measured(
                "join links (GET /join/<token>/)",
                "large",
                runs,
                spread([r.p99 / b.p99 for r, b in zip(runs, bases, strict=True)]),
                note="bare req/s ÷ join req/s: "
                + spread([b.rate / r.rate for r, b in zip(runs, bases, strict=True)]),
            )
        )

    def start_workers(self) -> None:
        for n in range(self.cfg.task_workers):
            command = [sys.executable, "manage.py", "worker"]
            self.workers.append(
                self.stack.enter_context(Service(f"worker-{n + 1}", command, self.env, self.logs))
            )

    def emails(self, large: Any) -> None:
        from datetime import timedelta

        from _data import make_session
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        from mentorcircle.notifications.models import Delivery, FailedDelivery

        cfg = self.cfg
        manager = large.manager

        def session_for(count: int, title: str) -> tuple[Any, set[str]]:
            """A session hosted by the manager with `count` people to tell: seated, waitlisted, invited."""
            seats = max(2, count // 2)
            registered = min(seats - 1, count)
            invited = (count - registered) // 5
            people = large.mentees[:count]
            now = timezone.now()
            session = make_session(
                large,
                title,
                now + timedelta(days=5),
                now=now,
                max_participants=seats,
                host=manager,
                registered=people[:registered],
                invited=people[registered : registered + invited],
                waitlisted=people[registered + invited :],
            )
            return session, {p.email for p in people}

        def cancel(session: Any) -> tuple[float, int]:
            request = self.form(f"/sessions/{session.pk}/cancel/", manager.pk, {"reason": "The room flooded"})
            start = time.perf_counter()
            status, _ = _load.send_one(self.port, request)
            return time.perf_counter() - start, status

        # Nothing queued before (the join storm's confirmations) may reach the sink.
        DBTaskResult.objects.all().delete()
        self.sink.take()
        self.start_workers()
        warm, warm_to = session_for(4, "Cancel warm-up")
        cancel(warm)
        self.report.check(
            self.sink.wait_for(len(warm_to), timeout=180),
            "task workers up: the warm-up cancel's emails arrived",
        )
        time.sleep(1)
        self.sink.take()

        self.report.rows.append(
            f"Cancel: the host cancels a session with {cfg.emails:,} people to tell (seated, waitlisted, "
            f"invited); {cfg.task_workers} task workers (manage.py worker) send to an aiosmtpd sink; "
            "× base = delivery time ÷ plain smtplib's time for the same messages (one connection)"
        )
        latencies, delivered, first, plain = [], [], [], []
        for n in range(cfg.runs):
            session, expected = session_for(cfg.emails, f"Cancel {n + 1}")
            start = time.perf_counter()
            latency, status = cancel(session)
            latencies.append(latency)
            arrived = self.sink.wait_for(cfg.emails, timeout=max(120, cfg.emails * 0.5))
            time.sleep(1)  # anything extra would show up now
            messages = self.sink.take()
            delivered.append((max((m.at for m in messages), default=start) - start) if arrived else math.nan)
            first.append(min((m.at for m in messages), default=math.nan) - start)
            recipients = [r for m in messages for r in m.recipients]
            sent = Delivery.objects.filter(session=session, kind="cancelled", sent_at__isnull=False).count()
            failed = FailedDelivery.objects.filter(session=session).count()
            self.report.check(
                status == 302
                and arrived
                and sorted(recipients) == sorted(expected)
                and sent == cfg.emails
                and not failed,
                f"cancel {n + 1}: answered {status}; {len(messages)} emails arrived, one to each of the "
                f"{len(expected)} people; {sent} deliveries recorded, {failed} failed",
            )
            plain.append(smtplib_send(self.sink.port, messages) if messages else math.nan)
            self.sink.take()
        self.report.rows.append(
            Row(
                "cancel request (POST)",
                "large",
                p50=spread(latencies, 1000),
                note="latency of the one request, median of the runs",
            )
        )
        self.report.rows.append(
            Row(
                f"all {cfg.emails:,} emails delivered",
                "large",
                spread([cfg.emails / s for s in delivered]),
                ratio=spread([d / p for d, p in zip(delivered, plain, strict=True)]),
                note=f"req/s = emails/s; {spread(delivered)} s from the cancel to the last email, "
                f"{spread(first)} s to the first",
            )
        )
        self.report.rows.append(
            Row(
                "plain smtplib, same messages (baseline)",
                "-",
                spread([cfg.emails / s for s in plain]),
                note=f"{spread(plain)} s",
            )
        )

    def memory(self) -> None:
        web = [rss_mib(pid) for pid in children(self.web.pid)] if self.web else []
        tasks = [rss_mib(w.pid) for w in self.workers]
        self.report.rows.append("Memory (resident set size, after the runs above)")
        self.report.rows.append(
            Row("web worker (gunicorn)", note=f"{_num(max(web))} MiB (largest of {len(web)}: {spread(web)})")
        )
        if tasks:
            self.report.rows.append(
                Row(
                    "task worker (manage.py worker)", note=f"{_num(max(tasks))} MiB (largest of {len(tasks)})"
                )
            )


def _sign_in(users: Sequence[Any]) -> dict[int, dict[str, str]]:
    from _data import sign_in
    from django.utils import timezone

    return sign_in(users, now=timezone.now())


def bench_env(database_url: str, port: int, smtp_port: int) -> dict[str, str]:
    """The environment of the harness, gunicorn and the task workers: production settings
    (DEBUG=false) over plain HTTP on 127.0.0.1, email to the sink, the baselines switched on."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="mentorcircle.settings",
        DEBUG="false",
        BENCHMARK_MODE="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="false",  # no TLS proxy in front here
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        TASKS_BACKEND="database",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    return env


def run(bench: Bench, server_url: str) -> None:
    cfg, report, stack = bench.cfg, bench.report, bench.stack
    bench.logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mentorcircle-bench-")))
    bench.sink.start()
    stack.callback(bench.sink.stop)

    with report.stage("create the database and migrate"):
        url = stack.enter_context(throwaway_postgres(server_url))
        bench.env = bench_env(url, bench.port, bench.sink.port)
        os.environ.update(bench.env)
        django_setup("unused")  # DATABASE_URL is set: migrates the new database
        from django.db import connection, connections

        stack.callback(connections.close_all)  # before the database is dropped
        bench.postgres = ".".join(str(connection.pg_version // n % 100) for n in (10_000, 1))  # type: ignore[attr-defined]
    with report.stage("collectstatic"):
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)

    from _data import build_program
    from django.utils import timezone

    now = timezone.now()
    with report.stage(f"build the small program ({cfg.small.members:,} members)"):
        small = build_program("small", "Small Program", cfg.small, now=now)
    with report.stage(f"build the large program ({cfg.large.members:,} members)"):
        large = build_program("large", "Large Program", cfg.large, now=now, seed=2)
    with report.stage("vacuum analyze, sign-in sessions"):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, note text NOT NULL)")
            cursor.execute("VACUUM ANALYZE")
        bench.cookies = _sign_in([person for b in (small, large) for person in (b.viewer, b.manager, b.busy)])
    for built in (small, large):
        print(f"   {built.program.name}: {built.counts}", flush=True)

    with report.stage(f"start gunicorn ({cfg.web_workers} workers)"):
        bench.serve()
    if "pages" in cfg.stages:
        with report.stage("pages"):
            bench.pages(small, large)
    if "joins" in cfg.stages:
        with report.stage("join storm"):
            bench.join_storm(large)
    if "burst" in cfg.stages:
        with report.stage("start-time burst"):
            bench.burst(large)
    if "emails" in cfg.stages:
        with report.stage("cancel and emails"):
            bench.emails(large)
    bench.memory()
    logged = bench.tracebacks()
    report.check(
        not any(logged.values()), f"no traceback in the logs of gunicorn and the task workers {logged}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 s per measurement")
    parser.add_argument("--seconds", type=float, help="length of each timed run")
    parser.add_argument("--runs", type=int, help="runs of each measurement (each followed by its baseline)")
    parser.add_argument("--connections", type=int, help="connections for the pages")
    parser.add_argument("--web-workers", type=int, help="gunicorn workers")
    parser.add_argument("--task-workers", type=int, help="manage.py worker processes")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--time-limit", type=int, help="seconds before the run is stopped")
    parser.add_argument(
        "--only",
        action="append",
        choices=FULL.stages,
        help="measure only this (repeat for several); the database is built in full all the same",
    )
    args = parser.parse_args()
    cfg = SMOKE if args.smoke else FULL
    overrides = {
        "seconds": args.seconds,
        "runs": args.runs,
        "connections": args.connections,
        "web_workers": args.web_workers,
        "task_workers": args.task_workers,
        "time_limit": args.time_limit,
        "stages": tuple(args.only) if args.only else None,
    }
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    client = args.client
    if client == "auto":
        client = "wrk" if _load.wrk_available() else "python"
    elif client == "wrk" and not _load.wrk_available():
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --client python")
    server_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (4096, max(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    )

    report = Report()
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(cfg.time_limit)
    started = time.strftime("%Y-%m-%d %H:%M")
    load_before = os.getloadavg()[0]
    error: BaseException | None = None
    with ExitStack() as stack:
        bench = Bench(cfg=cfg, client=client, report=report, stack=stack)
        try:
            run(bench, server_url)
        except Exception as failure:  # noqa: BLE001 - reported below, after cleanup
            error = failure
            for service in ([bench.web] if bench.web else []) + bench.workers:
                tail = "\n".join(service.log().splitlines()[-30:])
                print(f"--- last lines of {service.name}'s log ---\n{tail}")
        finally:
            signal.alarm(0)
            print(
                "-- stopping gunicorn, the task workers and the SMTP sink; dropping the database", flush=True
            )
    header = (
        f"MentorCircle benchmark, {started}, {'smoke' if args.smoke else 'full'} sizes"
        f"{'' if cfg.stages == FULL.stages else ' (only ' + ', '.join(cfg.stages) + ')'}: PostgreSQL "
        f"{bench.postgres}, gunicorn {cfg.web_workers} sync workers, load client {client}; medians of "
        f"{cfg.runs} runs (min–max), on {os.cpu_count()} CPUs (load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end)"
    )
    report.print(header)
    if error is not None:
        raise SystemExit(f"\nFAILED: {type(error).__name__}: {error}")
    if report.failed:
        raise SystemExit(f"\nFAILED: {len(report.failed)} checks failed")


if __name__ == "__main__":
    main()
