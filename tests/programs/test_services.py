import pytest
from django.core import mail

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Cohort, Membership, Program, ProgramInvitation, Tag
from mentorcircle.programs.services import (
    MAX_IMPORT_ROWS,
    AlreadyMemberError,
    ImportFileError,
    member_add,
    members_import_csv,
    program_update_settings,
)
from tests.factories import CohortFactory, TagFactory
from tests.helpers import run_tasks


def db_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (User, Membership, Cohort, Tag)}


def import_csv(personas, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return members_import_csv(program=personas.program, data=data, invited_by=personas.manager)


def outcomes(report) -> list[tuple[int, str, str]]:
    return [(row.line, row.email, row.outcome) for row in report.rows]


# ---- Program settings ---------------------------------------------------------------------------


def test_update_settings_saves_every_value(personas):
    program_update_settings(
        program=personas.program,
        allow_group_sessions=False,
        default_min_participants=3,
        default_max_participants=8,
        decision_hours_before=48,
        join_minutes_before=5,
    )

    saved = Program.objects.get(pk=personas.program.pk)
    assert (
        saved.allow_group_sessions,
        saved.default_min_participants,
        saved.default_max_participants,
        saved.decision_hours_before,
        saved.join_minutes_before,
    ) == (False, 3, 8, 48, 5)


# ---- Add member ---------------------------------------------------------------------------------


def test_member_add_creates_the_person_without_a_usable_password_and_invites_them_once(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = member_add(
            program=personas.program,
            email=" Grace@Example.COM ",
            full_name=" Grace Hopper ",
            role=Membership.Role.MENTEE,
            invited_by=personas.manager,
        )
    run_tasks()

    assert membership.user.email == "grace@example.com"
    assert membership.user.full_name == "Grace Hopper"
    assert not membership.user.has_usable_password()
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]
    assert "http://testserver/accounts/password/reset/key/" in mail.outbox[0].body
    assert "Set up your account" in mail.outbox[0].alternatives[0].content


def test_member_add_sends_nothing_if_the_transaction_is_rolled_back(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        member_add(
            program=personas.program,
            email="grace@example.com",
            full_name="Grace Hopper",
            role=Membership.Role.MENTEE,
            invited_by=personas.manager,
        )

    assert len(callbacks) == 1
    run_tasks()  # the worker finds nothing to send: the email waits for the commit
    assert mail.outbox == []

    callbacks[0]()  # what the commit would have done
    run_tasks()
    assert [message.to for message in mail.outbox] == [["grace@example.com"]]


def test_invitation_link_lets_a_new_person_choose_a_password_and_sign_in(
    client, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_add(
            program=personas.program,
            email="grace@example.com",
            full_name="Grace Hopper",
            role=Membership.Role.MENTEE,
            invited_by=personas.manager,
        )
    run_tasks()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line)

    form_page = client.get(link.removeprefix("http://testserver"), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "Cobol-was-1959", "password2": "Cobol-was-1959"},
        follow=True,
    )

    assert response.context["user"].email == "grace@example.com"
    assert User.objects.get(email="grace@example.com").check_password("Cobol-was-1959")


def test_member_add_refuses_an_existing_member_and_changes_nothing(
    personas, django_capture_on_commit_callbacks
):
    before = db_counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AlreadyMemberError):
        member_add(
            program=personas.program,
            email=personas.mentor.email.upper(),
            full_name="Someone",
            role=Membership.Role.MANAGER,
            invited_by=personas.manager,
        )

    assert db_counts() == before
    assert Membership.objects.get(user=personas.mentor).role == Membership.Role.MENTOR
    run_tasks()  # nothing was queued for the worker to send
    assert mail.outbox == []


def test_member_add_invites_the_account_of_someone_from_another_program(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = member_add(
            program=personas.program,
            email=personas.other_manager.email,
            full_name="B. Someone",
            role=Membership.Role.MENTOR,
            invited_by=personas.manager,
        )
    run_tasks()

    assert isinstance(invitation, ProgramInvitation)
    assert (invitation.email, invitation.name_given) == (personas.other_manager.email, "B. Someone")
    assert personas.other_manager.memberships.count() == 1  # not a member until they accept
    assert "http://testserver/programs/alpha/join/" in mail.outbox[0].body


# ---- CSV import: good files ---------------------------------------------------------------------


def test_import_creates_updates_and_leaves_unchanged_and_reports_each_row(
    personas, django_capture_on_commit_callbacks
):
    CohortFactory(program=personas.program, name="Spring 2027")
    text = (
        "Email, Name ,ROLE,cohort,tags\n"
        "ada@example.com,Ada Lovelace,Mentor,spring 2027,Engineering; Leadership\n"
        "grace@example.com,Grace Hopper,mentee,Autumn 2027,engineering\n"
        f"{personas.mentor.email},Theo Mentor,mentor,Spring 2027,\n"
        f"{personas.mentee.email},Mina Mentee,mentee,,\n"
        f"{personas.other_manager.email},Bea,pm,,\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = import_csv(personas, text)
    run_tasks()

    assert outcomes(report) == [
        (2, "ada@example.com", "created"),
        (3, "grace@example.com", "created"),
        (4, personas.mentor.email, "updated"),
        (5, personas.mentee.email, "unchanged"),
        (6, personas.other_manager.email, "invited"),
    ]
    assert report.summary == "2 created, 1 invited, 1 updated, 1 unchanged, 0 rejected"
    assert report.rows[2].detail == "cohort Spring 2027"

    program = personas.program
    ada = Membership.objects.get(program=program, user__email="ada@example.com")
    assert ada.role == Membership.Role.MENTOR
    assert ada.user.full_name == "Ada Lovelace"
    # Names match existing cohorts and tags whatever their case; new ones are created once.
    assert [c.name for c in ada.cohorts.all()] == ["Spring 2027"]
    assert sorted(t.name for t in ada.tags.all()) == ["Engineering", "Leadership"]
    assert sorted(program.cohorts.values_list("name", flat=True)) == ["Autumn 2027", "Spring 2027"]
    assert sorted(program.tags.values_list("name", flat=True)) == ["Engineering", "Leadership"]
    assert not Membership.objects.filter(program=program, user=personas.other_manager).exists()
    assert ProgramInvitation.objects.get(program=program).role == Membership.Role.MANAGER
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["ada@example.com", "grace@example.com", personas.other_manager.email]
    )


def test_import_changes_a_role_and_adds_cohorts_and_tags_without_removing_any(personas):
    spring = CohortFactory(program=personas.program, name="Spring 2027")
    design = TagFactory(program=personas.program, name="Design")
    membership = Membership.objects.get(user=personas.mentee)
    membership.cohorts.add(spring)
    membership.tags.add(design)

    report = import_csv(
        personas, f"email,name,role,cohort,tags\n{personas.mentee.email},,mentor,Autumn 2027,Product\n"
    )

    assert report.rows[0].outcome == "updated"
    assert report.rows[0].detail == "role → Mentor; cohort Autumn 2027; tags Product"
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MENTOR
    assert sorted(c.name for c in membership.cohorts.all()) == ["Autumn 2027", "Spring 2027"]
    assert sorted(t.name for t in membership.tags.all()) == ["Design", "Product"]
    personas.mentee.refresh_from_db()
    assert personas.mentee.full_name == "Mina Mentee"


def test_import_run_twice_changes_nothing_the_second_time(personas, django_capture_on_commit_callbacks):
    text = "email,name,role,cohort,tags\nada@example.com,Ada Lovelace,mentor,Spring 2027,engineering\n"
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(personas, text)
    counts = db_counts()

    with django_capture_on_commit_callbacks(execute=True):
        report = import_csv(personas, text)
    run_tasks()

    assert outcomes(report) == [(2, "ada@example.com", "unchanged")]
    assert db_counts() == counts
    assert len(mail.outbox) == 1


def test_import_accepts_an_excel_utf8_file_with_byte_order_mark_and_windows_line_ends(personas):
    data = "\ufeffemail,name,role\r\nzoe@example.com,Zoë Ångström,mentee\r\n".encode()

    report = import_csv(personas, data)

    assert outcomes(report) == [(2, "zoe@example.com", "created")]
    assert User.objects.get(email="zoe@example.com").full_name == "Zoë Ångström"


def test_import_skips_blank_lines_and_accepts_quoted_values(personas):
    text = 'email,name,role,tags\n\nada@example.com,"Lovelace, Ada",mentor,"design, research"\n,,,\n'

    report = import_csv(personas, text)

    assert outcomes(report) == [(3, "ada@example.com", "created")]
    ada = Membership.objects.get(user__email="ada@example.com")
    assert ada.user.full_name == "Lovelace, Ada"
    assert sorted(t.name for t in ada.tags.all()) == ["design", "research"]


# ---- CSV import: bad rows -----------------------------------------------------------------------


def test_import_rejects_bad_rows_with_reasons_and_imports_the_good_ones(
    personas, django_capture_on_commit_callbacks
):
    text = (
        "email,name,role\n"
        "not-an-email,Nobody,mentee\n"
        "ada@example.com,Ada Lovelace,mentor\n"
        "grace@example.com,Grace Hopper,admin\n"
        "ADA@example.com,Ada Again,mentee\n"
        "linus@example.com,Linus,mentee\n"
        f"mallory@example.com,{'M' * 151},mentee\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = import_csv(personas, text)
    run_tasks()

    assert outcomes(report) == [
        (2, "not-an-email", "rejected"),
        (3, "ada@example.com", "created"),
        (4, "grace@example.com", "rejected"),
        (5, "ada@example.com", "rejected"),
        (6, "linus@example.com", "created"),
        (7, "mallory@example.com", "rejected"),
    ]
    details = [row.detail for row in report.rows]
    assert details[0] == "“not-an-email” is not a valid email address."
    assert details[2] == "Role “admin” is not one of: manager, mentor, mentee."
    assert details[3] == "Same email as line 3."
    assert details[5] == "Name is longer than 150 characters."
    assert Membership.objects.get(user__email="ada@example.com").role == Membership.Role.MENTOR
    assert User.objects.get(email="ada@example.com").full_name == "Ada Lovelace"
    assert not User.objects.filter(email__in=["grace@example.com", "mallory@example.com"]).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "linus@example.com"]


def test_import_rejects_an_overlong_cohort_or_tag_name(personas):
    report = import_csv(personas, f"email,name,role,tags\nada@example.com,Ada,mentor,{'x' * 51}\n")

    assert report.rows[0].outcome == "rejected"
    assert report.rows[0].detail.startswith("Cohort or tag name too long")
    assert not Tag.objects.exists()
    assert not User.objects.filter(email="ada@example.com").exists()


def test_import_will_not_let_a_manager_change_their_own_role_and_leaves_no_trace(personas):
    before = db_counts()

    report = import_csv(
        personas, f"email,name,role,cohort,tags\n{personas.manager.email},Maria,mentee,New,Fresh\n"
    )

    assert outcomes(report) == [(2, personas.manager.email, "rejected")]
    assert report.rows[0].detail == "You cannot change your own role."
    assert Membership.objects.get(user=personas.manager).role == Membership.Role.MANAGER
    assert db_counts() == before


# ---- CSV import: files that cannot be read ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("email,name,role\nzoë@example.com,Zoë,mentee\n".encode("cp1252"), "The file is not UTF-8 text."),
        (b"\xff\xfee\x00m\x00a\x00i\x00l\x00", "The file is not UTF-8 text."),
        (b"", "The file is empty."),
        (b" \r\n\r\n", "The file is empty."),
        (b"email,name,role\n", "The file has a header but no members."),
        (b"email,name,role\n,,\n\n", "The file has a header but no members."),
        (b"email,name\nada@example.com,Ada\n", "missing: role"),
        (b"ada@example.com,Ada Lovelace,mentor\n", "missing: email, name, role"),
        (b"email|name|role\nada@example.com|Ada|mentor\n", "missing: email, name, role"),
        (b"email,name,role,phone\nada@example.com,Ada,mentor,123\n", "Unknown column(s): phone."),
        (
            b"email,name,role\nada@example.com,Ada,mentor\ngrace@example.com,Grace\n",
            "Line 3 has 2 values; the header has 3.",
        ),
        (b"email,name,role\nada@example.com,Ada,mentor,extra\n", "Line 2 has 4 values; the header has 3."),
        (
            b'email,name,role\nada@example.com,"Ada "the Countess" Lovelace",mentor\n',
            "Line 2 is not valid CSV",
        ),
        (b'email,name,role\nada@example.com,Ada,mentor\ngrace@example.com,"Grace,mentee\n', "not valid CSV"),
    ],
)
def test_import_rejects_a_file_it_cannot_read_whole_and_writes_nothing(
    personas, data, message, django_capture_on_commit_callbacks
):
    before = db_counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImportFileError) as error:
        import_csv(personas, data)

    assert message in str(error.value)
    assert db_counts() == before
    run_tasks()  # nothing was queued for the worker to send
    assert mail.outbox == []


def test_import_rejects_a_file_with_too_many_rows(personas):
    rows = "".join(f"p{n}@example.com,P {n},mentee\n" for n in range(MAX_IMPORT_ROWS + 1))
    before = db_counts()

    with pytest.raises(ImportFileError, match="more than 5000 rows"):
        import_csv(personas, "email,name,role\n" + rows)

    assert db_counts() == before


def test_import_reads_a_semicolon_separated_file_as_spreadsheets_in_many_locales_save_it(personas):
    report = import_csv(
        personas,
        "email;name;role;cohort;tags\n"
        "ada@example.com;Ada Lovelace;mentor;Spring 2027;engineering,leadership\n",
    )

    assert outcomes(report) == [(2, "ada@example.com", "created")]
    membership = Membership.objects.get(user__email="ada@example.com")
    assert membership.role == Membership.Role.MENTOR
    assert sorted(t.name for t in membership.tags.all()) == ["engineering", "leadership"]
    assert [c.name for c in membership.cohorts.all()] == ["Spring 2027"]
