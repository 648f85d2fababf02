from django.core.management.base import BaseCommand

from mentorcircle.groupsessions.services import sessions_decide_due


class Command(BaseCommand):
    help = "Hold or cancel every group session whose decision time has come (safe to re-run)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        outcome = sessions_decide_due()
        self.stdout.write(
            f"Confirmed {outcome['confirmed']}, cancelled {outcome['cancelled']} (not enough participants)."
        )
