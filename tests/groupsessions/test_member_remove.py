"""A program manager removes members (one from their page, or the ticked rows of Manager >
Members): their future places go (the waitlist moves up, people are told as for a leave), their
past attendance stays, and the program's pages answer them 404. Hosts of upcoming sessions and
the last program manager stay."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import Participant
from mentorcircle.programs.models import MemberChange, Membership
from tests.factories import GroupSessionFactory, MembershipFactory, ParticipantFactory, UserFactory
from tests.helpers import page_text, run_tasks, toasts
from tests.notifications.conftest import (
    NOW,
    STARTS,
    attachment_texts,
    committed,
    create,
    invite,
    join,
    member,
    subjects,
    the_email,
)

Status = Participant.Status
Role = Membership.Role
TITLE = "Negotiating your first salary"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW)
    return time_machine


def membership(personas, persona: str = "mentee") -> Membership:
    return Membership.objects.get(program=personas.program, user=getattr(personas, persona))


def remove_url(m: Membership) -> str:
    return reverse("manage:member_remove", args=[m.program.slug, m.pk])


def place(session, user) -> str:
    return Participant.objects.get(session=session, user=user).status


def is_member(personas, user) -> bool:
    return Membership.objects.filter(program=personas.program, user=user).exists()


@pytest.fixture
def full_session(personas):
    """The mentor's session for 2 (host included): the mentee holds the seat, Wanda waits."""
    session = create(personas.program, personas.mentor, max_participants=2)
    join(session, personas.mentee)
    waiting = member(personas.program, full_name="Wanda Waiting")
    join(session, waiting)
    run_tasks()
    return session, waiting


# ---- One member, from their page -----------------------------------------------------------------


@pytest.mark.usefixtures("full_session")
def test_the_confirmation_says_what_removing_does(client, personas):
    client.force_login(personas.manager)

    text = page_text(client.get(remove_url(membership(personas))))

    assert "<h1>Remove Mina Mentee from Alpha Mentoring?</h1>" in text
    assert "Their place in 1 upcoming session is given up" in text
    assert "the waitlist moves up" in text
    assert "Their attendance at past sessions stays in the reports." in text
    assert ">Remove from program</button>" in text
    assert is_member(personas, personas.mentee)  # asking changes nothing


def test_removing_releases_the_seat_to_the_waitlist_and_everyone_is_told(client, personas, full_session):
    session, waiting = full_session
    other = create(personas.program, personas.manager, title="Another session")
    invite(other, personas.manager, personas.mentee)
    run_tasks()
    client.force_login(personas.manager)

    with committed():
        response = client.post(remove_url(membership(personas)), follow=True)

    assert toasts(response) == [
        "Removed Mina Mentee from Alpha Mentoring. 2 places in upcoming sessions given up."
    ]
    text = page_text(response)
    assert "Mina Mentee" not in text[text.index("<tbody>") : text.index("</tbody>")]
    assert not is_member(personas, personas.mentee)
    assert place(session, personas.mentee) == Status.LEFT
    assert place(session, waiting) == Status.REGISTERED
    assert place(other, personas.mentee) == Status.DECLINED
    run_tasks()
    assert the_email(waiting, "A seat freed up")
    # Told why, with the calendar entry taken out, and no link to a session they cannot open.
    given_up = the_email(personas.mentee, f"Your place was given up: {TITLE}")
    assert "You are no longer a member of Alpha Mentoring, so your place in" in given_up.body
    assert session.get_absolute_url() not in given_up.body
    assert "METHOD:CANCEL" in attachment_texts(given_up)[0]
    assert not [subject for subject in subjects(personas.mentee) if subject.startswith("You left")]


@pytest.mark.usefixtures("full_session")
def test_the_removal_is_recorded_and_the_history_outlives_the_membership(client, personas):
    client.force_login(personas.manager)

    with committed():
        client.post(remove_url(membership(personas)))

    (change,) = MemberChange.objects.filter(program=personas.program, user=personas.mentee)
    assert (change.action, change.description, change.changed_by) == (
        "removed",
        "Removed from the program (was Mentee)",
        personas.manager,
    )
    again = MembershipFactory(program=personas.program, user=personas.mentee, role=Role.MENTOR)
    text = page_text(client.get(reverse("manage:member", args=["alpha", again.pk])))
    assert "Removed from the program (was Mentee)" in text


def test_the_members_history_shows_who_removed_whom_after_the_member_is_gone(client, personas):
    client.force_login(personas.manager)
    with committed():
        client.post(remove_url(membership(personas)))

    members = page_text(client.get(reverse("manage:members", args=["alpha"])))
    history_url = reverse("manage:member_changes", args=["alpha"])
    text = page_text(client.get(history_url))

    assert f'href="{history_url}"' in members
    entry = text[text.index("<ol") : text.index("</ol>")]
    assert "<strong>Mina Mentee</strong> · Removed from the program (was Mentee)" in entry
    assert "by Maria Manager" in entry


def test_the_members_history_costs_the_same_for_few_and_many_changes(client, personas):
    client.force_login(personas.manager)
    url = reverse("manage:member_changes", args=["alpha"])

    def changes(count: int) -> None:
        people = UserFactory.create_batch(count)
        MemberChange.objects.bulk_create(
            MemberChange(
                program=personas.program,
                user=person,
                changed_by=personas.manager,
                action="added",
                description="Added as Mentee",
            )
            for person in people
        )

    changes(3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    changes(60)
    with CaptureQueriesContext(connection) as many:
        text = page_text(client.get(url))

    assert text.count("Added as Mentee") == 20  # one page
    assert len(many) == len(few)


def test_past_participation_stays_and_a_seat_under_way_stays(clock, personas):
    past = GroupSessionFactory(
        program=personas.program, host=personas.mentor, starts_at=NOW - timedelta(days=7)
    )
    attended = ParticipantFactory(session=past, user=personas.mentee, attended=True)
    live = create(personas.program, personas.manager, title="Under way")
    join(live, personas.mentee)
    clock.move_to(STARTS + timedelta(minutes=10))

    with committed():
        services.members_remove(
            program=personas.program, memberships=[membership(personas)], actor=personas.manager
        )

    attended.refresh_from_db()
    assert (attended.status, attended.attended) == (Status.REGISTERED, True)
    assert place(live, personas.mentee) == Status.REGISTERED


def test_a_removed_member_no_longer_sees_the_program_or_its_sessions(personas, full_session):
    session, _ = full_session
    past = GroupSessionFactory(
        program=personas.program, host=personas.mentor, starts_at=NOW - timedelta(days=7)
    )
    ParticipantFactory(session=past, user=personas.mentee, attended=True)
    mentee = Client()
    mentee.force_login(personas.mentee)
    assert mentee.get(session.get_absolute_url()).status_code == 200

    with committed():
        services.members_remove(
            program=personas.program, memberships=[membership(personas)], actor=personas.manager
        )

    for path in (
        reverse("groupsessions:program", args=["alpha"]),
        session.get_absolute_url(),
        past.get_absolute_url(),
        reverse("groupsessions:profile", args=[personas.mentor.pk]),
    ):
        response = mentee.get(path)
        assert response.status_code == 404, path
        assert "Alpha Mentoring" not in page_text(response), path
    # Their own lists no longer lead there either.
    for tab in ("future", "past"):
        text = page_text(mentee.get(reverse("personal:sessions"), {"tab": tab}))
        assert "Alpha Mentoring" not in text, tab
        assert past.get_absolute_url() not in text, tab
    with committed():
        assert mentee.post(reverse("groupsessions:join", args=[session.pk])).status_code == 404
    assert place(session, personas.mentee) == Status.LEFT


def test_the_host_of_upcoming_sessions_cannot_be_removed_until_they_are_cancelled(
    client, personas, full_session
):
    session, _ = full_session
    create(personas.program, personas.mentor, title="A second one")
    client.force_login(personas.manager)
    mentor = membership(personas, "mentor")

    confirm = page_text(client.get(remove_url(mentor)))
    with committed():
        response = client.post(remove_url(mentor))

    message = (
        "Theo Mentor hosts 2 upcoming sessions in Alpha Mentoring: cancel them first (Manager › Sessions)."
    )
    assert message in confirm
    assert ">Remove from program</button>" not in confirm
    assert response.status_code == 200
    assert message in page_text(response)
    assert "Nothing was changed." in page_text(response)
    assert is_member(personas, personas.mentor)
    assert place(session, personas.mentee) == Status.REGISTERED
    assert not MemberChange.objects.exists()


def test_the_last_program_manager_cannot_be_removed(client, personas):
    client.force_login(personas.manager)
    manager = membership(personas, "manager")

    confirm = page_text(client.get(remove_url(manager)))
    with committed():
        client.post(remove_url(manager))

    message = (
        "You are the only program manager of Alpha Mentoring: make another member a program manager first."
    )
    assert message in confirm
    assert ">Remove from program</button>" not in confirm
    assert is_member(personas, personas.manager)
    with pytest.raises(services.SessionError, match="only program manager"):
        services.members_remove(program=personas.program, memberships=[manager], actor=personas.manager)
    assert is_member(personas, personas.manager)


def test_a_manager_may_remove_themselves_while_another_manager_stays(client, personas):
    MembershipFactory(program=personas.program, role=Role.MANAGER)
    client.force_login(personas.manager)

    with committed():
        response = client.post(remove_url(membership(personas, "manager")))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not is_member(personas, personas.manager)
    assert client.get(reverse("manage:members", args=["alpha"])).status_code == 404


def test_only_a_manager_of_the_program_can_remove_through_the_service(personas):
    with pytest.raises(services.SessionError):
        services.members_remove(
            program=personas.program, memberships=[membership(personas)], actor=personas.other_manager
        )
    with pytest.raises(services.SessionError):
        services.members_remove(
            program=personas.program, memberships=[membership(personas)], actor=personas.mentor
        )

    assert is_member(personas, personas.mentee)


@pytest.mark.usefixtures("full_session")
def test_removing_needs_csrf(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.manager)

    response = client.post(remove_url(membership(personas)))

    assert response.status_code == 403
    assert is_member(personas, personas.mentee)


# ---- Bulk removal -----------------------------------------------------------------------------


def ask_to_remove(client, members, query: str = ""):
    url = reverse("manage:members_bulk", args=["alpha"]) + (f"?{query}" if query else "")
    return client.post(url, {"bulk-action": "remove", "bulk-members": [m.pk for m in members]})


def confirm_removal(client, members, query: str = ""):
    url = reverse("manage:members_remove", args=["alpha"]) + (f"?{query}" if query else "")
    with committed():
        return client.post(url, {"bulk-members": [m.pk for m in members]})


@pytest.mark.usefixtures("full_session")
def test_bulk_removal_lists_the_people_and_asks_first(client, personas):
    extra = member(personas.program, full_name="Xavi Extra")
    client.force_login(personas.manager)

    response = ask_to_remove(
        client, [membership(personas), Membership.objects.get(user=extra)], "role=mentee"
    )

    text = page_text(response)
    assert "<h1>Remove 2 members from Alpha Mentoring?</h1>" in text
    table = text[text.index("<tbody>") : text.index("</tbody>")]
    assert "Mina Mentee" in table
    assert "Xavi Extra" in table
    assert "Their 1 place in upcoming sessions is given up" in text
    assert 'action="/manage/alpha/members/remove/?role=mentee"' in text
    assert ">Remove 2 members</button>" in text
    assert is_member(personas, personas.mentee)
    assert is_member(personas, extra)


def test_bulk_removal_removes_everyone_listed(client, personas, full_session):
    session, waiting = full_session
    extra = member(personas.program, full_name="Xavi Extra")
    client.force_login(personas.manager)

    response = confirm_removal(
        client, [membership(personas), Membership.objects.get(user=extra)], "role=mentee"
    )

    assert response.status_code == 302
    assert response["Location"] == "/manage/alpha/members/?role=mentee"
    assert toasts(client.get(response["Location"])) == [
        "Removed 2 members from Alpha Mentoring. 1 place in upcoming sessions given up."
    ]
    assert not is_member(personas, personas.mentee)
    assert not is_member(personas, extra)
    assert place(session, waiting) == Status.REGISTERED
    assert MemberChange.objects.filter(action="removed").count() == 2
    run_tasks()
    assert the_email(waiting, "A seat freed up")


def test_bulk_removal_is_refused_as_a_whole_when_one_of_them_hosts(client, personas, full_session):
    session, _ = full_session
    client.force_login(personas.manager)
    chosen = [membership(personas), membership(personas, "mentor")]

    confirm = page_text(ask_to_remove(client, chosen))
    response = confirm_removal(client, chosen)

    assert "Nobody can be removed until this is sorted out." in confirm
    assert "Theo Mentor hosts 1 upcoming session in Alpha Mentoring: cancel it first" in confirm
    assert "Remove 2 members</button>" not in confirm
    assert response.status_code == 200
    assert "Theo Mentor hosts 1 upcoming session" in page_text(response)
    assert is_member(personas, personas.mentee)
    assert is_member(personas, personas.mentor)
    assert place(session, personas.mentee) == Status.REGISTERED
    assert not MemberChange.objects.exists()


def test_bulk_removal_cannot_take_every_manager(client, personas):
    second = MembershipFactory(
        program=personas.program, role=Role.MANAGER, user=UserFactory(full_name="Sam Second")
    )
    client.force_login(personas.manager)

    response = confirm_removal(client, [membership(personas, "manager"), second, membership(personas)])

    assert (
        "You, Sam Second are the only program managers of Alpha Mentoring: keep at least one of them"
        in page_text(response)
    )
    assert Membership.objects.filter(program=personas.program).count() == 4


def test_a_stale_or_foreign_list_removes_nobody_and_says_so(client, personas):
    client.force_login(personas.manager)
    beta = Membership.objects.get(user=personas.other_manager)

    response = confirm_removal(client, [membership(personas), beta])

    assert response.status_code == 302
    assert toasts(client.get(response["Location"])) == [
        "Some of the people ticked are not members of this program (any more). Nothing was changed."
    ]
    assert is_member(personas, personas.mentee)
    assert Membership.objects.filter(pk=beta.pk).exists()


# ---- Two managers at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_managers_removing_each_other_at_once_leave_one_manager(personas):
    second = MembershipFactory(program=personas.program, role=Role.MANAGER).user
    first = personas.manager
    pairs = [(first, membership(personas, "manager").pk), (second, Membership.objects.get(user=second).pk)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(actor, other_pk):
        try:
            barrier.wait(timeout=30)
            target = Membership.objects.get(pk=other_pk)
            services.members_remove(program=personas.program, memberships=[target], actor=actor)
            outcomes.append("removed")
        except services.SessionError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=remove, args=(actor, pairs[1 - i][1])) for i, (actor, _) in enumerate(pairs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "removed"]
    assert Membership.objects.filter(program=personas.program, role=Role.MANAGER).count() == 1


def test_removing_yourself_is_asked_and_refused_in_the_second_person(client, personas):
    create(personas.program, personas.manager, title="My own session")
    client.force_login(personas.manager)
    manager = membership(personas, "manager")

    confirm = page_text(client.get(remove_url(manager)))
    with committed():
        refused = page_text(client.post(remove_url(manager)))

    for page in (confirm, refused):
        text = page[page.index("<h1>") : page.index("</main>")]
        assert "<h1>Remove yourself from Alpha Mentoring?</h1>" in text
        assert "You cannot be removed now." in text
        assert "You host 1 upcoming session in Alpha Mentoring" in text
        assert "You are the only program manager of Alpha Mentoring" in text
        assert "Your attendance at past sessions stays in the reports." in text
        for third_person in ("They ", "Their ", "Maria Manager", "Keep them"):
            assert third_person not in text, third_person
    # Nothing was tried yet when the page first says why not; the refused POST changed nothing.
    assert "Nothing was changed." not in confirm
    assert "Nothing was changed." in refused
    assert is_member(personas, personas.manager)


def test_the_refusal_says_nothing_was_changed_only_after_a_try(client, personas):
    create(personas.program, personas.mentor, title="A session")
    client.force_login(personas.manager)
    mentor = membership(personas, "mentor")

    confirm = page_text(client.get(remove_url(mentor)))
    with committed():
        refused = page_text(client.post(remove_url(mentor)))

    assert "They cannot be removed now." in confirm
    assert "Nothing was changed." not in confirm
    assert "Nothing was changed." in refused
