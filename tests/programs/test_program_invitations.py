"""Adding an address that already has an account makes a pending invitation: the manager sees
only what they typed, and the person joins only when they accept (or declines)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorcircle.programs.models import Membership, ProgramInvitation
from tests.factories import CohortFactory, TagFactory
from tests.helpers import page_text, run_tasks, toasts
from tests.notifications.conftest import committed

STORED_NAME = "Bea Beta-Manager"
JOIN_URL = "/programs/alpha/join/"


def invitation(program, email: str = "", **extra) -> ProgramInvitation:
    email = email or f"invitee{ProgramInvitation.objects.count()}@example.org"
    return ProgramInvitation.objects.create(
        program=program, email=email.lower(), name_given="Typed Name", role="mentee", **extra
    )


def add(client, email: str, full_name: str, **extra):
    with committed():
        return client.post(
            reverse("manage:member_add", args=["alpha"]),
            {"email": email, "full_name": full_name, "role": "mentee", **extra},
            follow=True,
        )


def test_adding_an_account_from_another_program_never_shows_the_manager_its_stored_name(client, personas):
    client.force_login(personas.manager)

    response = add(client, personas.other_manager.email, "B. Someone")
    members = client.get(reverse("manage:members", args=["alpha"]))
    profile = client.get(reverse("groupsessions:profile", args=[personas.other_manager.pk]))

    assert toasts(response) == ["Invited B. Someone."]
    assert STORED_NAME not in page_text(response)
    assert "Invited, not joined yet" in page_text(members)
    assert "B. Someone" in page_text(members)
    assert personas.other_manager.email in page_text(members)
    assert STORED_NAME not in page_text(members)
    assert profile.status_code == 404  # they share no program yet
    assert not Membership.objects.filter(program=personas.program, user=personas.other_manager).exists()


def test_the_invited_person_gets_exactly_one_email_with_the_join_link(client, personas):
    client.force_login(personas.manager)
    add(client, personas.other_manager.email, "B. Someone")
    add(client, personas.other_manager.email, "B. Someone")  # again: the same invitation
    assert mail.outbox == []

    run_tasks()
    run_tasks()

    (message,) = mail.outbox
    assert message.to == [personas.other_manager.email]
    assert message.subject == "You're invited to join Alpha Mentoring on MentorCircle"
    assert "Maria Manager invited you to join Alpha Mentoring on MentorCircle as a mentee." in message.body
    assert f"http://testserver{JOIN_URL}" in message.body
    assert f"http://testserver{JOIN_URL}" in message.alternatives[0][0]
    assert ProgramInvitation.objects.count() == 1


def test_accepting_makes_them_a_member_with_the_invited_role_cohorts_and_tags(client, personas):
    spring = CohortFactory(program=personas.program, name="Spring 2027")
    design = TagFactory(program=personas.program, name="Design")
    client.force_login(personas.manager)
    add(
        client,
        personas.other_manager.email,
        "B. Someone",
        role="mentor",
        cohorts=[spring.pk],
        tags=[design.pk],
    )
    client.force_login(personas.other_manager)
    program_page = reverse("groupsessions:program", args=["alpha"])

    before = client.get(program_page)
    question = client.get(JOIN_URL)
    with committed():
        response = client.post(JOIN_URL, {"answer": "accept"}, follow=True)

    assert before.status_code == 404  # nothing of the program shows before accepting
    assert "Join Alpha Mentoring as mentor?" in page_text(question)
    assert toasts(response) == ["You joined Alpha Mentoring."]
    membership = Membership.objects.get(program=personas.program, user=personas.other_manager)
    assert membership.role == Membership.Role.MENTOR
    assert list(membership.cohorts.all()) == [spring]
    assert list(membership.tags.all()) == [design]
    assert not ProgramInvitation.objects.exists()
    assert client.get(program_page).status_code == 200


def test_opening_the_join_page_changes_nothing(client, personas):
    invitation(program=personas.program, email=personas.other_manager.email)
    client.force_login(personas.other_manager)

    client.get(JOIN_URL)

    assert ProgramInvitation.objects.count() == 1
    assert not Membership.objects.filter(program=personas.program, user=personas.other_manager).exists()


def test_declining_removes_the_invitation_and_adds_nothing(client, personas):
    invitation(program=personas.program, email=personas.other_manager.email)
    client.force_login(personas.other_manager)

    with committed():
        response = client.post(JOIN_URL, {"answer": "decline"}, follow=True)

    assert toasts(response) == ["You declined the invitation to Alpha Mentoring."]
    assert not ProgramInvitation.objects.exists()
    assert not Membership.objects.filter(program=personas.program, user=personas.other_manager).exists()
    assert client.get(JOIN_URL).status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "mentee", "manager"])
def test_another_signed_in_person_cannot_answer_the_invitation(client, personas, persona):
    invitation(program=personas.program, email=personas.other_manager.email)
    client.force_login(getattr(personas, persona))

    assert client.get(JOIN_URL).status_code == 404
    assert client.post(JOIN_URL, {"answer": "accept"}).status_code == 404
    assert client.post(JOIN_URL, {"answer": "decline"}).status_code == 404
    assert ProgramInvitation.objects.count() == 1


def test_answering_needs_sign_in(client, personas):
    invitation(program=personas.program, email=personas.other_manager.email)

    response = client.post(JOIN_URL, {"answer": "accept"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={JOIN_URL}"
    assert ProgramInvitation.objects.count() == 1


def test_csv_import_of_an_existing_account_makes_an_invitation(client, personas):
    client.force_login(personas.manager)
    data = (
        "email,name,role\n"
        f"{personas.other_manager.email},B. Someone,mentor\n"
        "new@example.org,Nu Person,mentee\n"
    )

    with committed():
        response = client.post(
            reverse("manage:members_import", args=["alpha"]),
            {"file": SimpleUploadedFile("members.csv", data.encode(), content_type="text/csv")},
        )
    run_tasks()

    assert "1 created, 1 invited, 0 updated, 0 unchanged, 0 rejected." in page_text(response)
    assert STORED_NAME not in page_text(response)
    invitation = ProgramInvitation.objects.get(program=personas.program)
    assert (invitation.email, invitation.name_given, invitation.role) == (
        personas.other_manager.email,
        "B. Someone",
        "mentor",
    )
    assert not Membership.objects.filter(program=personas.program, user=personas.other_manager).exists()
    assert sorted(m.subject for m in mail.outbox) == [
        "You're invited to join Alpha Mentoring on MentorCircle",
        "You've been added to Alpha Mentoring on MentorCircle",
    ]


def test_the_invited_section_costs_one_query_however_many_are_invited(client, personas):
    client.force_login(personas.manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("manage:members", args=["alpha"])).status_code == 200
        return len(captured)

    invitation(program=personas.program)
    one = queries()
    for _ in range(20):
        invitation(personas.program)
    assert queries() == one


@pytest.mark.parametrize(
    "inviter_name",
    ["Bartholomew " + "x" * 138, "\u200fمريم العربية", "Line\r\nBreak"],
    ids=["150 characters", "right to left", "line break stored before names were one line"],
)
def test_the_invitation_email_survives_unusual_inviter_names(client, personas, inviter_name):
    type(personas.manager).objects.filter(pk=personas.manager.pk).update(full_name=inviter_name)
    client.force_login(personas.manager)
    add(client, personas.other_manager.email, "B. Someone")

    run_tasks()

    (message,) = mail.outbox
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert message.message()["To"] == personas.other_manager.email  # headers build without error
    assert f"http://testserver{JOIN_URL}" in message.body
