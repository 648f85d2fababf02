"""Shared set-up for the benchmarks: a throwaway database, migrated, and Django ready."""

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Each program of bench/harness.py has one session in each phase of a session's life.
PHASES = ("upcoming", "joinable", "live", "ended", "cancelled")
# A member of each program has a place in this many of its other sessions (bench/_data.py).
BUSY_SESSIONS = 2000


@dataclass(frozen=True)
class Size:
    """One program of bench/harness.py."""

    members: int
    sessions: int  # the program's sessions, the five phase sessions included
    participants: int  # rows in its other sessions, hosts included
    cohorts: int
    tags: int


def django_setup(default_db: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / default_db}")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorcircle.settings")
    os.environ.setdefault("TASKS_BACKEND", "database")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("flush", interactive=False, verbosity=0) if _migrated() else None
    call_command("migrate", verbosity=0)


def _migrated() -> bool:
    from django.db import connection

    return "groupsessions_groupsession" in connection.introspection.table_names()


@contextmanager
def throwaway_postgres(server_url: str, prefix: str = "mentorcircle_bench") -> Iterator[str]:
    """Create an empty database on the PostgreSQL server `server_url` names (its database name
    is ignored) and yield its URL; drop it on the way out, whatever happened."""
    import psycopg

    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"DATABASE_URL must name a PostgreSQL server, not {parts.scheme or server_url!r}")
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def production_postgres(prefix: str) -> Iterator[None]:
    """Django set up as in production (DEBUG off, static files collected) for the test client,
    on a throwaway, migrated PostgreSQL database on the server DATABASE_URL names (default
    DEFAULT_SERVER); its connections are closed and the database dropped on the way out."""
    with throwaway_postgres(os.environ.get("DATABASE_URL", DEFAULT_SERVER), prefix) as url:
        os.environ.update(
            DATABASE_URL=url,
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="testserver",
            SECURE_SSL_REDIRECT="false",
            EMAIL_HOST="127.0.0.1",
            TASKS_BACKEND="database",
            LOG_LEVEL="WARNING",
        )
        django_setup("unused")
        from django.core.management import call_command
        from django.db import connections

        call_command("collectstatic", interactive=False, verbosity=0)  # production's static files
        try:
            yield
        finally:
            connections.close_all()
