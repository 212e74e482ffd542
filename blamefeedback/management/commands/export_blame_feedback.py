"""Write the feedback leads accepted as JSON Lines training rows (the shared corpus format)."""
import json

from django.core.management.base import BaseCommand

from blamefeedback.export import accepted_feedback_rows


class Command(BaseCommand):
    help = ("Write accepted blame-check feedback as JSON Lines in the shared corpus format, "
            "to standard output or --output FILE; prints the count to standard error.")

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")

    def handle(self, *args, output=None, **options):
        rows = accepted_feedback_rows()
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(lines)
        else:
            self.stdout.write(lines, ending="")
        self.stderr.write(f"Exported {len(rows)} accepted feedback row{'s' if len(rows) != 1 else ''}.")
