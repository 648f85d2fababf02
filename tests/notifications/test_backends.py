"""The task backends: RQ on Redis runs the same tasks as the database backend, and
`manage.py worker` starts the right worker for the configured backend.

The RQ tests use Redis at $REDIS_TEST_URL (default: database 15 of the local Redis) and touch only
their own queue there. Without Redis they are skipped, unless REQUIRE_REDIS=1 (as in CI).
"""

import os
from datetime import timedelta
from unittest import mock

import django_rq
import pytest
import redis
from django.core.management import call_command, load_command_class
from django.utils import timezone
from rq import SimpleWorker

from mentorcircle.groupsessions.models import GroupSession
from tests.notifications.conftest import create, join, subjects

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
TITLE = "Negotiating your first salary"


def clear(queue) -> None:
    """Empty this queue and its registries (and nothing else in Redis)."""
    queue.empty()
    registries = (
        queue.scheduled_job_registry,
        queue.started_job_registry,
        queue.finished_job_registry,
        queue.failed_job_registry,
        queue.deferred_job_registry,
        queue.canceled_job_registry,
    )
    for registry in registries:
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


@pytest.fixture
def rq_queue(settings):
    connection = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        message = f"Redis not reachable at {REDIS_TEST_URL} ({error}); start Redis or set REDIS_TEST_URL"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        connection.close()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_TEST_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    clear(queue)
    yield queue
    clear(queue)


def work(*, with_scheduler: bool = False) -> None:
    """A burst RQ worker in this process (so it shares the test's database transaction and
    mail.outbox), with the job class the settings configure, as `manage.py rqworker` uses."""
    django_rq.get_worker("default", worker_class=SimpleWorker).work(burst=True, with_scheduler=with_scheduler)


# Committed for real (transactional_db), as in production: what a task hands on after its commit
# goes straight to Redis.
committed_for_real = pytest.mark.usefixtures("transactional_db")


@committed_for_real
def test_on_rq_a_registration_is_mailed_by_a_worker(personas, rq_queue):
    session = create(personas.program, personas.mentor, starts_at=timezone.now() + timedelta(days=3))
    join(session, personas.mentee)
    assert rq_queue.count == 2  # the host's reminders to schedule, and the registration
    assert subjects(personas.mentee) == []

    work()

    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]
    assert subjects(personas.mentor) == [f"Mina Mentee registered for {TITLE}"]
    assert rq_queue.failed_job_registry.count == 0


@committed_for_real
def test_on_rq_reminders_and_the_decision_run_at_their_time_with_the_scheduler(
    personas, rq_queue, time_machine
):
    starts_at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    session = create(personas.program, personas.mentor, starts_at=starts_at)
    join(session, personas.mentee)
    work()
    # the decision, the follow-up after the end, two reminders each for host and mentee
    assert rq_queue.scheduled_job_registry.count == 6

    time_machine.move_to(starts_at - timedelta(hours=24))
    work()  # without the scheduler, deferred tasks never run
    assert [s for s in subjects(personas.mentee) if s.startswith("Reminder")] == []

    work(with_scheduler=True)

    assert f"Reminder: {TITLE} starts tomorrow" in subjects(personas.mentee)
    assert f"Reminder: {TITLE} starts tomorrow" in subjects(personas.mentor)
    assert f"Confirmed: {TITLE} will be held" in subjects(personas.mentee)
    session.refresh_from_db()
    assert session.status == GroupSession.Status.CONFIRMED
    assert rq_queue.failed_job_registry.count == 0


# ---- manage.py worker --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "app", "command", "args", "options"),
    [
        ("rq", "django_rq", "rqworker", ("default",), {"with_scheduler": True}),
        ("database", "django_tasks_db", "db_worker", (), {"interval": 1.0}),
    ],
)
def test_the_worker_command_starts_the_worker_of_the_configured_backend(
    settings, backend, app, command, args, options
):
    settings.TASKS_BACKEND = backend
    worker = "mentorcircle.core.management.commands.worker"

    with (
        mock.patch(f"{worker}.call_command") as run,
        mock.patch(f"{worker}.requeue_stalled_tasks") as sweep,
        mock.patch(f"{worker}.threading.Thread") as thread,
    ):
        call_command("worker")

    assert run.call_args_list == [mock.call(command, *args, **options)]
    # the database worker first puts back what a dead worker left, then keeps sweeping beside it
    assert sweep.called == (backend == "database")
    assert thread.return_value.start.called == (backend == "database")
    # and those are options the real command has
    parser = load_command_class(app, command).create_parser("manage.py", command)
    assert set(options) <= {action.dest for action in parser._actions}


def test_the_worker_command_needs_no_worker_for_the_immediate_backend(settings, capsys):
    settings.TASKS_BACKEND = "immediate"

    with mock.patch("mentorcircle.core.management.commands.worker.call_command") as run:
        call_command("worker")

    run.assert_not_called()
    assert "no worker needed" in capsys.readouterr().out
