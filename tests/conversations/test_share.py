"""Sharing a session: each recipient gets a card in their direct conversation with the sharer;
nobody is invited; managers may share with whole groups, done by tasks when it is big."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorcircle.conversations import services, tasks
from mentorcircle.conversations.models import Block, Conversation, Message
from mentorcircle.groupsessions.models import Participant
from tests.factories import CohortFactory, MembershipFactory, UserFactory
from tests.helpers import field_errors, page_text, run_tasks, toasts
from tests.notifications.test_delivery import enqueue_again

PERSONAS = ("manager", "mentor", "mentee", "outsider", "other_manager")


def share_url(session) -> str:
    return reverse("conversations:share", args=[session.pk])


def snapshot() -> tuple:
    return (
        list(Message.objects.order_by("id").values_list("id", "kind", "session_id")),
        list(Conversation.objects.order_by("id").values_list("id", "kind")),
        list(Participant.objects.order_by("id").values_list("id", "user_id", "status")),
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_share_page_answers_each_persona(client, personas, session, persona):
    """Any member of the program may share (the mentee with the manager here); the rest get 404
    and a refused POST changes nothing."""
    client.force_login(getattr(personas, persona))
    other = personas.manager if persona != "manager" else personas.mentee
    before = snapshot()

    page = client.get(share_url(session))
    response = client.post(share_url(session), {"people": [other.pk], "body": "Come along"})

    if persona in ("manager", "mentor", "mentee"):
        assert page.status_code == 200
        assert response.status_code == 302
        assert Message.objects.filter(kind=Message.Kind.SHARE, author=getattr(personas, persona)).count() == 1
    else:
        assert page.status_code == 404
        assert response.status_code == 404
        assert snapshot() == before


def test_signed_out_visitors_are_sent_to_sign_in_and_nothing_is_shared(client, personas, session):
    before = snapshot()
    response = client.post(share_url(session), {"people": [personas.mentee.pk]})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot() == before


def test_each_recipient_gets_a_card_in_their_own_conversation_and_nobody_is_invited(
    client, personas, session
):
    nora = MembershipFactory(program=personas.program, user=UserFactory(full_name="Nora Newcomer")).user
    seats_before = list(Participant.objects.values_list("id", "user_id", "status", "updated_at"))
    client.force_login(personas.mentor)

    response = client.post(share_url(session), {"people": [personas.mentee.pk, nora.pk], "body": "Join us!"})

    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert toasts(client.get(response["Location"])) == ["Shared with 2 people."]
    for person in (personas.mentee, nora):
        message = Message.objects.get(conversation__members__user=person, kind=Message.Kind.SHARE)
        assert message.conversation.kind == Conversation.Kind.DIRECT
        assert message.session == session
        assert message.body == "Join us!"
        assert message.author == personas.mentor
    assert list(Participant.objects.values_list("id", "user_id", "status", "updated_at")) == seats_before

    client.force_login(nora)
    conversation = Message.objects.get(conversation__members__user=nora).conversation
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert session.title in page
    assert "spots left" in page
    assert reverse("groupsessions:join", args=[session.pk]) in page


def test_the_note_is_optional_and_bounded(client, personas, session):
    client.force_login(personas.mentor)
    too_long = client.post(share_url(session), {"people": [personas.mentee.pk], "body": "x" * 5001})
    assert too_long.status_code == 400
    assert field_errors(too_long, "body")
    assert not Message.objects.exists()

    assert client.post(share_url(session), {"people": [personas.mentee.pk]}).status_code == 302
    assert Message.objects.get().body == ""


def test_picking_nobody_is_refused_next_to_the_picker(client, personas, session):
    client.force_login(personas.mentor)
    response = client.post(share_url(session), {"body": "Hello"})
    assert response.status_code == 400
    assert field_errors(response, "people") == ["Pick at least one member to share with."]
    assert not Message.objects.exists()


def test_people_outside_the_program_cannot_be_picked(client, personas, session):
    client.force_login(personas.mentor)
    response = client.post(share_url(session), {"people": [personas.outsider.pk]})
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_people_in_a_block_with_the_sharer_are_skipped_and_counted(client, personas, session):
    Block.objects.create(blocker=personas.mentee, blocked=personas.mentor, created_at=timezone.now())
    client.force_login(personas.mentor)

    response = client.post(
        share_url(session), {"people": [personas.mentee.pk, personas.manager.pk]}, follow=True
    )

    assert toasts(response) == [
        "Shared with 1 person. 1 person was skipped: you cannot send messages to each other."
    ]
    assert list(Message.objects.values_list("conversation__members__user", flat=True).distinct()) != []
    assert not Message.objects.filter(conversation__members__user=personas.mentee).exists()


def test_a_member_who_does_not_manage_picks_at_most_fifty_people_and_no_groups(client, personas, session):
    many = [MembershipFactory(program=personas.program).user.pk for _ in range(services.MAX_SHARE_PICKS + 1)]
    cohort = CohortFactory(program=personas.program)
    client.force_login(personas.mentor)

    assert "Share with a whole cohort" not in page_text(client.get(share_url(session)))
    too_many = client.post(share_url(session), {"people": many})
    groups = client.post(
        share_url(session), {"people": [personas.mentee.pk], "cohorts": [cohort.pk], "everyone": "on"}
    )

    assert too_many.status_code == 400
    assert field_errors(too_many, "people") == ["Share with at most 50 people at once (you picked 51)."]
    assert groups.status_code == 302  # the group fields are not on the form: only the mentee
    assert Message.objects.count() == 1
    with pytest.raises(services.MessageError):
        services.session_share(session=session, sharer=personas.mentor, cohorts=[cohort.pk])


def test_a_manager_shares_with_a_whole_program_through_tasks_once(
    client, personas, session, django_capture_on_commit_callbacks
):
    for _ in range(services.SHARE_NOW + 10):
        MembershipFactory(program=personas.program)
    members = personas.program.memberships.exclude(user=personas.manager).count()
    client.force_login(personas.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(share_url(session), {"everyone": "on", "body": "For everyone"}, follow=True)

    assert toasts(response) == [f"Sharing with {members} people: their messages go out in a moment."]
    assert not Message.objects.exists()  # the request left it to the tasks
    run_tasks()
    assert Message.objects.filter(kind=Message.Kind.SHARE).count() == members
    # A batch run again (a retry) posts nothing twice.
    shared_at = Message.objects.first().created_at
    ids = list(personas.program.memberships.exclude(user=personas.manager).values_list("user_id", flat=True))
    services.share_send(
        session=session, sharer=personas.manager, user_ids=ids, note="For everyone", shared_at=shared_at
    )
    assert Message.objects.filter(kind=Message.Kind.SHARE).count() == members
    assert (
        not Participant.objects.exclude(status=Participant.Status.HOST).exclude(user=personas.mentee).exists()
    )


def test_a_share_task_run_twice_or_enqueued_twice_stores_each_card_once(
    personas, session, django_capture_on_commit_callbacks
):
    people = [MembershipFactory(program=personas.program).user for _ in range(services.SHARE_NOW + 5)]
    with django_capture_on_commit_callbacks(execute=True):
        services.session_share(session=session, sharer=personas.manager, everyone=True, note="Join us")
    (batch,) = DBTaskResult.objects.filter(task_path=tasks.share_batch.module_path)
    enqueue_again(batch)  # a duplicate delivery of the same task

    run_tasks()
    tasks.share_batch.call(**batch.args_kwargs["kwargs"])  # and a retry after both ran

    shares = Message.objects.filter(kind=Message.Kind.SHARE, session=session)
    recipients = len(people) + 2  # with the mentor and the mentee
    assert shares.count() == recipients
    assert shares.values("conversation").distinct().count() == recipients


def test_the_database_refuses_a_second_copy_of_a_share(personas, session):
    services.share_send(
        session=session,
        sharer=personas.mentor,
        user_ids=[personas.mentee.pk],
        note="",
        shared_at=timezone.now(),
    )
    first = Message.objects.get(kind=Message.Kind.SHARE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            conversation=first.conversation,
            author=first.author,
            kind=Message.Kind.SHARE,
            session=session,
            created_at=first.created_at,
        )


def test_a_manager_shares_with_a_cohort(client, personas, session):
    cohort = CohortFactory(program=personas.program, name="Spring 2027")
    in_it = MembershipFactory(program=personas.program)
    in_it.cohorts.add(cohort)
    client.force_login(personas.manager)

    assert "Share with a whole cohort" in page_text(client.get(share_url(session)))
    client.post(share_url(session), {"cohorts": [cohort.pk]})

    assert Message.objects.count() == 1
    assert Message.objects.filter(conversation__members__user=in_it.user).exists()


def test_an_ended_session_cannot_be_shared(client, personas, session):
    session.starts_at = timezone.now() - timedelta(days=2)
    session.ends_at = session.starts_at + timedelta(hours=1)
    session.save()
    client.force_login(personas.mentor)
    assert client.get(share_url(session)).status_code == 403
    assert client.post(share_url(session), {"people": [personas.mentee.pk]}).status_code == 403
    assert not Message.objects.exists()


def test_the_session_page_and_the_lists_link_to_the_share_page(client, personas, session):
    client.force_login(personas.mentee)
    assert share_url(session) in client.get(session.get_absolute_url()).content.decode()
    assert (
        share_url(session)
        in client.get(reverse("groupsessions:program", args=[personas.program.slug])).content.decode()
    )


def toast_kinds(response) -> list[str]:
    return re.findall(r'<p class="toast toast-([\w-]+)">', response.content.decode())


def test_when_everyone_picked_is_skipped_nothing_is_shared_and_the_form_stays(client, personas, session):
    Block.objects.create(blocker=personas.mentee, blocked=personas.mentor, created_at=timezone.now())
    client.force_login(personas.mentor)

    response = client.post(share_url(session), {"people": [personas.mentee.pk], "body": "Come along"})

    assert response.status_code == 200
    assert toast_kinds(response) == ["error"]
    assert toasts(response) == [
        "Not shared: nobody got it. The 1 person you picked was skipped: "
        "you cannot send messages to each other."
    ]
    assert "Share this session" in page_text(response)
    assert "Come along" in response.content.decode()  # the note is kept
    assert not Message.objects.exists()


def test_when_some_are_skipped_the_share_is_told_as_a_warning(client, personas, session):
    Block.objects.create(blocker=personas.mentee, blocked=personas.mentor, created_at=timezone.now())
    client.force_login(personas.mentor)

    response = client.post(
        share_url(session), {"people": [personas.mentee.pk, personas.manager.pk]}, follow=True
    )

    assert toast_kinds(response) == ["warning"]


def test_a_full_share_is_told_as_a_success(client, personas, session):
    client.force_login(personas.mentor)
    response = client.post(share_url(session), {"people": [personas.mentee.pk]}, follow=True)
    assert toast_kinds(response) == ["success"]


def test_sharing_from_a_sessions_list_goes_back_to_that_list(client, personas, session):
    sessions_list = reverse("personal:sessions")
    client.force_login(personas.mentor)
    listed = client.get(sessions_list).content.decode()
    assert f"{share_url(session)}?next={quote(sessions_list)}" in listed.replace("&amp;", "&")

    form = client.get(f"{share_url(session)}?next={quote(sessions_list)}")
    assert f'name="next" value="{sessions_list}"' in form.content.decode()
    response = client.post(share_url(session), {"people": [personas.mentee.pk], "next": sessions_list})

    assert response.status_code == 302
    assert response["Location"] == sessions_list


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_sharing_goes_back_only_to_this_sites_pages(client, personas, session, target):
    client.force_login(personas.mentor)
    response = client.post(share_url(session), {"people": [personas.mentee.pk], "next": target})
    assert response["Location"] == session.get_absolute_url()
