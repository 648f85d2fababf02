"""A few messages for the demo program (after groupsessions' load_demo, which makes the people
and sessions): a session shared with a mentee, their reply, and a note between two mentors.
Does nothing if the demo program already has messages."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.conversations import services
from mentorcircle.conversations.models import Message
from mentorcircle.groupsessions.models import GroupSession
from mentorcircle.programs.models import Program


class Command(BaseCommand):
    help = "Add demo messages to the demo program (run after load_demo)."

    @transaction.atomic
    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        program = Program.objects.filter(slug="demo").first()
        people = {user.email: user for user in User.objects.filter(email__endswith="@example.com")}
        mentor, mentor2, mentee = (
            people.get(f"{name}@example.com") for name in ("mentor", "mentor2", "mentee")
        )
        if program is None or mentor is None or mentor2 is None or mentee is None:
            self.stdout.write("No demo program: run load_demo first.")
            return
        if Message.objects.filter(conversation__program=program).exists():
            self.stdout.write("Demo messages already loaded.")
            return
        now = timezone.now()
        session = (
            GroupSession.objects.filter(program=program, host=mentor, starts_at__gt=now)
            .exclude(status=GroupSession.Status.CANCELLED)
            .order_by("starts_at")
            .first()
        )
        if session is not None:
            services.session_share(
                session=session,
                sharer=mentor,
                people=[mentee.pk],
                note="I think you'd get a lot out of this one. Bring a question!",
            )
            chat = services.conversation_direct_or_group(program=program, creator=mentor, people=[mentee])
            services.message_post(conversation=chat, author=mentee, body="Thanks Marco, I'll try to make it.")
        services.conversation_start(
            program=program,
            creator=mentor2,
            people=[mentor],
            body="Could you look over my session outline before Friday?",
        )
        self.stdout.write(self.style.SUCCESS("Demo messages loaded."))
