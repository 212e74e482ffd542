"""`manage.py export_org DIR`: write the whole organisation to a directory, to keep or to import elsewhere."""
from django.core.management.base import BaseCommand, CommandError

from postmortems import portability


class Command(BaseCommand):
    help = ("Write the organisation to DIR (new or empty): organisation.json for import_org, and one Markdown "
            "file per post-mortem under postmortems/ for people. Password hashes and pulse responses are never "
            "written.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="a new or empty directory")

    def handle(self, *args, directory, **options):
        try:
            counts = portability.export_organisation(directory)
        except portability.ExportRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Exported {portability.describe(counts)} to {directory}."))
        self.stdout.write("Password hashes are not exported: people imported from it set a new password.")
        # Single responses in a file would undo the pulse's anonymity threshold (see portability).
        self.stdout.write("Pulse responses are not exported; back them up with pg_dump, see README.")
