"""Send due action-item reminders: the same sweep Celery beat runs, for cron users."""
import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from postmortems import reminders

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Email every reminder that is due now (one email per person), exactly once. "
        "Safe to run from cron as often as you like; --dry-run prints who would get what."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print who would get what; record and send nothing")
        parser.add_argument("--loop", action="store_true", help="keep running, one sweep every --interval seconds")
        parser.add_argument("--interval", type=int, default=900, help="seconds between sweeps with --loop (900)")

    def handle(self, *args, dry_run, loop, interval, **options):
        if dry_run:
            self.print_pending()
            return
        if not loop:
            self.sweep(raise_on_failure=True)
            return
        self.stdout.write(f"Sending reminders every {interval} s; Ctrl-C to stop.")
        while True:
            try:
                self.sweep(raise_on_failure=False)
            except Exception as error:
                # One bad sweep (a bug, the database restarting) must not stop reminders for good.
                logger.exception("Reminder sweep failed; trying again in %d s", interval)
                self.stderr.write(f"Reminder sweep failed: {error!r}; trying again in {interval} s.")
                close_old_connections()  # a broken database connection is replaced, not reused
            time.sleep(interval)

    def sweep(self, *, raise_on_failure):
        result = reminders.send_due_reminders()
        self.stdout.write(
            f"Sent {result.emails_sent} email(s) with {result.reminders_sent} reminder(s); "
            f"{result.emails_failed} email(s) failed."
        )
        if result.emails_failed and raise_on_failure:
            # A non-zero exit lets cron report it; the failed reminders stay unsent for the next run.
            raise CommandError("Some reminder emails failed: " + "; ".join(result.errors))

    def print_pending(self):
        pending = reminders.pending_reminders()
        if not pending:
            self.stdout.write("No reminders are due.")
            return
        for recipient, due in reminders.group_by_recipient(pending):
            self.stdout.write(f"{recipient.email} ({recipient.get_username()}): {len(due)} item(s)")
            for d in due:
                label = reminders.Reason(d.reason).label
                status = reminders.describe_due(d.days_until_due)
                self.stdout.write(f"  - {label} [{d.reason_date}]: {d.item.title} ({status}) {reminders.item_url(d.item)}")
        self.stdout.write("Dry run: nothing was sent or recorded.")
