from django.core.management.base import BaseCommand

from mentorcircle.core.recovery import requeue_stalled_tasks


class Command(BaseCommand):
    help = "Put tasks left RUNNING by a dead worker, or FAILED by a passing error, back in the queue."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        count = requeue_stalled_tasks()
        self.stdout.write(f"Requeued {count} task{'s' if count != 1 else ''}.")
