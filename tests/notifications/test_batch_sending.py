"""A task's emails go as one batch: their deliveries claimed together, each sent once, a failure
recorded for that email alone, a batch a dead worker left behind finished without doubling
anyone, and each email reading exactly as it would sent on its own."""

import email
import re
import smtplib
from collections import Counter
from datetime import timedelta
from email import policy

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import ics
from mentorcircle.groupsessions.models import Participant
from mentorcircle.notifications import emails
from mentorcircle.notifications.models import Delivery, FailedDelivery
from mentorcircle.programs.models import Membership
from tests.notifications.conftest import (
    NOW,
    STARTS,
    attendees,
    calendar,
    create,
    crowd,
    html,
    member,
    the_event,
)

pytestmark = pytest.mark.usefixtures("clock")
HERE = __name__


class RefusesSome(LocmemBackend):
    """The test outbox, except for the addresses in `refused`, which the server refuses."""

    refused: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] in RefusesSome.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        return super().send_messages(messages)


seen_in_transaction: list[bool] = []


class RecordsTransactionState(LocmemBackend):
    def send_messages(self, messages):
        seen_in_transaction.append(connection.in_atomic_block)
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = f"{HERE}.RefusesSome"
    RefusesSome.refused = set()
    return RefusesSome


def rows(session) -> list[Participant]:
    return list(
        Participant.objects.select_related("user", "session__host", "session__program")
        .filter(session=session)
        .exclude(status=Participant.Status.HOST)
        .order_by("pk")
    )


def cancelled_session(personas, people: int):
    session = create(personas.program, personas.mentor, max_participants=people + 1)
    crowd(session, people)
    session.status, session.cancel_reason = session.Status.CANCELLED, "The room flooded"
    session.save(update_fields=["status", "cancel_reason"])
    return session


def send_batch(participants: list[Participant]) -> int:
    batch = emails.Batch(get_connection())
    for participant in participants:
        emails.session_cancelled(participant, batch=batch)
    return batch.send()


def told() -> Counter[str]:
    return Counter(message.to[0] for message in mail.outbox)


def test_a_batch_claims_its_deliveries_in_one_insert_and_sends_each_once(personas):
    people = rows(cancelled_session(personas, 30))

    with CaptureQueriesContext(connection) as queries:
        assert send_batch(people) == 30

    inserts = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("INSERT") and 'INTO "notifications_delivery"' in q["sql"]
    ]
    assert len(inserts) == 1
    assert told() == Counter({p.user.email: 1 for p in people})
    assert Delivery.objects.filter(kind="cancelled", sent_at__isnull=False).count() == 30
    assert send_batch(rows(people[0].session)) == 0  # run again: nothing
    assert len(mail.outbox) == 30


def test_a_send_that_fails_mid_batch_is_recorded_alone_and_a_rerun_sends_only_it(personas, refusing):
    people = rows(cancelled_session(personas, 5))
    refusing.refused = {people[2].user.email}

    with pytest.raises(emails.EmailsNotSent, match="1 email not sent"), emails.failures_collected():
        send_batch(people)

    assert told() == Counter({p.user.email: 1 for p in people if p != people[2]})
    failed = FailedDelivery.objects.get()
    assert (failed.user, failed.kind, failed.attempts, failed.sent_at) == (
        people[2].user,
        "cancelled",
        1,
        None,
    )
    assert "SMTPRecipientsRefused" in failed.error
    assert not Delivery.objects.filter(user=people[2].user).exists()  # its claim was given back

    refusing.refused = set()
    assert send_batch(people) == 1
    assert told() == Counter({p.user.email: 1 for p in people})
    assert FailedDelivery.objects.get().sent_at is not None


def test_outside_a_task_a_failure_stops_the_batch_and_gives_back_what_it_did_not_send(personas, refusing):
    people = rows(cancelled_session(personas, 4))
    refusing.refused = {people[1].user.email}

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_batch(people)

    assert told() == Counter({people[0].user.email: 1})
    (delivery,) = Delivery.objects.all()
    assert (delivery.user, delivery.sent_at is not None) == (people[0].user, True)
    refusing.refused = set()
    assert send_batch(people) == 3
    assert told() == Counter({p.user.email: 1 for p in people})


def dead_workers_claims(people: list[Participant], *, sent: int) -> None:
    """What a worker killed mid-batch leaves: the batch claimed, the first `sent` emails sent and
    marked, the rest claimed and unsent."""
    now = timezone.now()
    for n, participant in enumerate(people):
        Delivery.objects.create(
            key=f"cancelled:{participant.pk}:v{participant.session.version}",
            user=participant.user,
            kind="cancelled",
            session=participant.session,
            claimed_at=now,
            claim="dead-worker",
            sent_at=now if n < sent else None,
        )


@pytest.mark.parametrize("sent", [0, 3], ids=["killed-between-claim-and-send", "killed-mid-batch"])
def test_a_batch_a_dead_worker_left_is_finished_later_sending_each_unsent_email_once(personas, clock, sent):
    people = rows(cancelled_session(personas, 8))
    dead_workers_claims(people, sent=sent)

    assert send_batch(people) == 0  # the claims are fresh: their worker may still be sending
    assert mail.outbox == []

    clock.shift(emails.CLAIM_STALE + timedelta(minutes=1))
    assert send_batch(people) == 8 - sent
    assert send_batch(people) == 0

    assert told() == Counter({p.user.email: 1 for p in people[sent:]})
    assert Delivery.objects.filter(sent_at__isnull=True).count() == 0


def test_two_batches_with_the_same_people_send_each_email_once(personas):
    people = rows(cancelled_session(personas, 6))
    first = emails.Batch(get_connection())
    for participant in people[:4]:
        emails.session_cancelled(participant, batch=first)
    claimed, _ = emails._claim_all(first._outgoing, token="first")  # claimed, not sent yet

    assert send_batch(people[2:]) == 2  # the other worker skips what the first one holds
    assert claimed == {f"cancelled:{p.pk}:v{p.session.version}" for p in people[:4]}
    assert told() == Counter({p.user.email: 1 for p in people[4:]})


def test_the_same_email_twice_in_a_batch_goes_once(personas):
    (participant,) = rows(cancelled_session(personas, 1))
    batch = emails.Batch(get_connection())
    emails.session_cancelled(participant, batch=batch)
    emails.session_cancelled(participant, batch=batch)

    assert batch.send() == 1
    assert len(mail.outbox) == 1


# ---- Each email reads as it would sent alone -------------------------------------------------------


@pytest.fixture
def mixed(personas):
    """A session whose emails differ from reader to reader: a host without a name (whom the
    program's manager may see named after their address, others as "A member"), readers in
    several zones, one without a name whose address looks like a piece of every link, a name
    with characters HTML escapes, seated, waitlisted and invited people, and a title and reason
    with such characters too."""
    program = personas.program
    host = member(program, Membership.Role.MENTOR, full_name="", email="quiet.host@example.org")
    session = create(program, host, title="Q&A <live> “with” 'quotes'", max_participants=5)
    people = [
        (personas.manager, Participant.Status.REGISTERED),
        (member(program, full_name="Ann <b>&amp;</b> O'Neil", time_zone="America/New_York"), "registered"),
        (member(program, full_name="", email="sessions@example.org", time_zone="Asia/Tokyo"), "registered"),
        (member(program, full_name="Wes Waiter", time_zone="Europe/Paris"), "waitlisted"),
        (member(program, full_name="Ivy Invited", time_zone="Australia/Sydney"), "invited"),
        (member(program, full_name="Tess Tokyo", time_zone="Asia/Tokyo"), "registered"),
    ]
    for user, status in people:
        Participant.objects.create(
            session=session,
            user=user,
            status=status,
            waitlisted_at=timezone.now() if status == "waitlisted" else None,
        )
    Participant.objects.filter(session=session, user=people[1][0]).update(attended=True)
    session.cancel_reason = "See http://testserver/sessions/ & <b>the notes</b>"
    session.recording_url = "https://example.org/recording?a=1&b=2"
    session.resources_note = "Slides <here> & there"
    session.save(update_fields=["cancel_reason", "recording_url", "resources_note"])
    return session


BEFORE = {"starts_at": (STARTS - timedelta(days=1)).isoformat(), "minutes": 90, "title": "Old <title>"}
EMAILS = {
    "cancelled": lambda p, batch: emails.session_cancelled(p, batch=batch),
    "updated": lambda p, batch: emails.session_updated(p, before=BEFORE, batch=batch),
    "confirmed": lambda p, batch: emails.session_confirmed(p, batch=batch),
    "feedback": lambda p, batch: emails.feedback_request(p, batch=batch),
    "resources": lambda p, batch: emails.resources_shared(p, batch=batch),
    "missed": lambda p, batch: emails.missed_session(p, batch=batch),
}


def read() -> dict[str, tuple[str, str, str, list[str]]]:
    """Each recipient's email: subject, text, HTML, and the calendar file with its stamp left out."""
    found = {}
    for message in mail.outbox:
        files = []
        if any(name.endswith(".ics") for name, _content, _type in message.attachments):
            event = the_event(calendar(message))
            files = sorted(f"{k}={v.to_ical() if hasattr(v, 'to_ical') else v}" for k, v in event.items())
            files = [line for line in files if not line.startswith("DTSTAMP")]
        found[message.to[0]] = (message.subject, message.body, html(message), files)
    return found


@pytest.mark.parametrize("kind", EMAILS)
def test_an_email_sent_in_a_batch_reads_exactly_as_it_does_sent_alone(mixed, clock, kind):
    clock.move_to(NOW, tick=False)  # signed links carry the second they were made
    send = EMAILS[kind]
    people = rows(mixed)
    for participant in people:
        send(participant, None)
    alone = read()
    assert len(alone) >= 2
    mail.outbox.clear()
    Delivery.objects.all().delete()

    batch = emails.Batch(get_connection())
    for participant in people:
        send(participant, batch)
    batch.send()

    assert read() == alone


def test_in_a_batch_the_host_is_named_as_each_reader_may_see_them(mixed, personas):
    people = rows(mixed)
    batch = emails.Batch(get_connection())
    for participant in people:
        emails.session_cancelled(participant, batch=batch)
    batch.send()

    hosts = {
        m.to[0]: next(line for line in m.body.splitlines() if line.startswith("Host: ")) for m in mail.outbox
    }
    assert hosts[personas.manager.email] == "Host: quiet.host"
    assert {line for email, line in hosts.items() if email != personas.manager.email} == {"Host: A member"}
    greetings = {m.to[0]: m.body.splitlines()[0] for m in mail.outbox}
    assert greetings["sessions@example.org"] == "Hello sessions,"
    ann = next(m for m in mail.outbox if m.to[0] == people[1].user.email)
    assert "Hello Ann &lt;b&gt;&amp;amp;&lt;/b&gt; O&#x27;Neil," in html(ann)


def test_each_calendar_file_of_a_batch_names_its_own_recipient_and_join_link(mixed):
    seats = [p for p in rows(mixed) if p.has_seat]
    batch = emails.Batch(get_connection())
    for participant in seats:
        emails.session_updated(participant, before=BEFORE, batch=batch)
    batch.send()

    for participant in seats:
        (message,) = [m for m in mail.outbox if m.to == [participant.user.email]]
        event = the_event(calendar(message))
        assert attendees(event) == [participant.user.email]
        assert str(event["LOCATION"]) == str(event["URL"]) == emails.join_url(participant)
        assert emails.join_url(participant) in str(event["DESCRIPTION"])


def test_a_calendar_file_made_from_the_shared_part_is_the_event_built_whole(mixed):
    person = User(email="ann@example.org", full_name='Ann "A" Über, the; long-named person ' * 3)
    now = timezone.now()
    for method, cancelled, join_url in [
        ("REQUEST", False, "http://testserver/join/abc/"),
        ("CANCEL", True, ""),
    ]:
        shared = ics.SessionCalendar(mixed, method=method, cancelled=cancelled, now=now)
        whole = ics._calendar(method)
        whole.add_component(
            ics._event(mixed, attendee=person, cancelled=cancelled, now=now, join_url=join_url)
        )

        assert Calendar.from_ical(shared.file_for(person, join_url=join_url)) == Calendar.from_ical(
            whole.to_ical()
        )


def test_every_email_parses_back_whole_with_boundaries_of_its_own(mixed):
    people = rows(mixed)
    batch = emails.Batch(get_connection())
    for participant in people:
        emails.session_cancelled(participant, batch=batch)
    batch.send()

    seen = set()
    for message in mail.outbox:
        parsed = email.message_from_bytes(message.message().as_bytes(linesep="\r\n"), policy=policy.SMTP)
        boundaries = [part.get_boundary() for part in parsed.walk() if part.is_multipart()]
        assert boundaries
        assert all(re.fullmatch(r"==[0-9a-f]{32}==", b) for b in boundaries)
        assert not seen & set(boundaries)
        seen |= set(boundaries)
        assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == message.body
        assert parsed.get_body(("html",)).get_content().replace("\r\n", "\n") == html(message)


@pytest.mark.django_db(transaction=True)
def test_a_batch_sends_with_no_transaction_open_and_leaves_the_connection_as_it_found_it(personas, settings):
    settings.EMAIL_BACKEND = f"{HERE}.RecordsTransactionState"
    seen_in_transaction.clear()
    people = rows(cancelled_session(personas, 5))

    assert send_batch(people) == 5

    assert seen_in_transaction == [False] * 5
    assert Delivery.objects.filter(kind="cancelled", sent_at__isnull=False).count() == 5
    if connection.vendor == "postgresql":  # the marks' quick commits were for the batch alone
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == ("on",)


@pytest.mark.parametrize(
    "subject",
    [
        "Cancelled: Fan-out",
        "Cancelled: “Q&A” with Zoë",
        "Updated: " + "a very long title that goes on " * 4,
        'Tabs\tand  double  spaces, (comments) and "quotes" <not an address>',
    ],
)
def test_an_email_is_written_byte_for_byte_as_django_writes_it_but_for_its_boundaries(subject):
    def written(kind: type[EmailMultiAlternatives]) -> bytes:
        message = kind(subject=subject, body="Hello Zoë,\n\nText.\n", to=["p1@example.org"])
        message.extra_headers = {"Date": "Mon, 01 Mar 2027 09:00:00 -0000", "Message-ID": "<1@example.org>"}
        message.attach_alternative("<p>Hello Zoë</p>", "text/html")
        message.attach("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar; method=CANCEL")
        raw = message.message().as_bytes(linesep="\r\n")
        boundaries = re.findall(rb'boundary="([^"]+)"', raw)
        for n, boundary in enumerate(boundaries):
            raw = raw.replace(boundary, b"boundary-%d" % n)
        return raw

    assert written(emails._Email) == written(EmailMultiAlternatives)
