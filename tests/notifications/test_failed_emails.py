"""An email that cannot be sent does not stop the rest of the work, is retried with growing
pauses, and stays listed for operators (the admin, `manage.py failed_emails`) until it goes out."""

import io
import smtplib
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentorcircle.core.recovery import MAX_ATTEMPTS, requeue_stalled_tasks
from mentorcircle.notifications import tasks
from mentorcircle.notifications.models import FailedDelivery
from mentorcircle.programs.services import members_import_csv
from tests.factories import UserFactory
from tests.helpers import page_text, run_tasks
from tests.notifications.conftest import cancel, committed, create, crowd, join, member, subjects

pytestmark = pytest.mark.usefixtures("clock")
TITLE = "Negotiating your first salary"
HERE = "tests.notifications.test_failed_emails"


class MailServerDown(BaseEmailBackend):
    """Every send fails, as with an SMTP server that is down."""

    def send_messages(self, _email_messages):
        raise smtplib.SMTPException("421 Service not available")


class RefusesOneAddress(LocmemBackend):
    """Delivers like the test outbox, except to one address the server refuses."""

    refused = "bounce@example.org"

    def send_messages(self, messages):
        for message in messages:
            if self.refused in message.to:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"No such user")})
        return super().send_messages(messages)


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = f"{HERE}.MailServerDown"
    return settings


def stored(task) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task.module_path).order_by("enqueued_at"))


def failed_emails() -> tuple[int, str]:
    """What `manage.py failed_emails` prints, and the status it exits with."""
    out = io.StringIO()
    try:
        call_command("failed_emails", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.mark.usefixtures("mail_server_down")
def test_a_failing_confirmation_leaves_the_reminders_scheduled_and_the_host_note_tried(personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)

    run_tasks(fail_on_error=False)

    (registration,) = stored(tasks.participant_registered)
    assert registration.status == TaskResultStatus.FAILED
    assert "2 emails not sent" in registration.traceback
    seat = session.participants.get(user=personas.mentee)
    reminders = [r.args_kwargs["kwargs"] for r in stored(tasks.send_reminder)]
    assert sorted(r["which"] for r in reminders if r["participant_id"] == seat.pk) == ["1h", "24h"]
    assert set(FailedDelivery.objects.values_list("kind", "user__email")) == {
        ("registered", personas.mentee.email),
        ("host-registration", personas.mentor.email),
    }


@pytest.mark.usefixtures("mail_server_down")
def test_a_failed_email_is_recorded_with_the_reason_the_kind_the_person_and_the_session(personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)

    run_tasks(fail_on_error=False)

    failed = FailedDelivery.objects.get(kind="registered")
    assert (failed.user, failed.session, failed.attempts, failed.sent_at) == (
        personas.mentee,
        session,
        1,
        None,
    )
    assert failed.error == "SMTPException: 421 Service not available"


@pytest.mark.usefixtures("mail_server_down")
def test_a_failing_task_is_retried_after_growing_pauses_then_given_up(personas, clock):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks(fail_on_error=False)
    retried_after = []

    for _ in range(MAX_ATTEMPTS + 1):
        waited = timedelta()
        while not requeue_stalled_tasks() and waited < timedelta(hours=2):
            clock.shift(timedelta(minutes=1))
            waited += timedelta(minutes=1)
        if waited >= timedelta(hours=2):
            break
        retried_after.append(int(waited / timedelta(minutes=1)))
        run_tasks(fail_on_error=False)

    # The registration task (2, 4, 8, 16 minutes), then nothing more: given up after 5 runs.
    assert retried_after == [2, 4, 8, 16]
    (registration,) = stored(tasks.participant_registered)
    assert registration.status == TaskResultStatus.FAILED
    assert len(registration.worker_ids) == MAX_ATTEMPTS
    assert FailedDelivery.objects.get(kind="registered").attempts == MAX_ATTEMPTS


@pytest.mark.usefixtures("mail_server_down")
def test_once_the_mail_server_is_back_the_retry_sends_each_email_once_and_clears_the_list(
    personas, clock, settings
):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks(fail_on_error=False)
    assert failed_emails()[0] == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(timedelta(minutes=3))
    requeue_stalled_tasks()
    run_tasks()

    assert subjects(personas.mentee) == [f"You're registered: {TITLE}"]
    assert subjects(personas.mentor) == [f"Mina Mentee registered for {TITLE}"]
    assert FailedDelivery.objects.filter(sent_at__isnull=True).count() == 0
    assert FailedDelivery.objects.get(kind="registered").sent_at is not None
    assert failed_emails() == (0, "No failed emails.\n")


@pytest.mark.usefixtures("mail_server_down")
def test_failed_emails_lists_each_one_and_exits_non_zero_for_cron(personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks(fail_on_error=False)

    status, output = failed_emails()

    assert status == 1
    assert (
        f"registered to {personas.mentee.email} (session {session.pk}: {TITLE}), 1 attempt: "
        "SMTPException: 421 Service not available"
    ) in output
    assert f"host-registration to {personas.mentor.email}" in output
    assert "2 emails could not be sent." in output


@pytest.mark.usefixtures("mail_server_down")
def test_operators_see_failed_emails_in_the_admin(client, personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    run_tasks(fail_on_error=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/notifications/faileddelivery/?sent=no")

    assert listing.status_code == 200
    text = page_text(listing)
    assert personas.mentee.email in text
    assert "SMTPException: 421 Service not available" in text


def test_one_refused_address_does_not_stop_a_fan_out(personas, settings):
    settings.EMAIL_BACKEND = f"{HERE}.RefusesOneAddress"
    session = create(personas.program, personas.mentor)
    crowd_before = crowd(session, 2)
    bounce = member(personas.program, email=RefusesOneAddress.refused)
    join(session, bounce)  # told in the middle of the fan-out
    crowd_after = crowd(session, 2)
    cancel(session, personas.mentor)

    run_tasks(fail_on_error=False)

    cancelled = Counter(m.to[0] for m in mail.outbox if m.subject == f"Cancelled: {TITLE}")
    assert cancelled == Counter({person.email: 1 for person in [*crowd_before, *crowd_after]})
    failed = FailedDelivery.objects.get(kind="cancelled")
    assert failed.user == bounce
    assert "SMTPRecipientsRefused" in failed.error
    (fan_out,) = stored(tasks.session_cancelled)
    assert fan_out.status == TaskResultStatus.FAILED  # so that it is tried again for them


def test_member_invitations_of_an_import_are_retried_and_sent_once_each(personas, clock, settings):
    settings.EMAIL_BACKEND = f"{HERE}.MailServerDown"
    rows = "".join(f"new{i}@example.org,New {i},mentee\n" for i in range(3))
    with committed():
        members_import_csv(
            program=personas.program, data=f"email,name,role\n{rows}".encode(), invited_by=personas.manager
        )
    run_tasks(fail_on_error=False)
    assert FailedDelivery.objects.filter(kind="member-invitation").count() == 3

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(timedelta(minutes=3))
    requeue_stalled_tasks()
    run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == [f"new{i}@example.org" for i in range(3)]
    assert not FailedDelivery.objects.filter(sent_at__isnull=True).exists()
