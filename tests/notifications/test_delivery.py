"""No email is lost or sent twice: a retried or duplicated task sends nothing new, a fan-out that
dies halfway finishes on the next run without doubling anyone, and a big fan-out happens in the
background, not in the request."""

from collections import Counter
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentorcircle.notifications import emails, tasks
from mentorcircle.notifications.models import Delivery, Notice
from mentorcircle.programs.services import members_import_csv
from tests.helpers import run_tasks
from tests.notifications.conftest import cancel, committed, create, crowd, invite, join, leave, subjects

pytestmark = pytest.mark.usefixtures("clock")
TITLE = "Negotiating your first salary"


def stored(task) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task.module_path).order_by("enqueued_at"))


def enqueue_again(result: DBTaskResult) -> None:
    """What a retry or a duplicate delivery of a task does: the same call, once more."""
    import_string(result.task_path).enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])


def cancellations() -> Counter[str]:
    return Counter(m.to[0] for m in mail.outbox if m.subject == f"Cancelled: {TITLE}")


def test_a_duplicated_task_sends_nothing_the_second_time(personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    (registered,) = stored(tasks.participant_registered)
    enqueue_again(registered)

    run_tasks()

    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]
    assert subjects(personas.mentor) == [f"Mina Mentee registered for {TITLE}"]


def test_an_invitation_task_run_twice_sends_one_email_and_one_notice(personas):
    session = create(personas.program, personas.mentor)
    invite(session, personas.mentor, personas.mentee)
    run_tasks()
    (invited,) = stored(tasks.participant_invited)

    enqueue_again(invited)
    run_tasks()

    assert subjects(personas.mentee) == [f"Theo Mentor invited you: {TITLE}"]
    assert Notice.objects.filter(user=personas.mentee).count() == 1


@pytest.mark.usefixtures("tour")
def test_running_every_task_of_a_session_again_sends_nothing_new():
    sent, notices = len(mail.outbox), Notice.objects.count()
    done = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL)
    assert {result.task_path.rsplit(".", 1)[1] for result in done} >= {
        "participant_invited",
        "participant_registered",
        "participant_waitlisted",
        "participant_promoted",
        "participant_left",
        "invitation_declined",
        "session_updated",
        "session_cancelled",
        "session_confirmed",
        "decide_session",
        "send_reminder",
    }

    ran_before = done.count()
    for result in list(done):
        enqueue_again(result)
    run_tasks()

    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 2 * ran_before
    assert len(mail.outbox) == sent
    assert Notice.objects.count() == notices


def fails_after(sends: int, real):
    """A stand-in for `real` that works `sends` times, then raises as a lost mail server would."""
    calls = 0

    def flaky(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls > sends:
            raise ConnectionError("Connection to the mail server lost")
        return real(*args, **kwargs)

    return flaky


@pytest.mark.parametrize(
    ("target", "real"),
    [
        ("mentorcircle.notifications.emails._deliver", emails._deliver),
        ("django.core.mail.backends.locmem.EmailBackend.send_messages", EmailBackend.send_messages),
    ],
    ids=["dies-while-sending", "mail-server-fails"],
)
def test_a_fan_out_that_dies_halfway_finishes_on_the_next_run_with_one_email_each(personas, target, real):
    session = create(personas.program, personas.mentor)
    people = crowd(session, 30)
    cancel(session, personas.mentor)

    with mock.patch(target, autospec=True, side_effect=fails_after(12, real)):
        run_tasks(fail_on_error=False)

    (first_run,) = stored(tasks.session_cancelled)
    assert first_run.status == TaskResultStatus.FAILED
    assert "Connection to the mail server lost" in first_run.traceback
    assert sum(cancellations().values()) == 12
    assert Delivery.objects.filter(kind="cancelled").count() == 12  # nothing recorded that was not sent

    enqueue_again(first_run)
    run_tasks()

    assert cancellations() == Counter({person.email: 1 for person in people})


def test_cancelling_a_session_with_1000_participants_returns_at_once_and_the_worker_mails_them(
    personas, client, django_assert_max_num_queries
):
    session = create(personas.program, personas.mentor, max_participants=1000)
    people = crowd(session, 999)  # with the host, 1,000 seated
    people += crowd(session, 1, status="waitlisted")
    client.force_login(personas.mentor)

    # The request costs the same few queries whatever the size; the fan-out is one task.
    with committed(), django_assert_max_num_queries(20):
        response = client.post(reverse("groupsessions:cancel", args=[session.pk]), {"reason": "Venue closed"})
    assert response.status_code == 302
    assert mail.outbox == []
    assert len(stored(tasks.session_cancelled)) == 1

    run_tasks()

    assert cancellations() == Counter({person.email: 1 for person in people})
    assert len(mail.outbox) == 1000


def test_join_leave_and_join_again_before_the_worker_runs_sends_one_confirmation(personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    leave(session, personas.mentee)
    join(session, personas.mentee)

    run_tasks()

    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]
    assert subjects(personas.mentor) == [f"Mina Mentee registered for {TITLE}"]


def test_join_then_leave_before_the_worker_runs_sends_only_the_leaving_email(personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    leave(session, personas.mentee)

    run_tasks()

    assert subjects(personas.mentee) == [f"You left: {TITLE}"]
    assert subjects(personas.mentor) == []


# ---- Telling people they were added to a program ------------------------------------------------


def import_members(personas, count: int):
    rows = "".join(f"new{i}@example.org,New Person {i},mentee\n" for i in range(count))
    with committed():
        return members_import_csv(
            program=personas.program, data=f"email,name,role\n{rows}".encode(), invited_by=personas.manager
        )


def test_a_big_csv_import_mails_nobody_from_the_request_and_the_worker_tells_each_once(personas):
    report = import_members(personas, 250)

    assert report.count("created") == 250
    assert mail.outbox == []  # the request itself sent nothing
    assert len(stored(tasks.member_invitations)) == 3  # short tasks of a hundred people at most

    run_tasks()

    assert Counter(m.to[0] for m in mail.outbox) == Counter({f"new{i}@example.org": 1 for i in range(250)})
    assert {m.subject for m in mail.outbox} == {"You've been added to Alpha Mentoring on MentorCircle"}


def test_an_invitation_task_run_again_after_an_import_sends_nobody_a_second_email(personas):
    import_members(personas, 3)
    run_tasks()
    (first_run,) = stored(tasks.member_invitations)

    enqueue_again(first_run)
    run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == [f"new{i}@example.org" for i in range(3)]
    assert Delivery.objects.filter(kind="member-invitation").count() == 3
