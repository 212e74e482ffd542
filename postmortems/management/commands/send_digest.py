"""Send the weekly digests that are due: the same sweep Celery beat runs, for cron users and previews."""
import logging
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from postmortems import digest

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Email this week's digest to everyone whose digest day and hour has passed, exactly once. "
        "Safe to run from cron as often as you like. --user limits it to one person; "
        "--dry-run records and sends nothing (with --user it prints that person's digest)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="send and record nothing; print what would go out")
        parser.add_argument("--user", metavar="EMAIL", help="only this person (their email address)")
        parser.add_argument("--loop", action="store_true", help="keep running, one sweep every --interval seconds")
        parser.add_argument("--interval", type=int, default=900, help="seconds between sweeps with --loop (900)")

    def handle(self, *args, dry_run, user, loop, interval, **options):
        people = self.people(user)
        if dry_run:
            self.print_dry_run(user, people)
            return
        if not loop:
            self.sweep(people, raise_on_failure=True)
            return
        self.stdout.write(f"Sending digests every {interval} s; Ctrl-C to stop.")
        while True:
            try:
                self.sweep(people, raise_on_failure=False)
            except Exception as error:
                # One bad sweep (a bug, the database restarting) must not stop digests for good.
                logger.exception("Digest sweep failed; trying again in %d s", interval)
                self.stderr.write(f"Digest sweep failed: {error!r}; trying again in {interval} s.")
                close_old_connections()  # a broken database connection is replaced, not reused
            time.sleep(interval)

    def people(self, email):
        if email is None:
            return None
        people = get_user_model().objects.filter(email__iexact=email).select_related("profile")
        if not people.exists():
            raise CommandError(f"Nobody has the email address {email}.")
        return people

    def sweep(self, people, *, raise_on_failure):
        result = digest.send_due_digests(people=people)
        self.stdout.write(f"Sent {result.emails_sent} digest(s); {result.emails_failed} failed.")
        if result.emails_failed and raise_on_failure:
            # A non-zero exit lets cron report it; the failed digests stay unsent for the next run.
            raise CommandError("Some digests failed: " + "; ".join(result.errors))

    def print_dry_run(self, email, people):
        now = timezone.now()
        pending = digest.pending_digests(now=now, people=people)
        if email is not None:
            for person in people:
                self.print_digest(person, now, is_pending=any(d.person.pk == person.pk for d in pending))
        else:
            for due in pending:
                self.stdout.write(f"{due.person.email} ({due.person.get_username()}): week of {due.week}")
            self.stdout.write(f"{len(pending)} digest(s) due now.")
        self.stdout.write("Dry run: nothing was sent or recorded.")

    def print_digest(self, person, now, *, is_pending):
        if is_pending:
            state = "due now"
        elif not digest.may_receive(person):
            state = "not sent to this person (inactive, no address or opted out)"
        else:
            state = "not due now (already sent this week, or their day and hour has not come)"
        message = digest.digest_email(digest.build_digest(person, now=now))
        self.stdout.write(f"To: {person.email} ({state})")
        self.stdout.write(f"Subject: {message.subject}")
        self.stdout.write("")
        self.stdout.write(message.body)
