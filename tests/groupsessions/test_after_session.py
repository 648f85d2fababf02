"""After the session: correcting the attendance, rating it, and sharing the recording and notes."""

from datetime import timedelta

import pytest
from django.core import mail

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import AttendanceChange, Feedback, GroupSession, Participant
from mentorcircle.groupsessions.services import SessionError
from tests.groupsessions.conftest import NOW, STARTS, add_members, create_session
from tests.helpers import run_tasks

Status = Participant.Status
ENDS = STARTS + timedelta(hours=1)
AFTER = ENDS + timedelta(minutes=30)
TITLE = "Negotiating your first salary"
RECORDING = "https://video.example.org/recordings/42"


def seat(session: GroupSession, user) -> Participant:
    participant = services.participant_join(session=session, user=user, now=NOW)
    assert participant.status == Status.REGISTERED
    return participant


def reloaded(participant: Participant) -> Participant:
    return Participant.objects.get(pk=participant.pk)


def attended_names(session: GroupSession) -> set[str]:
    rows = Participant.objects.filter(session=session, attended=True).select_related("user")
    return {row.user.full_name for row in rows}


class Room:
    """The mentor's session after it happened: the host and Mina came, Noah did not."""

    def __init__(self, session: GroupSession, personas) -> None:
        self.session = session
        self.host = Participant.objects.get(session=session, status=Status.HOST)
        self.came = seat(session, personas.mentee)
        self.absent = seat(session, add_members(personas.program, 1)[0])
        self.absent.user.full_name = "Noah Noshow"
        self.absent.user.save()
        services.participant_enter_call(participant=self.host, now=STARTS - timedelta(minutes=5))
        services.participant_enter_call(participant=self.came, now=STARTS + timedelta(minutes=2))
        self.came.refresh_from_db()
        self.host.refresh_from_db()


@pytest.fixture
def room(session, personas) -> Room:
    return Room(session, personas)


# ---- Attendance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "instant", [NOW, STARTS, ENDS - timedelta(seconds=1)], ids=["before", "during", "last second"]
)
def test_attendance_can_be_confirmed_only_once_the_session_has_ended(room, personas, instant):
    with pytest.raises(SessionError, match="once the session has ended"):
        services.attendance_update(
            session=room.session, actor=personas.mentor, attended_ids={room.absent.pk}, now=instant
        )

    assert attended_names(room.session) == {"Theo Mentor", "Mina Mentee"}
    assert not AttendanceChange.objects.exists()


def test_attendance_can_be_confirmed_from_the_end_on(room, personas):
    changed = services.attendance_update(
        session=room.session,
        actor=personas.mentor,
        attended_ids={room.host.pk, room.came.pk, room.absent.pk},
        now=ENDS,
    )

    assert changed == 1
    assert attended_names(room.session) == {"Theo Mentor", "Mina Mentee", "Noah Noshow"}


def test_attendance_can_be_confirmed_as_soon_as_the_call_was_ended(room, personas):
    services.session_call_ended(session_id=room.session.pk, now=STARTS + timedelta(minutes=45))

    changed = services.attendance_update(
        session=room.session,
        actor=personas.mentor,
        attended_ids={room.host.pk, room.came.pk, room.absent.pk},
        now=STARTS + timedelta(minutes=46),
    )

    assert changed == 1


def test_attendance_of_a_cancelled_session_cannot_be_changed(session, personas):
    mentee = seat(session, personas.mentee)
    services.session_cancel(session=session, actor=personas.mentor, reason="Ill", now=NOW)

    with pytest.raises(SessionError):
        services.attendance_update(
            session=session, actor=personas.mentor, attended_ids={mentee.pk}, now=AFTER
        )

    assert reloaded(mentee).attended is False


@pytest.mark.parametrize("persona", ["mentee", "outsider", "other_manager"])
def test_only_the_host_and_program_managers_change_the_attendance(room, personas, persona):
    with pytest.raises(SessionError, match="Only the host and program managers"):
        services.attendance_update(
            session=room.session,
            actor=getattr(personas, persona),
            attended_ids={room.host.pk, room.came.pk, room.absent.pk},
            now=AFTER,
        )

    assert attended_names(room.session) == {"Theo Mentor", "Mina Mentee"}
    assert not AttendanceChange.objects.exists()


def test_each_correction_records_who_made_it_and_when(room, personas):
    changed = services.attendance_update(
        session=room.session, actor=personas.mentor, attended_ids={room.host.pk, room.absent.pk}, now=AFTER
    )

    assert changed == 2
    assert attended_names(room.session) == {"Theo Mentor", "Noah Noshow"}
    log = {
        (change.participant_id, change.attended, change.changed_by_id, change.changed_at)
        for change in AttendanceChange.objects.all()
    }
    assert log == {
        (room.came.pk, False, personas.mentor.pk, AFTER),
        (room.absent.pk, True, personas.mentor.pk, AFTER),
    }


def test_people_whose_attendance_did_not_change_get_no_log_entry(room, personas):
    services.attendance_update(
        session=room.session,
        actor=personas.mentor,
        attended_ids={room.host.pk, room.came.pk, room.absent.pk},
        now=AFTER,
    )

    assert list(AttendanceChange.objects.values_list("participant_id", flat=True)) == [room.absent.pk]

    again = services.attendance_update(
        session=room.session,
        actor=personas.mentor,
        attended_ids={room.host.pk, room.came.pk, room.absent.pk},
        now=AFTER + timedelta(hours=1),
    )

    assert again == 0
    assert AttendanceChange.objects.count() == 1


def test_a_program_manager_may_correct_the_hosts_list_and_both_changes_are_kept(room, personas):
    everyone = {room.host.pk, room.came.pk, room.absent.pk}
    services.attendance_update(session=room.session, actor=personas.mentor, attended_ids=everyone, now=AFTER)
    services.attendance_update(
        session=room.session,
        actor=personas.manager,
        attended_ids=everyone - {room.absent.pk},
        now=AFTER + timedelta(days=1),
    )

    history = list(
        AttendanceChange.objects.filter(participant=room.absent).values_list(
            "attended", "changed_by_id", "changed_at"
        )
    )
    assert history == [
        (True, personas.mentor.pk, AFTER),
        (False, personas.manager.pk, AFTER + timedelta(days=1)),
    ]
    assert reloaded(room.absent).attended is False


def test_people_without_a_seat_and_other_sessions_rows_cannot_be_marked_present(room, personas):
    leaver, waiter = add_members(personas.program, 2)
    other = create_session(personas.program, personas.manager)
    elsewhere = seat(other, personas.mentee)
    left = seat(room.session, leaver)
    services.participant_leave(session=room.session, user=leaver, now=NOW)
    room.session.max_participants = 3
    room.session.save()
    waiting = services.participant_join(session=room.session, user=waiter, now=NOW)
    assert waiting.status == Status.WAITLISTED

    services.attendance_update(
        session=room.session,
        actor=personas.mentor,
        attended_ids={room.host.pk, room.came.pk, left.pk, waiting.pk, elsewhere.pk},
        now=AFTER,
    )

    assert reloaded(left).attended is False
    assert reloaded(waiting).attended is False
    assert reloaded(elsewhere).attended is False
    assert not AttendanceChange.objects.filter(participant__in=[left, waiting, elsewhere]).exists()


# ---- Feedback ------------------------------------------------------------------------------------


def give(participant: Participant, rating=5, comment: str = "", now=AFTER) -> Feedback:
    return services.feedback_give(participant=participant, rating=rating, comment=comment, now=now)


def test_someone_who_came_rates_the_session_after_it_ended(room):
    feedback = give(room.came, rating=4, comment="  Very practical.  ")

    stored = Feedback.objects.get(participant=room.came)
    assert stored.pk == feedback.pk
    assert (stored.rating, stored.comment) == (4, "Very practical.")


def test_the_host_does_not_rate_their_own_session(room):
    assert room.host.attended is True

    with pytest.raises(SessionError, match="Hosts do not rate"):
        give(room.host)

    assert not Feedback.objects.exists()


def test_someone_who_did_not_come_cannot_rate(room):
    with pytest.raises(SessionError, match="Only people who attended"):
        give(room.absent)

    assert not Feedback.objects.exists()


@pytest.mark.parametrize("status", [Status.LEFT, Status.WAITLISTED, Status.DECLINED, Status.INVITED])
def test_someone_without_a_seat_cannot_rate_even_if_marked_present(room, status):
    # Straight into the database: an odd row that the services would never make.
    Participant.objects.filter(pk=room.came.pk).update(status=status)

    with pytest.raises(SessionError, match="Only people who attended"):
        give(room.came)

    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "instant",
    [STARTS - timedelta(minutes=5), STARTS + timedelta(minutes=30), ENDS - timedelta(seconds=1)],
    ids=["call open", "midway", "last second"],
)
def test_a_session_is_rated_only_once_it_has_ended(room, instant):
    with pytest.raises(SessionError, match="once it has ended"):
        give(room.came, now=instant)

    assert not Feedback.objects.exists()


def test_rating_opens_at_the_end(room):
    give(room.came, rating=3, now=ENDS)

    assert Feedback.objects.get().rating == 3


def test_rating_opens_when_the_call_was_ended_early(room):
    services.session_call_ended(session_id=room.session.pk, now=STARTS + timedelta(minutes=30))

    give(room.came, rating=2, now=STARTS + timedelta(minutes=31))

    assert Feedback.objects.get().rating == 2


def test_feedback_can_be_changed_for_fourteen_days_and_stays_one_answer(room):
    give(room.came, rating=2, comment="Too fast", now=ENDS + timedelta(minutes=15))
    give(room.came, rating=4, comment="On reflection, useful", now=ENDS + timedelta(days=13))
    give(room.came, rating=5, comment="", now=ENDS + timedelta(days=14))

    assert Feedback.objects.count() == 1
    stored = Feedback.objects.get(participant=room.came)
    assert (stored.rating, stored.comment) == (5, "")


def test_feedback_closes_fourteen_days_after_the_end(room):
    give(room.came, rating=4, comment="Good", now=ENDS + timedelta(days=1))

    with pytest.raises(SessionError, match="closed 14 days after"):
        give(room.came, rating=1, comment="Changed my mind", now=ENDS + timedelta(days=14, seconds=1))

    stored = Feedback.objects.get(participant=room.came)
    assert (stored.rating, stored.comment) == (4, "Good")


def test_a_first_answer_after_fourteen_days_is_refused(room):
    with pytest.raises(SessionError, match="closed"):
        give(room.came, now=ENDS + timedelta(days=30))

    assert not Feedback.objects.exists()


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_every_rating_from_one_to_five_is_accepted(room, rating):
    give(room.came, rating=rating)

    assert Feedback.objects.get().rating == rating


@pytest.mark.parametrize("rating", [0, 6, -1, 10, None, "5", 4.5])
def test_a_rating_outside_one_to_five_is_refused(room, rating):
    with pytest.raises(SessionError) as refused:
        give(room.came, rating=rating)

    assert refused.value.field == "rating"
    assert "1 to 5" in refused.value.message
    assert not Feedback.objects.exists()


def test_a_comment_of_2000_characters_is_kept_whole(room):
    give(room.came, comment="  " + "é" * 2000 + "\n")

    assert Feedback.objects.get().comment == "é" * 2000


def test_a_comment_over_2000_characters_is_refused(room):
    with pytest.raises(SessionError) as refused:
        give(room.came, comment="x" * 2001)

    assert refused.value.field == "comment"
    assert "2000" in refused.value.message
    assert not Feedback.objects.exists()


def test_a_refused_edit_leaves_the_earlier_answer_alone(room):
    give(room.came, rating=4, comment="Good")

    with pytest.raises(SessionError):
        give(room.came, rating=9, comment="Broken")
    with pytest.raises(SessionError):
        give(room.came, rating=1, comment="y" * 2001)

    stored = Feedback.objects.get()
    assert (stored.rating, stored.comment) == (4, "Good")


# ---- Recording and notes -------------------------------------------------------------------------


def share(session, actor, *, recording_url=RECORDING, note="Slides: https://example.org/s", now=AFTER):
    return services.session_share_resources(
        session=session, actor=actor, recording_url=recording_url, note=note, now=now
    )


def test_the_host_shares_the_recording_and_a_note_after_the_session(room, personas):
    share(room.session, personas.mentor, recording_url=f"  {RECORDING}  ", note="  Slides attached.  ")

    session = GroupSession.objects.get(pk=room.session.pk)
    assert session.recording_url == RECORDING
    assert session.resources_note == "Slides attached."
    assert session.resources_shared_at == AFTER


def test_a_program_manager_may_share_them_too(room, personas):
    share(room.session, personas.manager)

    assert GroupSession.objects.get(pk=room.session.pk).recording_url == RECORDING


@pytest.mark.parametrize("persona", ["mentee", "outsider", "other_manager"])
def test_nobody_else_shares_them(room, personas, persona):
    with pytest.raises(SessionError, match="Only the host and program managers"):
        share(room.session, getattr(personas, persona))

    session = GroupSession.objects.get(pk=room.session.pk)
    assert (session.recording_url, session.resources_shared_at) == ("", None)


@pytest.mark.parametrize(
    "instant",
    [STARTS - timedelta(minutes=5), STARTS, ENDS - timedelta(seconds=1)],
    ids=["early", "start", "last"],
)
def test_they_are_shared_only_once_the_session_has_ended(room, personas, instant):
    with pytest.raises(SessionError, match="once the session has ended"):
        share(room.session, personas.mentor, now=instant)

    assert GroupSession.objects.get(pk=room.session.pk).resources_shared_at is None


@pytest.mark.parametrize(
    "url",
    [
        "http://video.example.org/recordings/42",
        "javascript:alert(document.cookie)",
        "JavaScript://video.example.org/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://video.example.org/rec\r\nSet-Cookie: a=b",
        "https://video.example.org/rec\nmore",
        "https://video.example.org/r ec",
        "https://video.example.org/\x00rec",
        "ftp://video.example.org/recordings/42",
        "//video.example.org/recordings/42",
        "video.example.org/recordings/42",
        "https://",
        "https:///recordings/42",
        "https://video.example.org/" + "a" * 500,
    ],
)
def test_the_recording_link_must_be_one_https_address(room, personas, url):
    with pytest.raises(SessionError) as refused:
        share(room.session, personas.mentor, recording_url=url)

    assert refused.value.field == "recording_url"
    assert "recording link" in refused.value.message.lower()
    assert "https://" in refused.value.message
    session = GroupSession.objects.get(pk=room.session.pk)
    assert (session.recording_url, session.resources_note, session.resources_shared_at) == ("", "", None)


def test_a_note_of_2000_characters_is_kept(room, personas):
    share(room.session, personas.mentor, recording_url="", note="n" * 2000)

    assert GroupSession.objects.get(pk=room.session.pk).resources_note == "n" * 2000


def test_a_note_over_2000_characters_is_refused(room, personas):
    with pytest.raises(SessionError) as refused:
        share(room.session, personas.mentor, note="n" * 2001)

    assert refused.value.field == "resources_note"
    assert "2000" in refused.value.message
    assert GroupSession.objects.get(pk=room.session.pk).resources_shared_at is None


def mails(subject_start: str) -> list[str]:
    return sorted(message.to[0] for message in mail.outbox if message.subject.startswith(subject_start))


def test_the_first_share_emails_the_participants_once_and_later_edits_do_not(
    room, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        share(room.session, personas.mentor, note="First version")
    run_tasks()

    assert len(queued) == 1
    assert mails(f"The recording and notes of {TITLE}") == [personas.mentee.email]
    assert mails(f"Sorry we missed you: {TITLE}") == [room.absent.user.email]
    sent = len(mail.outbox)

    for version in range(2, 4):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            share(
                room.session,
                personas.manager,
                recording_url=f"{RECORDING}?v={version}",
                note=f"Version {version}",
                now=AFTER + timedelta(days=version),
            )
        run_tasks()
        assert queued == []

    assert len(mail.outbox) == sent
    session = GroupSession.objects.get(pk=room.session.pk)
    assert (session.recording_url, session.resources_note) == (f"{RECORDING}?v=3", "Version 3")
    assert session.resources_shared_at == AFTER  # the first share


def test_saving_nothing_shares_nothing_and_the_first_real_share_still_emails(
    room, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        share(room.session, personas.mentor, recording_url="  ", note="  ")
    run_tasks()

    assert queued == []
    assert mail.outbox == []
    assert GroupSession.objects.get(pk=room.session.pk).resources_shared_at is None

    with django_capture_on_commit_callbacks(execute=True):
        share(room.session, personas.mentor, recording_url=RECORDING, note="", now=AFTER + timedelta(hours=2))
    run_tasks()

    assert mails("The recording and notes of") == [personas.mentee.email]
    assert GroupSession.objects.get(pk=room.session.pk).resources_shared_at == AFTER + timedelta(hours=2)
