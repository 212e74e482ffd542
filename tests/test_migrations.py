"""Migrations run on a copy of real-looking data: the demo organisation, migrated down and up again."""
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from postmortems import theme_tallies
from postmortems.models import ActionItem, PostMortem, Revision, ThemeTally

pytestmark = pytest.mark.django_db(transaction=True)

# The last migration of the foundation: everything after it was added with data already in place.
BASELINE = [("postmortems", "0005_actionitem_updated_at"), ("blamefeedback", None)]


def counts():
    return (PostMortem.objects.count(), ActionItem.objects.count(), Revision.objects.count())


def test_later_migrations_apply_and_reverse_on_the_demo_organisation():
    call_command("seed_demo", verbosity=0)
    before = counts()
    titles = sorted(PostMortem.objects.values_list("title", flat=True))

    for app, name in BASELINE:
        call_command("migrate", app, name or "zero", verbosity=0)
    call_command("migrate", verbosity=0)

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert counts() == before
    assert sorted(PostMortem.objects.values_list("title", flat=True)) == titles
    # The theme tallies were filled from the demo's factors on the way up.
    assert ThemeTally.objects.exists() and theme_tallies.stale_keys() == []
    # A page and a check that read the re-added columns still work on the migrated data.
    assert ActionItem.objects.filter(wording_issues__isnull=True).count() == before[1]
