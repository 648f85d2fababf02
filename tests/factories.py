import factory

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Cohort, Membership, Program, Tag

PASSWORD = "a-Long-test-passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n:04d}")
    time_zone = "Europe/London"
    password = factory.django.Password(PASSWORD)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    allow_group_sessions = True


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Tag {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    program = factory.SubFactory(ProgramFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MENTEE
