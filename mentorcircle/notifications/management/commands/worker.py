from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background worker for the configured TASKS_BACKEND (start as many as you need)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if settings.TASKS_BACKEND == "rq":
            # The scheduler is what runs tasks enqueued with run_after (reminders, decisions).
            call_command("rqworker", "default", with_scheduler=True)
        elif settings.TASKS_BACKEND == "database":
            call_command("db_worker", interval=1.0)
        else:
            self.stdout.write("TASKS_BACKEND=immediate runs tasks in the request; no worker needed.")
