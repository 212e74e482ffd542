"""Recompute every post-mortem's search vector, e.g. after a bulk load or a change to what is indexed."""
from django.core.management.base import BaseCommand
from django.db import connection

from postmortems import search


class Command(BaseCommand):
    help = "Recompute the full-text search vector of every post-mortem (PostgreSQL; SQLite searches without one)."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to rebuild: this database searches the texts directly.")
            return
        count = search.rebuild_search_index()
        self.stdout.write(f"Rebuilt the search vector of {count} post-mortem{'s' if count != 1 else ''}.")
