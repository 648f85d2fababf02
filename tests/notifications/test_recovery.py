"""Tasks a dead worker left RUNNING, or a passing error left FAILED, are put back and finish,
without sending anybody anything twice."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentorcircle.core.recovery import MAX_ATTEMPTS, requeue_stalled_tasks
from mentorcircle.notifications import tasks
from tests.helpers import run_tasks
from tests.notifications.conftest import create, join, member, subjects

pytestmark = pytest.mark.usefixtures("clock")
TITLE = "Negotiating your first salary"


def registration_task() -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=tasks.participant_registered.module_path)


def test_a_task_left_running_by_a_dead_worker_is_requeued_and_sends_its_email(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    result = registration_task()
    # The worker took it and died before finishing.
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["dead"]
    )
    run_tasks()
    assert subjects(personas.mentee) == []

    clock.shift(timedelta(minutes=20))
    assert requeue_stalled_tasks() == 1
    run_tasks()

    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]


def test_a_running_task_is_left_alone_while_its_worker_may_still_be_on_it(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    DBTaskResult.objects.filter(pk=registration_task().pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now()
    )
    clock.shift(timedelta(minutes=5))

    assert requeue_stalled_tasks() == 0
    assert registration_task().status == TaskResultStatus.RUNNING


def test_a_failed_task_is_retried_and_a_retry_after_a_partial_send_doubles_nobody(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    # The confirmation went out, then the host's note failed (say the SMTP server hung up).
    original = tasks.emails.host_new_registration

    def flaky(*args, **kwargs):
        raise ConnectionError("SMTP went away")

    tasks.emails.host_new_registration = flaky
    try:
        run_tasks(fail_on_error=False)
    finally:
        tasks.emails.host_new_registration = original
    assert registration_task().status == TaskResultStatus.FAILED
    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]

    clock.shift(timedelta(minutes=5))
    call_command("requeue_tasks", stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_tasks()

    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]
    assert subjects(personas.mentor) == [f"Mina Mentee registered for {TITLE}"]


def test_a_task_that_keeps_failing_is_given_up_after_the_last_attempt(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    given_up = registration_task()
    # A second registration's task has one attempt left: the same sweep puts it back.
    second = member(personas.program, full_name="Sam Second")
    join(session, second)
    last_chance = DBTaskResult.objects.exclude(pk=given_up.pk).get(task_path=given_up.task_path)
    for result, attempts in [(given_up, MAX_ATTEMPTS), (last_chance, MAX_ATTEMPTS - 1)]:
        DBTaskResult.objects.filter(pk=result.pk).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            worker_ids=[f"w{n}" for n in range(attempts)],
        )
    # Past both pauses (16 minutes before a fifth attempt, 32 before a sixth): only the limit holds one back.
    clock.shift(timedelta(minutes=40))

    assert requeue_stalled_tasks() == 1
    run_tasks()

    assert subjects(second) == [f"You're registered: {TITLE}"]
    assert DBTaskResult.objects.get(pk=given_up.pk).status == TaskResultStatus.FAILED
    assert subjects(personas.mentee) == []
