from datetime import UTC, timedelta

import factory
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.core.markdown import render_markdown
from mentorcircle.groupsessions.models import GroupSession, Participant
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


class GroupSessionFactory(factory.django.DjangoModelFactory):
    """A scheduled session a week from now, with its host seated (pass `host_seat=False` to skip).

    Built straight into the database, past the services' rules: for lists, sizes and odd states.
    Tests of the rules themselves go through mentorcircle.groupsessions.services.
    """

    class Meta:
        model = GroupSession
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    host = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Session {n:04d}")
    description = "Bring your questions."
    description_html = factory.LazyAttribute(lambda o: render_markdown(o.description))
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    )
    duration = timedelta(hours=1)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at.astimezone(UTC) + o.duration)
    min_participants = 1
    max_participants = 40
    decide_at = factory.LazyAttribute(lambda o: o.starts_at.astimezone(UTC) - timedelta(hours=24))

    @factory.post_generation
    def host_seat(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Participant.objects.create(session=self, user=self.host, status=Participant.Status.HOST)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    session = factory.SubFactory(GroupSessionFactory)
    user = factory.SubFactory(UserFactory)
    status = Participant.Status.REGISTERED
    waitlisted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Participant.Status.WAITLISTED else None
    )
