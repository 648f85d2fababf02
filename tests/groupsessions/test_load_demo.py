"""`manage.py load_demo` creates the documented demo people, once, each able to sign in."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Cohort, Membership, Program, Tag

DEMO_PASSWORD = "mentorcircle"
MENTEES = ["mentee@example.com"] + [f"mentee{n}@example.com" for n in range(2, 21)]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (User, Program, Membership, Cohort, Tag)}


@pytest.fixture
def demo(db):  # noqa: ARG001 (requested for its effect: database access)
    call_command("load_demo")


@pytest.mark.usefixtures("db")
def test_loading_the_demo_twice_creates_everything_once(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")

    assert counts() == first
    assert first["Program"] == 2
    assert "Demo loaded." in capsys.readouterr().out


@pytest.mark.usefixtures("demo")
def test_demo_program_has_the_documented_people_and_roles():
    demo_program = Program.objects.get(slug="demo")
    roles = dict(demo_program.memberships.values_list("user__email", "role"))

    assert roles.pop("pm@example.com") == Membership.Role.MANAGER
    assert roles.pop("mentor@example.com") == Membership.Role.MENTOR
    assert roles.pop("mentor2@example.com") == Membership.Role.MENTOR
    assert roles == dict.fromkeys(MENTEES, Membership.Role.MENTEE)
    assert demo_program.allow_group_sessions is True


@pytest.mark.usefixtures("demo")
def test_demo_mentees_are_split_between_the_two_cohorts():
    demo_program = Program.objects.get(slug="demo")
    assert sorted(demo_program.cohorts.values_list("name", flat=True)) == ["Autumn 2027", "Spring 2027"]

    for email in MENTEES:
        membership = Membership.objects.get(program=demo_program, user__email=email)
        assert membership.cohorts.count() == 1, email
    spring = demo_program.cohorts.get(name="Spring 2027")
    assert spring.memberships.count() == 10
    assert Membership.objects.get(user__email="mentee@example.com").cohorts.get() == spring


@pytest.mark.usefixtures("demo")
def test_other_program_is_run_by_its_own_manager():
    other = Program.objects.get(name="Other Program")

    assert other.memberships.get(user__email="other-pm@example.com").role == Membership.Role.MANAGER
    assert not Membership.objects.filter(program__slug="demo", user__email__startswith="other-").exists()
    assert not other.memberships.filter(user__email="pm@example.com").exists()


@pytest.mark.parametrize(
    "email",
    [
        "pm@example.com",
        "mentor@example.com",
        "mentor2@example.com",
        *MENTEES,
        "other-pm@example.com",
        "other-mentor@example.com",
        "other-mentee@example.com",
    ],
)
@pytest.mark.usefixtures("demo")
def test_every_demo_person_can_sign_in_with_the_documented_password(client, email):
    assert client.login(email=email, password=DEMO_PASSWORD)


@pytest.mark.usefixtures("demo")
def test_demo_manager_signs_in_through_the_sign_in_page_and_can_manage_the_demo(client):
    client.post(reverse("account_login"), {"login": "pm@example.com", "password": DEMO_PASSWORD})

    response = client.get(reverse("manage:members", args=["demo"]))

    assert response.status_code == 200
    assert "23 members" in response.content.decode()


@pytest.mark.usefixtures("db")
def test_reloading_the_demo_keeps_a_password_someone_changed():
    call_command("load_demo")
    pm = User.objects.get(email="pm@example.com")
    pm.set_password("my-own-Secret-1")
    pm.save()

    call_command("load_demo")

    assert User.objects.get(email="pm@example.com").check_password("my-own-Secret-1")
