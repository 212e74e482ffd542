"""Rewrite the post-mortem fields copied onto action items, e.g. after SQL run around the app."""
from django.core.management.base import BaseCommand, CommandError

from postmortems.models import ActionItem


class Command(BaseCommand):
    help = ("Copy each post-mortem's team, kind and published state onto its action items again "
            "(they decide who may see an item). --check only reports.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report stale items and exit 1 if any; change nothing")

    def handle(self, *args, check=False, **options):
        if check:
            stale = ActionItem.objects.with_stale_copies().count()
            if stale:
                raise CommandError(f"{stale} action item{'s' if stale != 1 else ''} disagree with their post-mortem; "
                                   "run `manage.py rebuild_item_copies` to repair them.")
            self.stdout.write("Every action item agrees with its post-mortem.")
            return
        changed = ActionItem.objects.refresh_postmortem_copies()
        self.stdout.write(f"Repaired {changed} action item{'s' if changed != 1 else ''}.")
