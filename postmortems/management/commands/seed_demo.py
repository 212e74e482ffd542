"""`manage.py seed_demo`: fill an empty database with a realistic demo organisation."""
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from postmortems import action_quality, demo_content
from postmortems.models import ActionItem
from pulse import demo as pulse_demo


class Command(BaseCommand):
    help = "Create demo teams, people and post-mortems. Does nothing if demo data exists, unless --reset."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo users, demo teams and their post-mortems, then recreate them.")
        parser.add_argument("--seed", type=int, default=demo_content.DEFAULT_SEED,
                            help=f"Random seed for dates, authors and statuses (default {demo_content.DEFAULT_SEED}).")

    def handle(self, *args, reset=False, seed=demo_content.DEFAULT_SEED, **options):
        started = time.monotonic()
        existing = demo_content.existing_demo_data()
        if existing and not reset:
            self.stdout.write(f"Demo data already exists ({existing}). Nothing to do; use --reset to recreate it.")
            self.print_logins(demo_content.demo_logins())
            return
        with transaction.atomic():
            if existing:
                pulse_demo.delete_demo_data()  # first: near misses and pulse answers protect the teams
                deleted = demo_content.delete_demo_data()
                self.stdout.write("Deleted " + ", ".join(f"{n} {what}" for what, n in deleted.items()) + ".")
                leftover = demo_content.existing_demo_data()
                if leftover:
                    raise CommandError(f"Not demo data, so left alone: {leftover}. Rename or remove it first.")
            result = demo_content.seed(seed=seed)
            result["counts"].update(pulse_demo.seed(seed=seed)["counts"])
            # As if each item had been saved in the editor, so the trends show the check's pass rate.
            action_quality.stamp_wording(ActionItem.objects.all())

        counts = ", ".join(f"{n} {what}" for what, n in result["counts"].items())
        self.stdout.write(self.style.SUCCESS(f"Created {counts} in {time.monotonic() - started:.1f} s."))
        self.print_logins(result["logins"])

    def print_logins(self, logins):
        self.stdout.write("\nDemo logins:")
        for username, name, role, zone in logins:
            self.stdout.write(f"  {username:<9} {name:<16} {role:<45} {zone}")
        self.stdout.write(f"\nPassword for every demo login: {demo_content.DEMO_PASSWORD}")
