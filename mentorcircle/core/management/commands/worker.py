import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from mentorcircle.core.recovery import requeue_stalled_tasks

SWEEP_EVERY = 60.0  # seconds


def _sweep_forever(stop: threading.Event) -> None:
    """Beside a database worker: every minute, requeue what a dead worker left behind."""
    while not stop.wait(SWEEP_EVERY):
        try:
            requeue_stalled_tasks()
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Run a background worker for the configured TASKS_BACKEND (start as many as you need)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if settings.TASKS_BACKEND == "rq":
            # The scheduler is what runs tasks enqueued with run_after (reminders, decisions).
            call_command("rqworker", "default", with_scheduler=True)
        elif settings.TASKS_BACKEND == "database":
            requeue_stalled_tasks()
            stop = threading.Event()
            threading.Thread(target=_sweep_forever, args=(stop,), daemon=True).start()
            try:
                call_command("db_worker", interval=1.0)
            finally:
                stop.set()
        else:
            self.stdout.write("TASKS_BACKEND=immediate runs tasks in the request; no worker needed.")
