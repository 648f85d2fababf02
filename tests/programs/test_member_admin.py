"""Manager > Members: a member's page (role, cohorts and tags, saved at once), the bulk actions
that add the ticked rows to a cohort or a tag, and the history of every such change."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorcircle.programs import services
from mentorcircle.programs.forms import MAX_BULK_MEMBERS
from mentorcircle.programs.models import MemberChange, Membership
from tests.factories import CohortFactory, MembershipFactory, TagFactory, UserFactory
from tests.helpers import error_summary, field_errors, page_text, toasts

Role = Membership.Role
WHEN = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(WHEN, tick=False)
    return time_machine


@pytest.fixture
def labels(personas):
    program = personas.program
    return {
        "spring": CohortFactory(program=program, name="Spring 2027"),
        "autumn": CohortFactory(program=program, name="Autumn 2027"),
        "design": TagFactory(program=program, name="Design"),
        "finance": TagFactory(program=program, name="Finance"),
    }


def membership(personas, persona: str = "mentee") -> Membership:
    return Membership.objects.get(program=personas.program, user=getattr(personas, persona))


def member_url(m: Membership) -> str:
    return reverse("manage:member", args=[m.program.slug, m.pk])


def history(m: Membership) -> list[tuple[str, str, str]]:
    rows = MemberChange.objects.filter(program=m.program, user=m.user).select_related("changed_by")
    return [(row.action, row.description, row.changed_by.full_name if row.changed_by else "") for row in rows]


def save(client, m: Membership, **data):
    return client.post(member_url(m), data, follow=True)


# ---- The member's page ----------------------------------------------------------------------------


def test_each_row_of_the_members_list_leads_to_the_members_page(client, personas):
    client.force_login(personas.manager)

    content = client.get(reverse("manage:members", args=["alpha"])).content.decode()

    for persona in ("manager", "mentor", "mentee"):
        assert f'href="{member_url(membership(personas, persona))}"' in content


def test_the_members_page_shows_who_they_are_here(client, personas, labels):
    mentee = membership(personas)
    mentee.cohorts.add(labels["spring"])
    mentee.tags.add(labels["design"])
    client.force_login(personas.manager)

    response = client.get(member_url(mentee))

    text = page_text(response)
    assert "<h1>Mina Mentee</h1>" in text
    assert personas.mentee.email in text
    assert '<span class="pill pill-role-mentee">Mentee</span>' in text
    assert '<span class="pill">Spring 2027</span>' in text
    assert '<span class="pill">Design</span>' in text
    assert "<dt>Joined</dt><dd>1 Mar 2027</dd>" in text
    assert "Save changes" in text
    assert f'href="{reverse("manage:member_remove", args=["alpha", mentee.pk])}"' in text
    assert "No changes recorded yet." in text


def test_a_member_of_another_program_is_not_found_under_this_one(client, personas):
    beta = Membership.objects.get(user=personas.other_manager)
    client.force_login(personas.manager)

    assert client.get(reverse("manage:member", args=["alpha", beta.pk])).status_code == 404
    assert (
        client.post(reverse("manage:member", args=["alpha", beta.pk]), {"role": "mentee"}).status_code == 404
    )
    assert Membership.objects.get(pk=beta.pk).role == Role.MANAGER


# ---- Role -----------------------------------------------------------------------------------------


def test_manager_changes_a_role_and_the_change_is_recorded_and_shown(client, personas):
    mentee = membership(personas)
    client.force_login(personas.manager)

    response = save(client, mentee, role="mentor")

    assert toasts(response) == ["Saved changes to Mina Mentee."]
    mentee.refresh_from_db()
    assert mentee.role == Role.MENTOR
    assert history(mentee) == [("role", "Role: Mentee → Mentor", "Maria Manager")]
    change = MemberChange.objects.get(user=personas.mentee)
    assert change.at == WHEN
    text = page_text(response)
    history_table = text[text.index('id="history-title"') :]
    assert "Role: Mentee → Mentor" in history_table
    assert "Maria Manager" in history_table
    assert 'datetime="2027-03-01T09:00:00Z"' in history_table


def test_the_last_manager_cannot_be_demoted_and_nothing_changes(client, personas, labels):
    manager = membership(personas, "manager")
    client.force_login(personas.manager)

    response = save(client, manager, role="mentor", cohorts=[labels["spring"].pk])

    assert response.status_code == 200
    assert field_errors(response, "role") == [
        "You are the only program manager of Alpha Mentoring: make another member a program manager first."
    ]
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER
    assert list(manager.cohorts.all()) == []  # the whole save is refused, not just the role
    assert history(manager) == []


def test_another_manager_can_demote_a_manager_when_one_stays(client, personas):
    second = MembershipFactory(
        program=personas.program, role=Role.MANAGER, user=UserFactory(full_name="Sam Second")
    )
    client.force_login(personas.manager)

    save(client, second, role="mentee")

    second.refresh_from_db()
    assert second.role == Role.MENTEE
    assert history(second) == [("role", "Role: Program manager → Mentee", "Maria Manager")]


def test_the_last_manager_rule_holds_whoever_asks(personas):
    second = MembershipFactory(program=personas.program, role=Role.MANAGER)
    services.membership_update(membership=second, role=Role.MENTOR, actor=personas.manager)

    with pytest.raises(services.MembershipError) as refused:
        services.membership_update(
            membership=membership(personas, "manager"), role=Role.MENTEE, actor=personas.manager
        )

    assert refused.value.field == "role"
    assert membership(personas, "manager").role == Role.MANAGER


def test_a_manager_who_steps_down_while_another_stays_goes_to_the_program_page(client, personas):
    MembershipFactory(program=personas.program, role=Role.MANAGER)
    client.force_login(personas.manager)

    response = client.post(member_url(membership(personas, "manager")), {"role": "mentor"})

    assert response.status_code == 302
    assert response["Location"] == reverse("groupsessions:program", args=["alpha"])
    assert membership(personas, "manager").role == Role.MENTOR
    assert client.get(reverse("manage:members", args=["alpha"])).status_code == 403


def test_a_manager_of_another_program_cannot_change_members_through_the_service(personas):
    with pytest.raises(services.MembershipError):
        services.membership_update(
            membership=membership(personas), role=Role.MANAGER, actor=personas.other_manager
        )

    assert membership(personas).role == Role.MENTEE
    assert not MemberChange.objects.exists()


# ---- Cohorts and tags -----------------------------------------------------------------------------


def test_manager_edits_cohorts_and_tags_and_each_side_is_recorded(client, personas, labels):
    mentee = membership(personas)
    mentee.cohorts.add(labels["autumn"])
    client.force_login(personas.manager)

    response = save(
        client,
        mentee,
        role="mentee",
        cohorts=[labels["spring"].pk],
        tags=[labels["design"].pk, labels["finance"].pk],
    )

    assert toasts(response) == ["Saved changes to Mina Mentee."]
    assert set(mentee.cohorts.all()) == {labels["spring"]}
    assert set(mentee.tags.all()) == {labels["design"], labels["finance"]}
    assert sorted(history(mentee)) == [
        ("cohorts", "Cohorts: added Spring 2027; removed Autumn 2027", "Maria Manager"),
        ("tags", "Tags: added Design, Finance", "Maria Manager"),
    ]
    assert "Cohorts: added Spring 2027; removed Autumn 2027" in page_text(response)


def test_saving_without_a_change_records_nothing(client, personas, labels):
    mentee = membership(personas)
    mentee.tags.add(labels["design"])
    client.force_login(personas.manager)

    response = save(client, mentee, role="mentee", tags=[labels["design"].pk])

    assert toasts(response) == ["Nothing to save: Mina Mentee's role, cohorts and tags are as they were."]
    assert history(mentee) == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"role": "admin"}, "role", "Select a valid choice."),
        ({"role": ""}, "role", "This field is required."),
        ({"role": "mentor", "cohorts": ["abc"]}, "cohorts", "is not a valid value"),
        ({"role": "mentor", "cohorts": ["99999999"]}, "cohorts", "Select a valid choice."),
        ({"role": "mentor", "tags": ["²"]}, "tags", "is not a valid value"),
    ],
)
@pytest.mark.usefixtures("labels")
def test_bad_input_on_the_members_page_is_explained_next_to_the_field(client, personas, data, field, message):
    mentee = membership(personas)
    client.force_login(personas.manager)

    response = save(client, mentee, **data)

    assert response.status_code == 200
    assert message in " ".join(field_errors(response, field))
    mentee.refresh_from_db()
    assert mentee.role == Role.MENTEE
    assert history(mentee) == []


@pytest.mark.usefixtures("labels")
def test_another_programs_cohort_is_refused(client, personas):
    foreign = CohortFactory(program=personas.other_program, name="Beta Cohort")
    mentee = membership(personas)
    client.force_login(personas.manager)

    response = save(client, mentee, role="mentee", cohorts=[foreign.pk])

    assert field_errors(response, "cohorts")
    assert list(mentee.cohorts.all()) == []
    with pytest.raises(services.MembershipError):
        services.membership_update(
            membership=mentee, role="mentee", cohorts=[foreign], actor=personas.manager
        )
    assert list(mentee.cohorts.all()) == []


def test_every_new_field_is_bounded_and_single_line(personas):
    field = MemberChange._meta.get_field("description")
    mentee = membership(personas)
    long_names = [CohortFactory(program=personas.program, name=f"{i:02d} " + "x" * 95) for i in range(8)]

    services.membership_update(membership=mentee, role="mentee", cohorts=long_names, actor=personas.manager)

    (change,) = MemberChange.objects.all()
    assert len(change.description) <= field.max_length == 500
    assert change.description.endswith("…")
    change.full_clean()


# ---- History --------------------------------------------------------------------------------------


def test_history_is_newest_first_and_paginated(client, clock, personas):
    mentee = membership(personas)
    for i in range(25):
        clock.move_to(WHEN + timedelta(minutes=i), tick=False)
        services.membership_update(
            membership=mentee, role=Role.MENTOR if i % 2 == 0 else Role.MENTEE, actor=personas.manager
        )
    client.force_login(personas.manager)

    first = page_text(client.get(member_url(mentee)))
    second = page_text(client.get(member_url(mentee), {"page": 2}))

    assert first.count("Role: ") == 20
    assert second.count("Role: ") == 5
    assert first.index('datetime="2027-03-01T09:24:00Z"') < first.index('datetime="2027-03-01T09:23:00Z"')
    assert "Page 1 of 2" in first


def history_queries(client, m: Membership) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(member_url(m))
    assert response.status_code == 200
    return len(queries)


def test_the_members_page_costs_the_same_queries_with_2_or_20_changes_by_different_people(client, personas):
    mentee = membership(personas)
    managers = [MembershipFactory(program=personas.program, role=Role.MANAGER).user for _ in range(20)]
    for actor in managers[:2]:
        services.membership_update(membership=mentee, role=Role.MENTOR, actor=actor)
        services.membership_update(membership=mentee, role=Role.MENTEE, actor=actor)
    client.force_login(personas.manager)
    client.get(member_url(mentee))

    few = history_queries(client, mentee)
    for i, actor in enumerate(managers[2:]):
        services.membership_update(
            membership=mentee, role=Role.MENTOR if i % 2 == 0 else Role.MENTEE, actor=actor
        )
    many = history_queries(client, mentee)

    assert MemberChange.objects.count() == 22
    assert few == many


def test_adding_importing_and_leaving_are_in_the_history_too(personas, labels):
    services.member_add(
        program=personas.program,
        email="ada@example.org",
        full_name="Ada Lovelace",
        role=Role.MENTOR,
        cohorts=[labels["spring"]],
        invited_by=personas.manager,
    )
    services.members_import_csv(
        program=personas.program,
        data=f"email,name,role,tags\n{personas.mentee.email},Mina,mentor,Design\n".encode(),
        invited_by=personas.manager,
    )
    services.membership_leave(program=personas.program, user=personas.mentor)

    ada = Membership.objects.get(user__email="ada@example.org")
    assert history(ada) == [("added", "Added as Mentor; cohorts: Spring 2027", "Maria Manager")]
    assert sorted(history(membership(personas))) == [
        ("role", "Role: Mentee → Mentor (CSV import)", "Maria Manager"),
        ("tags", "Tags: added Design (CSV import)", "Maria Manager"),
    ]
    left = MemberChange.objects.get(user=personas.mentor)
    assert (left.action, left.description, left.changed_by) == (
        "left",
        "Left the program (was Mentor)",
        personas.mentor,
    )


# ---- Bulk: add to cohort, add tag ----------------------------------------------------------------


def bulk(client, action: str, members, *, query: str = "", **extra):
    data = {"bulk-action": action, "bulk-members": [str(m) for m in members], **extra}
    url = reverse("manage:members_bulk", args=["alpha"]) + (f"?{query}" if query else "")
    return client.post(url, data)


def ids(personas, *names: str) -> list[int]:
    return [membership(personas, name).pk for name in names]


@pytest.mark.usefixtures("labels")
def test_the_members_list_has_a_checkbox_per_row_and_the_bulk_actions(client, personas):
    client.force_login(personas.manager)

    content = client.get(reverse("manage:members", args=["alpha"])).content.decode()

    for pk in ids(personas, "manager", "mentor", "mentee"):
        assert f'<input type="checkbox" name="bulk-members" value="{pk}" id="member-{pk}">' in content
    assert 'action="/manage/alpha/members/bulk/"' in content
    for option in ("Add to cohort…", "Add tag…", "Remove from program…", "Spring 2027", "Design"):
        assert option in content
    assert "js/members.js" in content


def test_bulk_actions_offer_only_what_the_program_has(client, personas):
    client.force_login(personas.manager)

    content = page_text(client.get(reverse("manage:members", args=["alpha"])))

    assert "Remove from program…" in content
    assert "Add to cohort…" not in content
    assert "Add tag…" not in content


def test_manager_adds_the_ticked_members_to_a_cohort(client, personas, labels):
    membership(personas, "mentor").cohorts.add(labels["spring"])
    client.force_login(personas.manager)

    response = bulk(
        client,
        "add_cohort",
        ids(personas, "mentor", "mentee"),
        query="role=&q=",
        **{"bulk-cohort": labels["spring"].pk},
    )

    assert response.status_code == 302
    assert response["Location"] == "/manage/alpha/members/?role=&q="  # back to the same filtered list
    assert toasts(client.get(response["Location"])) == ["Added 1 member to Spring 2027. 1 was in it already."]
    assert set(labels["spring"].memberships.all()) == {membership(personas, "mentor"), membership(personas)}
    assert history(membership(personas)) == [("cohorts", "Cohorts: added Spring 2027", "Maria Manager")]
    assert history(membership(personas, "mentor")) == []


def test_manager_tags_the_ticked_members(client, personas, labels):
    client.force_login(personas.manager)

    response = bulk(
        client, "add_tag", ids(personas, "manager", "mentee"), **{"bulk-tag": labels["finance"].pk}
    )

    assert toasts(client.get(response["Location"])) == ["Added the tag Finance to 2 members."]
    assert set(labels["finance"].memberships.all()) == {membership(personas, "manager"), membership(personas)}
    assert [row[1] for row in history(membership(personas, "manager"))] == ["Tags: added Finance"]


def bulk_refused(response, field: str, message: str) -> None:
    assert response.status_code == 200
    assert message in " ".join(field_errors(response, field))
    assert error_summary(response)  # the form opens with "There is a problem"
    assert "<h1>Members</h1>" in page_text(response)


@pytest.mark.parametrize(
    ("action", "members", "extra", "field", "message"),
    [
        (
            "add_cohort",
            lambda _p: [],
            {"bulk-cohort": "spring"},
            "bulk-members",
            "Tick the members to change first.",
        ),
        (
            "add_cohort",
            lambda _p: ["12abc"],
            {"bulk-cohort": "spring"},
            "bulk-members",
            "not members of this program",
        ),
        (
            "add_cohort",
            lambda _p: ["٣"],
            {"bulk-cohort": "spring"},
            "bulk-members",
            "not members of this program",
        ),
        (
            "add_cohort",
            lambda p: [Membership.objects.get(user=p.other_manager).pk, membership(p).pk],
            {"bulk-cohort": "spring"},
            "bulk-members",
            "not members of this program",
        ),
        (
            "add_cohort",
            lambda _p: list(range(1, MAX_BULK_MEMBERS + 2)),
            {"bulk-cohort": "spring"},
            "bulk-members",
            f"Choose at most {MAX_BULK_MEMBERS} members at a time.",
        ),
        ("add_cohort", lambda p: [membership(p).pk], {}, "bulk-cohort", "Choose the cohort to add them to."),
        (
            "add_cohort",
            lambda p: [membership(p).pk],
            {"bulk-cohort": "999999"},
            "bulk-cohort",
            "Select a valid choice.",
        ),
        (
            "add_cohort",
            lambda p: [membership(p).pk],
            {"bulk-cohort": "x"},
            "bulk-cohort",
            "Select a valid choice.",
        ),
        ("add_tag", lambda p: [membership(p).pk], {"bulk-tag": ""}, "bulk-tag", "Choose the tag to add."),
        ("", lambda p: [membership(p).pk], {}, "bulk-action", "Choose what to do with the selected members."),
        ("promote", lambda p: [membership(p).pk], {}, "bulk-action", "Select a valid choice."),
    ],
)
def test_bad_bulk_input_changes_nothing_and_says_so(
    client, personas, labels, action, members, extra, field, message
):
    extra = {key: (str(labels[value].pk) if value in labels else value) for key, value in extra.items()}
    client.force_login(personas.manager)

    response = bulk(client, action, members(personas), **extra)

    bulk_refused(response, field, message)
    assert not labels["spring"].memberships.exists()
    assert not labels["design"].memberships.exists()
    assert not MemberChange.objects.exists()


@pytest.mark.usefixtures("labels")
def test_another_programs_cohort_cannot_be_used_in_bulk(client, personas):
    foreign = CohortFactory(program=personas.other_program)
    client.force_login(personas.manager)

    response = bulk(client, "add_cohort", ids(personas, "mentee"), **{"bulk-cohort": foreign.pk})

    bulk_refused(response, "bulk-cohort", "Select a valid choice.")
    assert not foreign.memberships.exists()


@pytest.mark.usefixtures("labels")
def test_a_refused_bulk_action_keeps_the_rows_ticked(client, personas):
    mentee = membership(personas)
    client.force_login(personas.manager)

    content = bulk(client, "add_cohort", [mentee.pk]).content.decode()

    assert f'value="{mentee.pk}" id="member-{mentee.pk}" checked>' in content
    mentor = membership(personas, "mentor").pk
    assert f'value="{mentor}" id="member-{mentor}">' in content


def test_bulk_needs_csrf_and_a_refused_post_changes_nothing(personas, labels):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.manager)

    response = bulk(client, "add_cohort", ids(personas, "mentee"), **{"bulk-cohort": labels["spring"].pk})
    edit = client.post(member_url(membership(personas)), {"role": "manager"})

    assert response.status_code == edit.status_code == 403
    assert not labels["spring"].memberships.exists()
    assert membership(personas).role == Role.MENTEE
    assert not MemberChange.objects.exists()


def test_get_on_the_bulk_address_goes_back_to_the_list(client, personas):
    client.force_login(personas.manager)

    response = client.get(reverse("manage:members_bulk", args=["alpha"]), {"role": "mentee"})

    assert response.status_code == 302
    assert response["Location"] == "/manage/alpha/members/?role=mentee"


def test_each_cell_of_the_members_list_carries_its_label_for_the_phone_layout(client, personas, labels):
    membership(personas).cohorts.add(labels["spring"])
    client.force_login(personas.manager)

    text = page_text(client.get(reverse("manage:members", args=["alpha"])))

    table = re.search(r'<table class="table stack-table members-table">.*?</table>', text, re.S)
    assert table
    for cell in re.findall(r"<td([^>]*)>", table.group(0)):
        assert "data-label=" in cell or 'class="title"' in cell or 'class="select-col"' in cell, cell
    for label in ("Email", "Role", "Cohorts", "Tags"):
        assert f'data-label="{label}"' in table.group(0)
