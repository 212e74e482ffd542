"""Deliver owed webhook events (what the beat's task does), or list how many with --dry-run."""
from django.core.management.base import BaseCommand
from django.utils import timezone

from webhooks import delivery, events


class Command(BaseCommand):
    help = "Record newly overdue action items and deliver every webhook event owed now, exactly once."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what is owed; record and send nothing.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            owed = len(delivery.due_deliveries(now=timezone.now()))
            self.stdout.write(f"{owed} webhook deliveries owed (events already recorded; overdue items not yet).")
            return
        overdue = events.record_overdue()
        result = delivery.deliver_due()
        self.stdout.write(f"{overdue} overdue events recorded, {result.sent} deliveries sent, {result.failed} failed.")
        for error in result.errors:
            self.stderr.write(error)
