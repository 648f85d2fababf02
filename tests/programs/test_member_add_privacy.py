"""Adding a member by email shows the manager only what they typed; someone who already has an
account is invited and joins only on accepting; a member can leave the program from its page
(giving up their places in its sessions)."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

import mentorcircle.programs.services
from mentorcircle.groupsessions import services as session_services
from mentorcircle.groupsessions.models import Participant
from mentorcircle.programs.models import Membership, ProgramInvitation
from tests.helpers import page_text, run_tasks, toasts
from tests.notifications.conftest import (
    NOW,
    STARTS,
    committed,
    create,
    invite,
    join,
    member,
    subjects,
    the_email,
)

Status = Participant.Status
TITLE = "Negotiating your first salary"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW)
    return time_machine


def add(client, email: str, full_name: str, **extra):
    with committed():
        return client.post(
            reverse("manage:member_add", args=["alpha"]),
            {"email": email, "full_name": full_name, "role": "mentee", **extra},
            follow=True,
        )


def place(session, user) -> str:
    return Participant.objects.get(session=session, user=user).status


# ---- Adding someone who already has an account -------------------------------------------------


def test_adding_someone_with_an_account_confirms_only_the_name_the_manager_typed(client, personas):
    client.force_login(personas.manager)

    response = add(client, personas.other_manager.email, "B. Someone")

    assert toasts(response) == ["Invited B. Someone."]
    assert not Membership.objects.filter(program=personas.program, user=personas.other_manager).exists()
    assert ProgramInvitation.objects.get(program=personas.program).name_given == "B. Someone"
    personas.other_manager.refresh_from_db()
    assert personas.other_manager.full_name == "Bea Beta-Manager"  # the person's name is theirs


def test_the_confirmation_reads_the_same_whether_the_address_had_an_account_or_not(client, personas):
    client.force_login(personas.manager)

    existing = add(client, personas.other_manager.email, "Pat Doe")
    new = add(client, "pat.doe@example.org", "Pat Doe")

    assert toasts(existing) == toasts(new) == ["Invited Pat Doe."]


def test_a_refused_add_shows_back_only_what_was_typed(client, personas):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:member_add", args=["alpha"]),
        {"email": personas.other_manager.email, "full_name": "B. Someone", "role": "admin"},
    )

    assert response.status_code == 200
    assert "Bea Beta-Manager" not in page_text(response)


def test_a_new_person_is_told_they_were_added_and_how_to_leave(client, personas):
    client.force_login(personas.manager)
    add(client, "pat.doe@example.org", "Pat Doe")
    assert mail.outbox == []  # nothing is mailed from the request

    run_tasks()

    (message,) = mail.outbox
    assert message.subject == "You've been added to Alpha Mentoring on MentorCircle"
    assert "Maria Manager added you to Alpha Mentoring on MentorCircle as a mentee." in message.body
    assert 'choose "Leave this program"' in message.body
    assert "http://testserver/programs/alpha/" in message.body
    assert "http://testserver/programs/alpha/" in message.alternatives[0][0]


# ---- Leaving a program -------------------------------------------------------------------------


def test_a_member_finds_leave_this_program_on_the_program_page_and_is_asked_first(client, personas):
    client.force_login(personas.mentee)
    leave_url = reverse("groupsessions:program_leave", args=["alpha"])

    page = client.get(reverse("groupsessions:program", args=["alpha"]))
    confirm = client.get(leave_url)

    assert f'href="{leave_url}"' in page.content.decode()
    assert "Leave Alpha Mentoring?" in page_text(confirm)
    assert Membership.objects.filter(program=personas.program, user=personas.mentee).exists()


def test_leaving_gives_up_seats_waitlist_places_and_invitations_in_the_programs_sessions(client, personas):
    full = create(personas.program, personas.mentor, max_participants=2)
    join(full, personas.mentee)  # with the host: 2 of 2
    waiting = member(personas.program, full_name="Wanda Waiting")
    join(full, waiting)
    other = create(personas.program, personas.mentor, max_participants=2, title="Another session")
    join(other, personas.manager)
    join(other, personas.mentee)  # waitlisted
    invited_to = create(personas.program, personas.mentor, title="A third session")
    invite(invited_to, personas.mentor, personas.mentee)
    run_tasks()
    client.force_login(personas.mentee)

    with committed():
        response = client.post(reverse("groupsessions:program_leave", args=["alpha"]), follow=True)

    assert toasts(response) == ["You left Alpha Mentoring."]
    assert not Membership.objects.filter(program=personas.program, user=personas.mentee).exists()
    assert place(full, personas.mentee) == Status.LEFT
    assert place(full, waiting) == Status.REGISTERED  # the waitlist moved up
    assert place(other, personas.mentee) == Status.LEFT
    assert place(invited_to, personas.mentee) == Status.DECLINED
    assert client.get(reverse("groupsessions:program", args=["alpha"])).status_code == 404
    run_tasks()
    # The calendar entry is taken out, and the email says why without a link to the session.
    assert f"Your place was given up: {TITLE}" in subjects(personas.mentee)
    assert the_email(waiting, "A seat freed up")


def test_a_seat_in_a_session_under_way_stays(clock, personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    clock.move_to(STARTS + timedelta(minutes=10))

    with committed():
        session_services.member_leave_program(program=personas.program, user=personas.mentee)

    assert place(session, personas.mentee) == Status.REGISTERED
    assert not Membership.objects.filter(program=personas.program, user=personas.mentee).exists()


def test_the_last_program_manager_cannot_leave_and_is_told_why(client, personas):
    client.force_login(personas.manager)

    with committed():
        response = client.post(reverse("groupsessions:program_leave", args=["alpha"]), follow=True)

    assert toasts(response) == [
        "You are the only program manager of Alpha Mentoring, so you cannot leave it: "
        "make another member a program manager first."
    ]
    assert Membership.objects.filter(program=personas.program, user=personas.manager).exists()


def test_a_program_manager_can_leave_when_another_one_stays(client, personas):
    member(personas.program, role=Membership.Role.MANAGER, full_name="Second Manager")
    client.force_login(personas.manager)

    with committed():
        client.post(reverse("groupsessions:program_leave", args=["alpha"]))

    assert not Membership.objects.filter(program=personas.program, user=personas.manager).exists()


def test_the_host_of_an_upcoming_session_cannot_leave_until_it_is_cancelled(client, personas):
    session = create(personas.program, personas.mentor)
    join(session, personas.mentee)
    client.force_login(personas.mentor)

    with committed():
        response = client.post(reverse("groupsessions:program_leave", args=["alpha"]), follow=True)

    assert "You host upcoming sessions in this program" in toasts(response)[0]
    assert Membership.objects.filter(program=personas.program, user=personas.mentor).exists()
    assert place(session, personas.mentee) == Status.REGISTERED


@pytest.mark.parametrize("persona", ["outsider", "other_manager"])
def test_people_outside_the_program_cannot_leave_it(client, personas, persona):
    client.force_login(getattr(personas, persona))

    assert client.get(reverse("groupsessions:program_leave", args=["alpha"])).status_code == 404
    assert client.post(reverse("groupsessions:program_leave", args=["alpha"])).status_code == 404


def test_programs_services_do_not_import_group_sessions():
    tree = ast.parse(Path(mentorcircle.programs.services.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }

    assert not [name for name in imported if name.startswith("mentorcircle.groupsessions")]
