"""Put background tasks that a dead worker or a passing failure left behind back in the queue.

With the database backend a task whose worker died stays RUNNING, and one that raised (an SMTP
server briefly down, say) stays FAILED; nothing runs them again. Re-running is safe because
every email is recorded under a unique key before it counts as sent. A failed task waits longer
before each new attempt (2, 4, 8, 16 minutes), and after the last one it is left FAILED; the
emails it could not send stay listed (admin, `manage.py failed_emails`).
"""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

STUCK_AFTER = timedelta(minutes=15)
RETRY_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def retry_delay(attempts: int, *, retry_after: timedelta = RETRY_AFTER) -> timedelta:
    """How long a task that has failed `attempts` times waits before it runs again."""
    return retry_after * int(2 ** max(attempts - 1, 0))


def requeue_stalled_tasks(
    *,
    now: datetime | None = None,
    stuck_after: timedelta = STUCK_AFTER,
    retry_after: timedelta = RETRY_AFTER,
    max_attempts: int = MAX_ATTEMPTS,
) -> int:
    """Make ready again: tasks RUNNING for longer than `stuck_after` (their worker is gone), and
    tasks that FAILED, have had fewer than `max_attempts` runs and have waited their retry_delay
    since the last one. Returns how many were put back."""
    now = now or timezone.now()
    stuck = Q(status=TaskResultStatus.RUNNING, started_at__lt=now - stuck_after)
    failed = Q(status=TaskResultStatus.FAILED, finished_at__lt=now - retry_after)
    requeued = 0
    for result in DBTaskResult.objects.filter(stuck | failed).only(
        "pk", "status", "worker_ids", "finished_at"
    ):
        if result.status == TaskResultStatus.FAILED:
            attempts = len(result.worker_ids)
            if attempts >= max_attempts:
                continue  # given up: left FAILED for an operator to look at in the admin
            finished_at = result.finished_at or now
            if now < finished_at + retry_delay(attempts, retry_after=retry_after):
                continue  # its pause is not over yet
        requeued += DBTaskResult.objects.filter(pk=result.pk, status=result.status).update(
            status=TaskResultStatus.READY, started_at=None, finished_at=None, run_after=now
        )
    return requeued
