"""Seats are a database fact: a crowd clicking Join at once never overfills a session.

Each thread has its own database connection (a real, committed database: `transaction=True`) and
they all wait at a barrier so their joins hit the database together. Runs on whichever database is
configured: the SQLite file (writers queue on the IMMEDIATE lock) or PostgreSQL (row locks).
"""

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.programs.models import Membership
from tests.factories import GroupSessionFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = Participant.Status
CROWD = 100


def connect() -> None:
    """Open this thread's connection. When the server is at its connection limit (PostgreSQL's
    default is 100, shared with whoever else uses it), wait for a slot rather than fail: holding
    connections while waiting could starve another run doing the same."""
    deadline = time.monotonic() + 60
    while True:
        try:
            connection.ensure_connection()
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.02, 0.2))


def all_at_once(count: int, work: Callable[[int], object]) -> tuple[list[object], list[BaseException]]:
    """Run `work(i)` in `count` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=120)
            connect()  # after the barrier, like a request arriving: no connection held while waiting
            result = work(i)
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - every failure is reported by the test
            with lock:
                errors.append(error)
        finally:
            connection.close()

    connection.close()  # the test's own connection is not needed meanwhile (PostgreSQL's limit is 100)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "some joins never finished"
    return results, errors


def add_members(program, count: int) -> list[User]:
    users = User.objects.bulk_create(
        User(email=f"crowd{n}@example.org", full_name=f"Crowd {n:03d}", password="!") for n in range(count)
    )
    Membership.objects.bulk_create(Membership(program=program, user=user, role="mentee") for user in users)
    return users


@pytest.fixture
def small_room(personas) -> GroupSession:
    """Ten seats, the host in one of them: nine left."""
    return GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        max_participants=10,
        starts_at=timezone.now() + timedelta(days=7),
    )


def test_a_hundred_simultaneous_joins_fill_exactly_the_seats_and_queue_the_rest(personas, small_room):
    crowd = add_members(personas.program, CROWD)

    results, errors = all_at_once(
        CROWD, lambda i: services.participant_join(session=small_room, user=crowd[i]).status
    )

    assert errors == []
    assert Counter(results) == {Status.REGISTERED: 9, Status.WAITLISTED: 91}
    rows = Participant.objects.filter(session=small_room)
    assert Counter(rows.values_list("status", flat=True)) == {
        Status.HOST: 1,
        Status.REGISTERED: 9,
        Status.WAITLISTED: 91,
    }
    assert rows.count() == rows.values("user").distinct().count() == CROWD + 1


def test_the_waitlist_of_a_crowd_is_a_strict_order(personas, small_room):
    crowd = add_members(personas.program, CROWD)
    _, errors = all_at_once(CROWD, lambda i: services.participant_join(session=small_room, user=crowd[i]))
    assert errors == []
    seated = Participant.objects.filter(session=small_room, status=Status.REGISTERED).first()
    first_in_line = (
        Participant.objects.filter(session=small_room, status=Status.WAITLISTED)
        .order_by("waitlisted_at", "id")
        .first()
        .user
    )

    services.participant_leave(session=small_room, user=seated.user)

    promoted = Participant.objects.get(session=small_room, user=first_in_line)
    assert promoted.status == Status.REGISTERED
    assert Participant.objects.filter(session=small_room, status__in=Participant.SEATED).count() == 10
    assert Participant.objects.filter(session=small_room, status=Status.WAITLISTED).count() == 90


def test_a_hundred_simultaneous_joins_by_one_person_make_one_registration(personas, small_room):
    mentee = personas.mentee

    results, errors = all_at_once(
        CROWD, lambda _i: services.participant_join(session=small_room, user=mentee).pk
    )

    assert errors == []
    assert len(set(results)) == 1
    assert list(
        Participant.objects.filter(session=small_room, user=mentee).values_list("status", flat=True)
    ) == [Status.REGISTERED]
    assert Participant.objects.filter(session=small_room, status__in=Participant.SEATED).count() == 2


def test_simultaneous_joins_and_leaves_never_overfill_the_session(personas, small_room):
    crowd = add_members(personas.program, CROWD)
    for user in crowd[:9]:
        services.participant_join(session=small_room, user=user)

    def churn(i: int) -> None:
        if i < 9:
            services.participant_leave(session=small_room, user=crowd[i])
        else:
            services.participant_join(session=small_room, user=crowd[i])

    _, errors = all_at_once(CROWD, churn)

    assert errors == []
    statuses = Counter(Participant.objects.filter(session=small_room).values_list("status", flat=True))
    assert statuses == {Status.HOST: 1, Status.LEFT: 9, Status.REGISTERED: 9, Status.WAITLISTED: 82}


def test_one_create_form_sent_many_times_at_once_makes_one_session(personas):
    token = uuid.uuid4()
    starts_at = timezone.now() + timedelta(days=7)
    form = services.SessionDetails(
        title="Negotiating your first salary",
        description="We practise real offers.",
        starts_at=starts_at,
        duration=timedelta(hours=1),
        min_participants=1,
        max_participants=40,
    )

    def send(_i: int) -> int:
        try:
            return services.session_create(
                program=personas.program, host=personas.mentor, details=form, create_token=token
            ).pk
        except services.SessionAlreadyCreated as again:
            return -again.session.pk  # negative: this one was told the session already existed

    results, errors = all_at_once(20, send)

    assert errors == []
    [session] = GroupSession.objects.all()
    assert sorted(results) == [-session.pk] * 19 + [session.pk]
    assert list(session.participants.values_list("status", flat=True)) == [Status.HOST]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_a_join_does_not_wait_for_a_join_to_another_session_of_the_same_program(personas, small_room):
    other = GroupSessionFactory(program=personas.program, host=personas.manager)
    MembershipFactory(program=personas.program)
    holding, done = threading.Event(), threading.Event()

    def hold_the_first_sessions_seat_lock() -> None:
        try:
            with transaction.atomic():
                services._lock(small_room.pk)  # what a join to `small_room` holds while it counts
                holding.set()
                done.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_first_sessions_seat_lock)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        participant = services.participant_join(session=other, user=personas.mentee)
    finally:
        done.set()
        holder.join()

    assert participant.status == Status.REGISTERED
