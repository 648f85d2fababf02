"""A join link is one person's: a forwarded link does not let someone else in; after rating,
the "How was it?" notice goes away; a seat taken after the call opened is told so."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import FOLLOW_UP_DELAY, Participant
from mentorcircle.notifications.models import Notice
from mentorcircle.notifications.selectors import unread_notices
from tests.groupsessions.conftest import STARTS, create_session
from tests.helpers import run_tasks


def test_someone_else_signed_in_with_a_forwarded_join_link_is_not_let_in(client, personas, time_machine):
    session = create_session(personas.program, personas.mentor)
    seat = services.participant_join(session=session, user=personas.mentee, now=STARTS - timedelta(days=1))
    time_machine.move_to(STARTS + timedelta(minutes=1), tick=False)
    client.force_login(personas.manager)

    response = client.get(seat.join_path())

    assert response.status_code == 403
    assert "This join link is someone else's" in response.content.decode()
    assert session.room_name not in response.content.decode()
    seat.refresh_from_db()
    assert seat.joined_at is None


def test_the_owner_signed_in_is_let_in(client, personas, time_machine):
    session = create_session(personas.program, personas.mentor)
    seat = services.participant_join(session=session, user=personas.mentee, now=STARTS - timedelta(days=1))
    time_machine.move_to(STARTS + timedelta(minutes=1), tick=False)
    client.force_login(personas.mentee)

    response = client.get(seat.join_path())

    assert response.status_code == 302
    assert session.room_name in response["Location"]


def test_the_how_was_it_notice_goes_away_once_answered(
    personas, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = create_session(personas.program, personas.mentor)
        seat = services.participant_join(
            session=session, user=personas.mentee, now=STARTS - timedelta(days=1)
        )
    services.participant_enter_call(participant=seat, now=STARTS + timedelta(minutes=1))
    time_machine.move_to(session.ends_at + FOLLOW_UP_DELAY + timedelta(minutes=1), tick=False)
    run_tasks()
    assert [n.kind for n in unread_notices(user=personas.mentee)] == ["feedback"]

    services.feedback_give(participant=seat, rating=4)

    assert unread_notices(user=personas.mentee) == []
    assert Notice.objects.filter(user=personas.mentee, kind="feedback").exists()


def test_a_seat_taken_once_the_call_is_open_is_told_the_call_is_open_now(
    personas, time_machine, django_capture_on_commit_callbacks
):
    session = create_session(personas.program, personas.mentor)
    time_machine.move_to(STARTS - timedelta(minutes=5), tick=False)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.participant_join(session=session, user=personas.mentee)
    run_tasks()

    [confirmation] = [m for m in mail.outbox if m.to == [personas.mentee.email]]
    assert "The call is open now. Your personal link:" in confirmation.body
    assert "opens on" not in confirmation.body
    assert Participant.objects.get(session=session, user=personas.mentee).join_path() in confirmation.body


def test_the_video_settings_say_what_the_jitsi_secret_is(client, personas):
    client.force_login(personas.manager)

    page = client.get(reverse("manage:settings", args=["alpha"])).content.decode()

    assert "The secret your Jitsi server signs tokens with." in page
    assert 'data-video-section="bbb"' in page
