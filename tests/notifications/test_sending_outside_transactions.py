"""Emails are sent with no database transaction open, so no lock is held while the mail server
answers; each is still sent once, and a send interrupted by a dead worker is sent later."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone

from mentorcircle.notifications import emails
from mentorcircle.notifications.models import Delivery
from tests.factories import UserFactory

HERE = __name__
seen_in_transaction: list[bool] = []


class RecordsTransactionState(LocmemBackend):
    def send_messages(self, messages):
        seen_in_transaction.append(connection.in_atomic_block)
        return super().send_messages(messages)


def send(user, key="test:1") -> bool:
    return emails._send_recorded(
        key=key,
        user=user,
        kind="test",
        deliver=lambda: mail.EmailMessage("Hello", "Body", to=[user.email]).send(),
    )


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_an_email_is_sent(settings):
    settings.EMAIL_BACKEND = f"{HERE}.RecordsTransactionState"
    seen_in_transaction.clear()
    user = UserFactory()

    assert send(user) is True

    assert seen_in_transaction == [False]
    assert Delivery.objects.get(key="test:1").sent_at is not None


@pytest.mark.django_db
def test_an_email_is_sent_once_however_often_it_is_asked_for():
    user = UserFactory()

    assert [send(user), send(user), send(user)] == [True, False, False]

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_send_a_dead_worker_left_unfinished_is_sent_later_but_not_while_it_may_be_running(time_machine):
    user = UserFactory()
    Delivery.objects.create(key="test:1", user=user, kind="test", claimed_at=timezone.now())

    assert send(user) is False  # another worker may be sending it right now

    time_machine.move_to(timezone.now() + emails.CLAIM_STALE + timedelta(minutes=1))
    assert send(user) is True
    assert send(user) is False
    assert len(mail.outbox) == 1
