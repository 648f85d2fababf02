"""Load the demo programs. Safe to run any number of times: nothing is duplicated."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.programs.models import Cohort, Membership, Program, Tag

DEMO_PASSWORD = "mentorcircle"  # noqa: S105 - documented demo credential
TAGS = ("Engineering", "Design", "Leadership", "Career change")
SYSTEM_DESIGN = """How do you approach a system design interview without freezing?

We will design a **URL shortener** together, then talk through:

- clarifying requirements and numbers
- drawing the first boxes
- where to go deeper, and when to stop

Bring questions!"""
PORTFOLIO = "Bring one project from your portfolio. Each of you gets ten minutes of feedback from the group."
KICK_OFF = (
    "Welcome to the Spring 2027 cohort: how the program works, who is who, and how to get the most out of it."
)
STAR_TITLE = "Behavioural interviews: the STAR method"
STAR = "Situation, Task, Action, Result: we practise telling your stories so they land in interviews."
STAR_RATINGS = (
    (5, "The mock answers were really useful."),
    (4, ""),
    (5, "More of these please!"),
    (4, "A bit short on time for questions."),
)
MENTEE_NAMES = (
    "Amara Okafor",
    "Ben Carter",
    "Chloé Dubois",
    "Diego Alvarez",
    "Elif Yilmaz",
    "Finn Larsen",
    "Grace Kim",
    "Hiro Tanaka",
    "Isla Murphy",
    "Jonas Weber",
    "Kavya Rao",
    "Liam O'Brien",
    "Maya Cohen",
    "Noah Schmidt",
    "Olivia Rossi",
    "Pablo Ortega",
    "Quinn Taylor",
    "Rosa Silva",
    "Sami Haddad",
    "Tara Singh",
)


class Command(BaseCommand):
    help = "Load the demo programs and people (idempotent)."

    def person(self, email: str, full_name: str, headline: str = "", time_zone: str = "") -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": full_name, "headline": headline, "time_zone": time_zone}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def member(self, program: Program, user: User, role: str) -> Membership:
        membership, _ = Membership.objects.get_or_create(program=program, user=user, defaults={"role": role})
        return membership

    def sessions(self, program: Program, *, pm: User, mentor: User, mentor2: User) -> None:
        """A few upcoming sessions, created once (found again by host and title)."""
        if GroupSession.objects.filter(program=program).exists():
            return
        soon = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        mentees = list(
            User.objects.filter(
                memberships__program=program, memberships__role=Membership.Role.MENTEE
            ).order_by("email")
        )
        plans = [
            (mentor, "System design interviews: a masterclass", SYSTEM_DESIGN, soon, 90, 3, 12, mentees[:6]),
            (
                mentor2,
                "Portfolio reviews for career changers",
                PORTFOLIO,
                soon + timedelta(days=4),
                60,
                4,
                8,
                mentees[6:8],
            ),
            (pm, "Spring 2027 cohort kick-off", KICK_OFF, soon + timedelta(days=7), 60, 1, 40, mentees[:14]),
        ]
        for host, title, description, starts_at, minutes, low, high, attendees in plans:
            session = services.session_create(
                program=program,
                host=host,
                details=services.SessionDetails(
                    title=title,
                    description=description,
                    starts_at=starts_at,
                    duration=timedelta(minutes=minutes),
                    min_participants=low,
                    max_participants=high,
                ),
            )
            for person in attendees:
                services.participant_join(session=session, user=person)

    def past_session(self, program: Program, *, host: User) -> None:
        """A session that took place last week: attendance, a recording, notes and ratings.
        mentee@example.com came and has not rated it yet."""
        if GroupSession.objects.filter(program=program, title=STAR_TITLE).exists():
            return
        starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
        created = starts_at - timedelta(days=5)
        session = services.session_create(
            program=program,
            host=host,
            details=services.SessionDetails(
                title=STAR_TITLE,
                description=STAR,
                starts_at=starts_at,
                duration=timedelta(hours=1),
                min_participants=3,
                max_participants=12,
            ),
            now=created,
        )
        mentees = sorted(
            User.objects.filter(memberships__program=program, memberships__role=Membership.Role.MENTEE),
            key=lambda person: (person.email != "mentee@example.com", person.email),
        )[:8]
        seats = [services.participant_join(session=session, user=person, now=created) for person in mentees]
        during = starts_at + timedelta(minutes=2)
        host_seat = Participant.objects.get(session=session, user=host)
        for participant in [host_seat, *seats[:6]]:  # two of the eight did not come
            services.participant_enter_call(participant=participant, now=during)
        after = session.ends_at + timedelta(hours=1)
        for participant, (rating, comment) in zip(seats[1:5], STAR_RATINGS, strict=True):
            services.feedback_give(participant=participant, rating=rating, comment=comment, now=after)
        services.session_share_resources(
            session=session,
            actor=host,
            recording_url="https://example.org/recordings/star-method",
            note="Slides and the STAR worksheet: https://example.org/star-worksheet",
            now=after,
        )

    @transaction.atomic
    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        demo, _ = Program.objects.get_or_create(
            slug="demo", defaults={"name": "Demo Mentoring Program", "allow_group_sessions": True}
        )
        spring, _ = Cohort.objects.get_or_create(program=demo, name="Spring 2027")
        autumn, _ = Cohort.objects.get_or_create(program=demo, name="Autumn 2027")
        tags = [Tag.objects.get_or_create(program=demo, name=name)[0] for name in TAGS]

        pm = self.person("pm@example.com", "Priya Manager", "Runs the Demo Mentoring Program")
        self.member(demo, pm, Membership.Role.MANAGER)
        mentor = self.person(
            "mentor@example.com", "Marco Mentor", "Staff engineer, 12 years in backend systems"
        )
        self.member(demo, mentor, Membership.Role.MENTOR).tags.add(tags[0], tags[2])
        mentor2 = self.person("mentor2@example.com", "Mei Mentor", "Product designer and design lead")
        self.member(demo, mentor2, Membership.Role.MENTOR).tags.add(tags[1])
        for n in range(1, len(MENTEE_NAMES) + 1):
            suffix = "" if n == 1 else str(n)
            mentee = self.person(
                f"mentee{suffix}@example.com", MENTEE_NAMES[n - 1], "Mentee, learning and growing"
            )
            membership = self.member(demo, mentee, Membership.Role.MENTEE)
            membership.cohorts.add(spring if n % 2 else autumn)
            membership.tags.add(tags[n % len(tags)])

        self.sessions(demo, pm=pm, mentor=mentor, mentor2=mentor2)
        self.past_session(demo, host=mentor)

        other, _ = Program.objects.get_or_create(slug="other", defaults={"name": "Other Program"})
        self.member(other, self.person("other-pm@example.com", "Olga Other-Manager"), Membership.Role.MANAGER)
        self.member(
            other, self.person("other-mentor@example.com", "Oscar Other-Mentor"), Membership.Role.MENTOR
        )
        self.member(
            other, self.person("other-mentee@example.com", "Omar Other-Mentee"), Membership.Role.MENTEE
        )

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded. Sign in at {settings.SITE_URL} with password "
                f"“{DEMO_PASSWORD}” as pm@example.com (program manager), mentor@example.com, "
                "mentee@example.com, or other-pm@example.com (Other Program)."
            )
        )
