"""Recount the theme tallies from the contributing factors, e.g. after SQL run around the app."""
from django.core.management.base import BaseCommand, CommandError

from postmortems import theme_tallies


class Command(BaseCommand):
    help = ("Recount how many contributing factors, and incidents, name each theme, per team, kind and published "
            "state (the themes page and the list filtered by theme read these counts). --check only reports; "
            "--compact only folds the change rows.")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--check", action="store_true", help="report wrong counts and exit 1 if any; change nothing")
        group.add_argument("--compact", action="store_true", help="fold the change rows into one per count")

    def handle(self, *args, check=False, compact=False, **options):
        if compact:
            rows = theme_tallies.compact()
            self.stdout.write(f"Compacted the theme tallies into {rows} row{'s' if rows != 1 else ''}.")
            return
        if check:
            stale = len(theme_tallies.stale_keys())
            if stale:
                raise CommandError(f"{stale} theme count{'s' if stale != 1 else ''} disagree with the factors; "
                                   "run `manage.py rebuild_theme_tallies` to recount them.")
            self.stdout.write("Every theme count agrees with the factors.")
            return
        changed = theme_tallies.rebuild()
        self.stdout.write(f"Recounted the theme tallies: {changed} count{'s' if changed != 1 else ''} corrected.")
