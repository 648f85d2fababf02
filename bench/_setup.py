"""Shared set-up for the benchmarks: a throwaway database, migrated, and Django ready."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
