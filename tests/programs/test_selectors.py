import pytest
from django.db import connection
from django.http import Http404

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Membership
from mentorcircle.programs.selectors import (
    member_list,
    membership_get,
    program_get_for_manager,
    programs_managed_by,
)
from tests.factories import CohortFactory, MembershipFactory, TagFactory, UserFactory


def names(members) -> list[str]:
    return [m.user.full_name for m in members]


def test_member_list_is_sorted_by_name_and_holds_only_this_programs_members(personas):
    assert names(member_list(program=personas.program)) == ["Maria Manager", "Mina Mentee", "Theo Mentor"]
    assert names(member_list(program=personas.other_program)) == ["Bea Beta-Manager"]


def test_member_list_combines_search_role_cohort_and_tag(personas):
    program = personas.program
    spring = CohortFactory(program=program, name="Spring")
    design = TagFactory(program=program, name="Design")
    for name, role in [("Ada Design", "mentor"), ("Adam Design", "mentee"), ("Ada Plain", "mentor")]:
        membership = MembershipFactory(program=program, role=role, user=UserFactory(full_name=name))
        if "Design" in name:
            membership.cohorts.add(spring)
            membership.tags.add(design)

    assert names(member_list(program=program, query="ada")) == ["Ada Design", "Ada Plain", "Adam Design"]
    assert names(member_list(program=program, query="ada", role="mentor")) == ["Ada Design", "Ada Plain"]
    assert names(member_list(program=program, cohort_id=spring.pk, role="mentee")) == ["Adam Design"]
    assert names(member_list(program=program, tag_id=design.pk, query="adam")) == ["Adam Design"]


def test_member_list_does_not_repeat_a_member_in_several_cohorts(personas):
    membership = Membership.objects.get(user=personas.mentee)
    membership.cohorts.add(*CohortFactory.create_batch(3, program=personas.program))
    membership.tags.add(*TagFactory.create_batch(2, program=personas.program))

    assert names(member_list(program=personas.program)).count("Mina Mentee") == 1


def test_member_list_with_another_programs_cohort_is_empty(personas):
    foreign = CohortFactory(program=personas.other_program)
    Membership.objects.get(user=personas.other_manager).cohorts.add(foreign)

    assert names(member_list(program=personas.program, cohort_id=foreign.pk)) == []


def test_membership_get_hides_programs_one_is_not_in(personas):
    assert membership_get(user=personas.mentee, slug="alpha").role == Membership.Role.MENTEE
    with pytest.raises(Http404):
        membership_get(user=personas.other_manager, slug="alpha")


@pytest.mark.parametrize("persona", ["mentor", "mentee", "outsider", "other_manager"])
def test_program_get_for_manager_refuses_everyone_but_its_managers(personas, persona):
    assert program_get_for_manager(user=personas.manager, slug="alpha") == personas.program
    with pytest.raises(Http404):
        program_get_for_manager(user=getattr(personas, persona), slug="alpha")


def test_programs_managed_by_lists_only_programs_where_one_is_a_manager(personas):
    MembershipFactory(program=personas.other_program, user=personas.mentor, role=Membership.Role.MENTOR)

    assert list(programs_managed_by(user=personas.manager)) == [personas.program]
    assert list(programs_managed_by(user=personas.mentor)) == []


def test_member_list_sorts_on_the_indexed_name_key(personas):
    """Manager > Members pages through a program's members by name and email: an index holds
    exactly that order, so the first page is read from it, not sorted from every member."""
    [index] = [index for index in User._meta.indexes if index.name == "user_name_order"]

    assert list(member_list(program=personas.program).query.order_by) == [
        f"user__{field}" for field in index.fields
    ]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plan")
def test_postgresql_reads_the_first_page_of_members_in_order_from_the_index(personas):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # a sort only where nothing else gives the order

    plan = member_list(program=personas.program)[:50].explain()

    assert "user_name_order" in plan
    assert "Sort" not in plan
