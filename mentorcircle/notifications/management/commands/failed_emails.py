from datetime import UTC

from django.core.management.base import BaseCommand, CommandError

from mentorcircle.notifications.selectors import failed_emails


class Command(BaseCommand):
    help = (
        "List the emails that could not be sent (not even on a later attempt), with the reason. "
        "Exits with status 1 when there are any, so cron can alert."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        failed = list(failed_emails())
        for row in failed:
            when = row.last_failed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            session = f" (session {row.session_id}: {row.session.title})" if row.session else ""
            attempts = f"{row.attempts} attempt{'s' if row.attempts != 1 else ''}"
            self.stdout.write(f"{when}  {row.kind} to {row.user.email}{session}, {attempts}: {row.error}")
        if failed:
            raise CommandError(f"{len(failed)} email{'s' if len(failed) != 1 else ''} could not be sent.")
        self.stdout.write("No failed emails.")
