"""Send the pulse invitations that are due: the same sweep Celery beat runs, for cron users."""
import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from pulse import sending

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Email each member of a team with the pulse on their invitation for the current period, once their "
        "team's day and hour has passed in their time zone; exactly once. Safe to run from cron as often as "
        "you like. --dry-run lists who is due and records and sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="send and record nothing; list who is due")
        parser.add_argument("--loop", action="store_true", help="keep running, one sweep every --interval seconds")
        parser.add_argument("--interval", type=int, default=900, help="seconds between sweeps with --loop (900)")

    def handle(self, *args, dry_run, loop, interval, **options):
        if dry_run:
            self.print_dry_run()
            return
        if not loop:
            self.sweep(raise_on_failure=True)
            return
        self.stdout.write(f"Sending pulse invitations every {interval} s; Ctrl-C to stop.")
        while True:
            try:
                self.sweep(raise_on_failure=False)
            except Exception as error:
                # One bad sweep (a bug, the database restarting) must not stop the pulse for good.
                logger.exception("Pulse sweep failed; trying again in %d s", interval)
                self.stderr.write(f"Pulse sweep failed: {error!r}; trying again in {interval} s.")
                close_old_connections()
            time.sleep(interval)

    def sweep(self, *, raise_on_failure):
        result = sending.send_due_invitations()
        self.stdout.write(f"Sent {result.emails_sent} pulse invitation(s); {result.emails_failed} failed.")
        if result.emails_failed and raise_on_failure:
            raise CommandError("Some pulse invitations failed: " + "; ".join(result.errors))

    def print_dry_run(self):
        pending = sending.pending_invitations(now=timezone.now(), store=False)
        for due in pending:
            self.stdout.write(
                f"{due.person.email} ({due.person.get_username()}): {due.team.name}, period of {due.period.start}"
            )
        self.stdout.write(f"{len(pending)} pulse invitation(s) due now.")
        self.stdout.write("Dry run: nothing was sent or recorded.")
