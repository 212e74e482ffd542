"""`manage.py import_org DIR`: restore an export_org directory into an empty database."""
from django.core.management.base import BaseCommand, CommandError

from postmortems import portability


class Command(BaseCommand):
    help = ("Restore an organisation written by export_org into an EMPTY database (superusers and the shared themes "
            "from migrate may exist), in one transaction. Imported people get unusable passwords.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="a directory written by export_org")

    def handle(self, *args, directory, **options):
        try:
            result = portability.import_organisation(directory)
        except portability.ImportRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Imported {portability.describe(result['counts'])} from {directory}."))
        if result["kept_users"]:
            kept = ", ".join(result["kept_users"])
            self.stdout.write(f"Already here, so kept as they were (password included): {kept}.")
        self.stdout.write(
            "Imported people have unusable passwords: nobody can sign in with a password until one is set. "
            "Set one with `manage.py changepassword USERNAME` or in /admin/."
        )
        self.stdout.write("Pulse responses are not in exports: imported pulse periods have no responses.")
