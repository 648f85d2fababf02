import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Cohort, MemberChange, Membership, Program, ProgramInvitation, Tag
from tests.factories import CohortFactory, MembershipFactory, TagFactory
from tests.helpers import field_errors, page_text, run_tasks, toasts

PERSONAS = ("manager", "mentor", "mentee", "outsider", "other_manager")
MANAGER_PAGES = {
    "manage:members": "<h1>Members</h1>",
    "manage:member_add": "<h1>Add member</h1>",
    "manage:members_import": "<h1>Import members</h1>",
    "manage:settings": "<h1>Program</h1>",
}
# Pages about other people's records: not found for anyone but the program's managers, the
# program's mentors and mentees included.
HIDDEN_MANAGER_PAGES = {
    "manage:reports": "<h1>Reports</h1>",
    "manage:member_changes": "<h1>History of members</h1>",
}
# Manager > Reports' CSV files, each with how its file's name starts.
MANAGER_DOWNLOADS = {
    "manage:export_sessions": "alpha-sessions-",
    "manage:export_participants": "alpha-participants-",
    "manage:export_members": "alpha-members-",
}

# Manager > Members › a member: their page and its Remove step (GET shows, POST acts), each with
# its heading for the mentee; and the bulk actions (POST only: a GET goes back to the list).
MEMBER_ADMIN_PAGES = {
    "manage:member": "<h1>Mina Mentee</h1>",
    "manage:member_remove": "<h1>Remove Mina Mentee from Alpha Mentoring?</h1>",
}
MEMBER_ADMIN_ACTIONS = ("manage:members_bulk", "manage:members_remove")


def member_admin_url(personas, name: str) -> str:
    if name in MEMBER_ADMIN_PAGES:
        mentee = Membership.objects.get(program=personas.program, user=personas.mentee)
        return reverse(name, args=[personas.program.slug, mentee.pk])
    return reverse(name, args=[personas.program.slug])


def db_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (User, Membership, Cohort, Tag, Program)}


# ---- Who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "role_label"),
    [("manager", "Program manager"), ("mentor", "Mentor"), ("mentee", "Mentee")],
)
def test_program_page_is_shown_to_its_members_with_their_role(client, personas, persona, role_label):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("groupsessions:program", args=["alpha"]))

    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>Alpha Mentoring</h1>" in text
    assert f">{role_label}</span>" in text


@pytest.mark.parametrize("persona", ["outsider", "other_manager"])
def test_program_page_is_not_found_for_non_members(client, personas, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("groupsessions:program", args=["alpha"]))

    assert response.status_code == 404
    assert "Alpha Mentoring" not in page_text(response)


def test_unknown_program_looks_the_same_as_a_hidden_one(client, personas):
    client.force_login(personas.outsider)

    assert client.get(reverse("groupsessions:program", args=["no-such-program"])).status_code == 404


@pytest.mark.parametrize("page", MANAGER_PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_manager_pages_are_for_the_programs_managers_only(client, personas, persona, page):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse(page, args=[personas.program.slug]))

    if persona == "manager":
        assert response.status_code == 200
        text = page_text(response)
        assert MANAGER_PAGES[page] in text
        assert "Manager · Alpha Mentoring" in text
        assert "Beta Program" not in text
    elif persona in ("mentor", "mentee"):  # members are told the page is for the managers
        assert response.status_code == 403
        text = page_text(response)
        assert "Only program managers of Alpha Mentoring can see this page." in text
        assert MANAGER_PAGES[page] not in text
    else:
        assert response.status_code == 404
        assert "Alpha Mentoring" not in page_text(response)


@pytest.mark.parametrize("page", HIDDEN_MANAGER_PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_reports_are_not_found_for_anyone_but_the_programs_managers(client, personas, persona, page):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse(page, args=[personas.program.slug]))

    if persona == "manager":
        assert response.status_code == 200
        text = page_text(response)
        assert HIDDEN_MANAGER_PAGES[page] in text
        assert "Manager · Alpha Mentoring" in text
        assert "Beta Program" not in text
    else:
        assert response.status_code == 404
        text = page_text(response)
        assert HIDDEN_MANAGER_PAGES[page] not in text
        assert "Alpha Mentoring" not in text


@pytest.mark.parametrize("download", MANAGER_DOWNLOADS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_report_downloads_are_for_the_programs_managers_only(client, personas, persona, download):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse(download, args=[personas.program.slug]))

    if persona == "manager":
        assert response.status_code == 200
        disposition = f'attachment; filename="{MANAGER_DOWNLOADS[download]}'
        assert response["Content-Disposition"].startswith(disposition)
        assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")
    else:
        assert response.status_code == 404
        assert "Alpha Mentoring" not in page_text(response)
        assert not response.has_header("Content-Disposition")


@pytest.mark.parametrize("page", [*MEMBER_ADMIN_PAGES, *MEMBER_ADMIN_ACTIONS])
@pytest.mark.parametrize("persona", PERSONAS)
def test_member_administration_is_for_the_programs_managers_only(client, personas, persona, page):
    client.force_login(getattr(personas, persona))

    response = client.get(member_admin_url(personas, page))

    if persona == "manager" and page in MEMBER_ADMIN_PAGES:
        assert response.status_code == 200
        text = page_text(response)
        assert MEMBER_ADMIN_PAGES[page] in text
        assert "Manager · Alpha Mentoring" in text
        assert "Beta Program" not in text
    elif persona == "manager":
        assert response.status_code == 302
        assert response["Location"] == reverse("manage:members", args=["alpha"])
    else:
        assert response.status_code == 404
        text = page_text(response)
        assert "Alpha Mentoring" not in text
        assert "<h1>Mina Mentee</h1>" not in text
        assert "<h1>Remove" not in text


@pytest.mark.parametrize("persona", PERSONAS)
def test_manager_dashboard_leads_managers_to_members_and_hides_from_everyone_else(client, personas, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("manage:dashboard", args=["alpha"]))

    if persona == "manager":
        assert response.status_code == 302
        assert response["Location"] == reverse("manage:members", args=["alpha"])
    else:
        assert response.status_code == (403 if persona in ("mentor", "mentee") else 404)


@pytest.mark.parametrize("persona", ["mentor", "mentee", "outsider", "other_manager"])
def test_non_managers_cannot_change_anything_by_posting(client, personas, persona):
    personas.program.allow_group_sessions = False
    personas.program.save()
    cohort = CohortFactory(program=personas.program)
    mentee = Membership.objects.get(program=personas.program, user=personas.mentee)
    before = db_counts()
    client.force_login(getattr(personas, persona))
    slug = personas.program.slug

    told = [
        client.post(reverse("manage:settings", args=[slug]), settings_data(allow_group_sessions="on")),
        client.post(
            reverse("manage:member_add", args=[slug]),
            {"email": "sneaky@example.org", "full_name": "Sneaky", "role": "manager"},
        ),
        client.post(
            reverse("manage:members_import", args=[slug]),
            {"file": csv_upload(b"email,name,role\nsneaky@example.org,Sneaky,manager\n")},
        ),
    ]
    hidden = [
        client.post(member_admin_url(personas, "manage:member"), {"role": "manager", "cohorts": [cohort.pk]}),
        client.post(member_admin_url(personas, "manage:member_remove")),
        client.post(
            member_admin_url(personas, "manage:members_bulk"),
            {"bulk-action": "add_cohort", "bulk-cohort": cohort.pk, "bulk-members": [mentee.pk]},
        ),
        client.post(
            member_admin_url(personas, "manage:members_bulk"),
            {"bulk-action": "remove", "bulk-members": [mentee.pk]},
        ),
        client.post(member_admin_url(personas, "manage:members_remove"), {"bulk-members": [mentee.pk]}),
    ]

    refused = 403 if persona in ("mentor", "mentee") else 404
    assert [r.status_code for r in told] == [refused] * len(told)
    assert [r.status_code for r in hidden] == [404] * len(hidden)
    assert db_counts() == before
    mentee.refresh_from_db()
    assert mentee.role == Membership.Role.MENTEE
    assert not mentee.cohorts.exists()
    assert not MemberChange.objects.exists()
    personas.program.refresh_from_db()
    assert personas.program.allow_group_sessions is False


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("groupsessions:program", ["alpha"]),
        ("manage:dashboard", ["alpha"]),
        ("manage:members", ["alpha"]),
        ("manage:member_add", ["alpha"]),
        ("manage:members_import", ["alpha"]),
        ("manage:settings", ["alpha"]),
        ("manage:reports", ["alpha"]),
        ("manage:member_changes", ["alpha"]),
        ("manage:member", ["alpha", 1]),
        ("manage:member_remove", ["alpha", 1]),
        ("manage:members_bulk", ["alpha"]),
        ("manage:members_remove", ["alpha"]),
        ("manage:export_sessions", ["alpha"]),
        ("manage:export_participants", ["alpha"]),
        ("manage:export_members", ["alpha"]),
    ],
)
@pytest.mark.usefixtures("personas")
def test_signed_out_visitors_are_sent_to_sign_in_and_back(client, name, args):
    path = reverse(name, args=args)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


def test_manager_of_two_programs_can_switch_between_their_dashboards(client, personas):
    MembershipFactory(program=personas.other_program, user=personas.manager, role=Membership.Role.MANAGER)
    client.force_login(personas.manager)

    text = page_text(client.get(reverse("manage:members", args=["beta"])))

    assert "Manager · Beta Program" in text
    assert reverse("manage:members", args=["alpha"]) in text
    assert "Bea Beta-Manager" in text
    assert "Theo Mentor" not in text


# ---- Program settings ---------------------------------------------------------------------------


def settings_data(**overrides: str) -> dict[str, str]:
    data = {
        "default_min_participants": "1",
        "default_max_participants": "40",
        "decision_hours_before": "24",
        "join_minutes_before": "10",
        "video_service": "jitsi",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_manager_turns_on_group_sessions(client, personas):
    program = personas.program
    program.allow_group_sessions = False
    program.save()
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:settings", args=["alpha"]),
        settings_data(allow_group_sessions="on", default_max_participants="12", join_minutes_before="15"),
        follow=True,
    )

    assert toasts(response) == ["Saved!"]
    program.refresh_from_db()
    assert program.allow_group_sessions is True
    assert program.default_max_participants == 12
    assert program.join_minutes_before == 15
    assert 'id="id_allow_group_sessions" checked>' in response.content.decode()


def test_manager_turns_group_sessions_off_by_unticking(client, personas):
    client.force_login(personas.manager)

    client.post(reverse("manage:settings", args=["alpha"]), settings_data())

    personas.program.refresh_from_db()
    assert personas.program.allow_group_sessions is False


def test_settings_page_labels_the_switch_as_the_seeds_name_it(client, personas):
    client.force_login(personas.manager)

    text = page_text(client.get(reverse("manage:settings", args=["alpha"])))

    assert "Session type" in text
    assert "Allow Group Sessions" in text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"default_min_participants": "10", "default_max_participants": "5"},
            "default_min_participants",
            "The minimum cannot be more than the maximum.",
        ),
        ({"default_max_participants": "1"}, "default_max_participants", "greater than or equal to 2"),
        ({"default_max_participants": "1001"}, "default_max_participants", "less than or equal to 1000"),
        ({"default_max_participants": ""}, "default_max_participants", "This field is required."),
        ({"default_min_participants": "0"}, "default_min_participants", "greater than or equal to 1"),
        ({"default_min_participants": "two"}, "default_min_participants", "Enter a whole number."),
        ({"decision_hours_before": "337"}, "decision_hours_before", "less than or equal to 336"),
        ({"decision_hours_before": "-1"}, "decision_hours_before", "greater than or equal to 0"),
        ({"join_minutes_before": "121"}, "join_minutes_before", "less than or equal to 120"),
        ({"join_minutes_before": "2.5"}, "join_minutes_before", "Enter a whole number."),
    ],
)
def test_invalid_program_settings_are_explained_next_to_the_field_and_change_nothing(
    client, personas, overrides, field, message
):
    program = personas.program
    program.allow_group_sessions = False
    program.save()
    before = Program.objects.filter(pk=program.pk).values().get()
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:settings", args=["alpha"]), settings_data(allow_group_sessions="on", **overrides)
    )

    assert response.status_code == 200
    errors = field_errors(response, field)
    assert len(errors) == 1
    assert message in errors[0]
    assert toasts(response) == []
    assert Program.objects.filter(pk=program.pk).values().get() == before


# ---- Add member ---------------------------------------------------------------------------------


def test_manager_adds_a_new_person_who_gets_one_invitation_to_set_up_their_account(
    client, personas, django_capture_on_commit_callbacks
):
    spring = CohortFactory(program=personas.program, name="Spring 2027")
    design = TagFactory(program=personas.program, name="Design")
    client.force_login(personas.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("manage:member_add", args=["alpha"]),
            {
                "email": "Ada@Example.com",
                "full_name": "Ada Lovelace",
                "role": "mentor",
                "cohorts": [spring.pk],
                "tags": [design.pk],
            },
            follow=True,
        )
    run_tasks()

    assert toasts(response) == ["Invited Ada Lovelace."]
    assert "Ada Lovelace" in page_text(response)
    ada = User.objects.get(email="ada@example.com")
    assert ada.full_name == "Ada Lovelace"
    membership = Membership.objects.get(program=personas.program, user=ada)
    assert membership.role == Membership.Role.MENTOR
    assert list(membership.cohorts.all()) == [spring]
    assert list(membership.tags.all()) == [design]
    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == ["ada@example.com"]
    assert "Alpha Mentoring" in invitation.subject
    assert "Maria Manager added you to Alpha Mentoring on MentorCircle as a mentor." in invitation.body
    assert "Set up your account" in invitation.body
    assert "http://testserver/accounts/password/reset/key/" in invitation.body


def test_adding_someone_already_in_the_program_is_refused_next_to_the_email(
    client, personas, django_capture_on_commit_callbacks
):
    before = db_counts()
    client.force_login(personas.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("manage:member_add", args=["alpha"]),
            {"email": personas.mentee.email.upper(), "full_name": "Renamed", "role": "manager"},
        )

    assert response.status_code == 200
    assert field_errors(response, "email") == ["This person is already a member of this program."]
    assert db_counts() == before
    assert Membership.objects.get(user=personas.mentee).role == Membership.Role.MENTEE
    personas.mentee.refresh_from_db()
    assert personas.mentee.full_name == "Mina Mentee"
    run_tasks()  # nothing was queued for the worker to send
    assert mail.outbox == []


def test_adding_a_person_from_another_program_only_invites_them(
    client, personas, django_capture_on_commit_callbacks
):
    users_before = User.objects.count()
    client.force_login(personas.manager)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("manage:member_add", args=["alpha"]),
            {"email": personas.other_manager.email, "full_name": "A Different Name", "role": "mentor"},
        )
    run_tasks()

    assert User.objects.count() == users_before
    assert not Membership.objects.filter(program=personas.program, user=personas.other_manager).exists()
    assert ProgramInvitation.objects.get(
        program=personas.program, email=personas.other_manager.email
    ).role == ("mentor")
    assert (
        Membership.objects.get(program=personas.other_program, user=personas.other_manager).role == "manager"
    )
    personas.other_manager.refresh_from_db()
    assert personas.other_manager.full_name == "Bea Beta-Manager"
    assert personas.other_manager.check_password("a-Long-test-passw0rd")
    # They already have an account: the invitation asks them to accept, not to set one up.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [personas.other_manager.email]
    assert "http://testserver/programs/alpha/join/" in mail.outbox[0].body
    assert "password/reset" not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"email": "not-an-email", "full_name": "X", "role": "mentee"},
            "email",
            "Enter a valid email address.",
        ),
        ({"email": "", "full_name": "X", "role": "mentee"}, "email", "This field is required."),
        (
            {"email": "x@example.org", "full_name": "", "role": "mentee"},
            "full_name",
            "This field is required.",
        ),
        ({"email": "x@example.org", "full_name": "X", "role": "admin"}, "role", "Select a valid choice."),
    ],
)
def test_add_member_explains_bad_input_next_to_the_field(
    client, personas, data, field, message, django_capture_on_commit_callbacks
):
    before = db_counts()
    client.force_login(personas.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("manage:member_add", args=["alpha"]), data)

    assert response.status_code == 200
    assert message in " ".join(field_errors(response, field))
    assert db_counts() == before
    run_tasks()  # nothing was queued for the worker to send
    assert mail.outbox == []


def test_add_member_offers_only_this_programs_cohorts_and_tags(client, personas):
    CohortFactory(program=personas.program, name="Spring 2027")
    foreign = CohortFactory(program=personas.other_program, name="Beta Cohort")
    client.force_login(personas.manager)

    page = client.get(reverse("manage:member_add", args=["alpha"]))
    response = client.post(
        reverse("manage:member_add", args=["alpha"]),
        {"email": "x@example.org", "full_name": "X", "role": "mentee", "cohorts": [foreign.pk]},
    )

    assert "Spring 2027" in page_text(page)
    assert "Beta Cohort" not in page_text(page)
    assert field_errors(response, "cohorts")
    assert not User.objects.filter(email="x@example.org").exists()


# ---- CSV import through the page -------------------------------------------------------------


def csv_upload(data: bytes, name: str = "members.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_manager_imports_a_csv_file_and_sees_a_report(client, personas, django_capture_on_commit_callbacks):
    client.force_login(personas.manager)
    data = (
        "email,name,role,cohort,tags\n"
        "ada@example.com,Ada Lovelace,mentor,Spring 2027,engineering;leadership\n"
        "grace@example.com,Grace Hopper,mentee,Spring 2027,engineering\n"
        f"{personas.mentee.email},Mina Mentee,mentee,,\n"
        "broken-address,Nobody,mentee,,\n"
    ).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("manage:members_import", args=["alpha"]), {"file": csv_upload(data)})
    run_tasks()

    assert response.status_code == 200
    text = page_text(response)
    assert "2 created, 0 updated, 1 unchanged, 1 rejected." in text
    assert "“broken-address” is not a valid email address." in text
    assert set(personas.program.memberships.values_list("user__email", flat=True)) >= {
        "ada@example.com",
        "grace@example.com",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "grace@example.com"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("email,name,role\nzoë@example.com,Zoë,mentee\n".encode("latin-1"), "not UTF-8"),
        (b"email,name\nada@example.com,Ada\n", "missing: role"),
        (b"email,name,role,phone\nada@example.com,Ada,mentor,123\n", "Unknown column(s): phone."),
        (b'email,name,role\nada@example.com,"Ada "the Countess"",mentor\n', "Line 2 is not valid CSV"),
        (b"email,name,role\nada@example.com,Ada,mentee\ngrace@example.com,Grace\n", "Line 3 has 2 values"),
        (b"email,name,role\n", "header but no members"),
        (b"", "The submitted file is empty."),
    ],
)
def test_import_of_a_malformed_file_is_refused_next_to_the_file_field_and_changes_nothing(
    client, personas, data, message, django_capture_on_commit_callbacks
):
    before = db_counts()
    client.force_login(personas.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("manage:members_import", args=["alpha"]), {"file": csv_upload(data)})

    assert response.status_code == 200
    errors = field_errors(response, "file")
    assert len(errors) == 1
    assert message in errors[0]
    assert "Import report" not in page_text(response)
    assert db_counts() == before
    run_tasks()  # nothing was queued for the worker to send
    assert mail.outbox == []


def test_import_refuses_a_file_that_is_not_csv_text(client, personas):
    before = db_counts()
    client.force_login(personas.manager)
    spreadsheet = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe binary xlsx"

    response = client.post(
        reverse("manage:members_import", args=["alpha"]), {"file": csv_upload(spreadsheet, "members.xlsx")}
    )

    assert "Nothing was imported." in " ".join(field_errors(response, "file"))
    assert db_counts() == before


def test_import_without_a_file_asks_for_one(client, personas):
    client.force_login(personas.manager)

    # A browser sends the form's field even when no file was chosen.
    response = client.post(reverse("manage:members_import", args=["alpha"]), {"file": ""})

    assert field_errors(response, "file") == ["This field is required."]


# ---- Members list -------------------------------------------------------------------------------


@pytest.fixture
def labelled(personas):
    """Alpha's members with cohorts and tags: the mentor in Spring + Design, the mentee in Autumn."""
    spring = CohortFactory(program=personas.program, name="Spring 2027")
    autumn = CohortFactory(program=personas.program, name="Autumn 2027")
    design = TagFactory(program=personas.program, name="Design")
    Membership.objects.get(user=personas.mentor).cohorts.add(spring)
    Membership.objects.get(user=personas.mentor).tags.add(design)
    Membership.objects.get(user=personas.mentee).cohorts.add(autumn)
    return {"spring": spring, "autumn": autumn, "design": design}


def listed_names(response) -> set[str]:
    """Names in the members table (the signed-in manager's own name is also in the header)."""
    content = response.content.decode()
    text = content[content.find("<tbody>") : content.find("</tbody>")] if "<tbody>" in content else ""
    return {
        name for name in ("Maria Manager", "Theo Mentor", "Mina Mentee", "Bea Beta-Manager") if name in text
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Maria Manager", "Theo Mentor", "Mina Mentee"}),
        ({"q": "theo"}, {"Theo Mentor"}),
        ({"q": "MENTEE"}, {"Mina Mentee"}),
        ({"role": "manager"}, {"Maria Manager"}),
        ({"role": "mentor"}, {"Theo Mentor"}),
        ({"q": "zzz-nobody"}, set()),
        ({"q": "Bea"}, set()),
    ],
)
@pytest.mark.usefixtures("labelled")
def test_members_list_searches_and_filters_by_role(client, personas, params, expected):
    client.force_login(personas.manager)

    response = client.get(reverse("manage:members", args=["alpha"]), params)

    assert listed_names(response) == expected
    count = len(expected)
    assert f"{count} member{'' if count == 1 else 's'}" in page_text(response)


def test_members_list_searches_by_email(client, personas):
    client.force_login(personas.manager)

    response = client.get(reverse("manage:members", args=["alpha"]), {"q": personas.mentee.email})

    assert listed_names(response) == {"Mina Mentee"}


def test_members_list_filters_by_cohort_and_tag(client, personas, labelled):
    client.force_login(personas.manager)
    url = reverse("manage:members", args=["alpha"])

    assert listed_names(client.get(url, {"cohort": labelled["spring"].pk})) == {"Theo Mentor"}
    assert listed_names(client.get(url, {"cohort": labelled["autumn"].pk})) == {"Mina Mentee"}
    assert listed_names(client.get(url, {"tag": labelled["design"].pk})) == {"Theo Mentor"}
    assert listed_names(client.get(url, {"tag": labelled["design"].pk, "role": "mentee"})) == set()


@pytest.mark.usefixtures("labelled")
def test_members_list_shows_each_members_cohorts_and_tags(client, personas):
    client.force_login(personas.manager)

    content = client.get(reverse("manage:members", args=["alpha"])).content.decode()

    mentor_row = next(row for row in content.split("<tr>") if "Theo Mentor" in row)
    assert '<span class="pill">Spring 2027</span>' in mentor_row
    assert '<span class="pill">Design</span>' in mentor_row
    assert "Autumn 2027</span>" not in mentor_row


def test_members_list_paginates_and_keeps_the_filters_in_page_links(client, personas):
    MembershipFactory.create_batch(60, program=personas.program, role=Membership.Role.MENTEE)
    client.force_login(personas.manager)

    response = client.get(reverse("manage:members", args=["alpha"]), {"role": "mentee"})

    text = page_text(response)
    assert "61 members" in text
    assert "Page 1 of 2" in text
    assert 'href="?role=mentee&page=2"' in text
    assert text.count("pill-role-mentee") == 50


def members_page_queries(client, slug: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("manage:members", args=[slug]))
    assert response.status_code == 200
    return len(queries)


def test_members_page_costs_the_same_queries_at_5_and_200_members(client, personas):
    program = personas.program
    cohorts = CohortFactory.create_batch(3, program=program)
    tags = TagFactory.create_batch(4, program=program)

    def add_members(count: int) -> None:
        for membership in MembershipFactory.create_batch(count, program=program):
            membership.cohorts.add(cohorts[membership.pk % 3])
            membership.tags.add(tags[membership.pk % 4], tags[(membership.pk + 1) % 4])

    add_members(2)  # with the manager, mentor and mentee: 5 members
    client.force_login(personas.manager)
    client.get(reverse("manage:members", args=[program.slug]))  # warm up caches that are not per request

    at_5 = members_page_queries(client, program.slug)
    add_members(195)
    at_200 = members_page_queries(client, program.slug)

    assert program.memberships.count() == 200
    assert at_5 == at_200
