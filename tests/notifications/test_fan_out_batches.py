"""A big fan-out is shared out in tasks of FANOUT_BATCH people, each sending over one mail
connection, and still tells each person once however often its tasks run."""

from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentorcircle.notifications import tasks
from tests.helpers import run_tasks
from tests.notifications.conftest import cancel, create, crowd
from tests.notifications.test_delivery import cancellations, enqueue_again, stored

pytestmark = pytest.mark.usefixtures("clock")
HERE = __name__


class CountsConnections(LocmemBackend):
    """The test outbox, with connections kept as the SMTP backend keeps them: a send over a
    connection that is not open opens one for itself and closes it afterwards."""

    opened = 0
    still_open: set[int] = set()

    def open(self) -> bool:
        if id(self) in CountsConnections.still_open:
            return False
        CountsConnections.opened += 1
        CountsConnections.still_open.add(id(self))
        return True

    def close(self) -> None:
        CountsConnections.still_open.discard(id(self))

    def send_messages(self, messages):
        created = self.open()
        try:
            return super().send_messages(messages)
        finally:
            if created:
                self.close()


@pytest.fixture
def counted_connections(settings):
    settings.EMAIL_BACKEND = f"{HERE}.CountsConnections"
    CountsConnections.opened = 0
    CountsConnections.still_open = set()
    return CountsConnections


def test_cancelling_a_session_of_250_is_shared_out_in_3_tasks_that_tell_each_person_once(personas):
    session = create(personas.program, personas.mentor, max_participants=300)
    people = crowd(session, 250)
    cancel(session, personas.mentor)
    assert len(stored(tasks.session_cancelled)) == 1

    run_tasks()

    batches = [
        result
        for result in stored(tasks.session_cancelled)
        if "participant_ids" in result.args_kwargs["kwargs"]
    ]
    assert [len(result.args_kwargs["kwargs"]["participant_ids"]) for result in batches] == [100, 100, 50]
    assert cancellations() == Counter({person.email: 1 for person in people})

    sent = len(mail.outbox)
    done = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL)
    for result in list(done):
        enqueue_again(result)
    run_tasks()

    assert len(mail.outbox) == sent


@pytest.mark.parametrize(("people", "connections"), [(100, 1), (250, 3)])
def test_each_task_of_a_fan_out_sends_over_one_connection(personas, counted_connections, people, connections):
    session = create(personas.program, personas.mentor, max_participants=300)
    crowd(session, people)
    run_tasks()
    counted_connections.opened = 0

    cancel(session, personas.mentor)
    run_tasks()

    assert len(cancellations()) == people
    assert counted_connections.opened == connections
    assert counted_connections.still_open == set()


def test_a_batch_tells_only_its_own_people_and_only_while_the_session_is_cancelled(personas):
    session = create(personas.program, personas.mentor)
    first, second = crowd(session, 2)
    own = session.participants.get(user=first).pk

    tasks.session_cancelled.enqueue(session_id=session.pk, participant_ids=[own])
    run_tasks()
    assert cancellations() == Counter()  # not cancelled

    cancel(session, personas.mentor)
    DBTaskResult.objects.filter(
        task_path=tasks.session_cancelled.module_path, status=TaskResultStatus.READY
    ).delete()
    tasks.session_cancelled.enqueue(session_id=session.pk, participant_ids=[own])
    run_tasks()

    assert cancellations() == Counter({first.email: 1})
