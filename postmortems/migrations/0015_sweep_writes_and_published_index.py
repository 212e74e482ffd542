"""Cheaper writes for the sweeps' claims and sends, and an index for the digest's week of publications.

A first reminder sweep at 100,000 open items inserts and then marks sent about 150,000
reminder rows. Each insert wrote five indexes and each "sent" update added an entry to
every one of them again, because `sent_at` was indexed. Now: no index on `sent_at` or
`claimed_at` (the sweeps find rows by their key), no separate item/person index where the
unique constraint's index already starts with that column, and pages left half empty
(fillfactor 50) so that recording a send rewrites the row in place (a HOT update, no
index entry). The digest's table gets the same treatment.
"""
from django.conf import settings
from django.db import migrations, models

SWEPT_TABLES = ("postmortems_reminder", "postmortems_digest")


def leave_room_for_sent(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in SWEPT_TABLES:
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = 50)")


def fill_pages_again(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in SWEPT_TABLES:
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)")


def without_own_index(model_name, name, field, index, table, column):
    """db_index=False on a foreign key, done as a plain DROP INDEX.

    AlterField would also drop the foreign key constraint and add it back, which checks
    every row of a table that may hold millions of reminders under a lock.
    """
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[migrations.RunSQL(
            f'DROP INDEX IF EXISTS "{index}"', reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
        )],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('postmortems', '0014_actionitem_created_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name='reminder', name='postmortems_sent_at_a0d5a4_idx'),
        without_own_index('reminder', 'item', models.ForeignKey(
            db_index=False, on_delete=models.deletion.CASCADE, related_name='reminders', to='postmortems.actionitem',
        ), 'postmortems_reminder_item_id_9a78c3eb', 'postmortems_reminder', 'item_id'),
        migrations.RemoveIndex(model_name='digest', name='postmortems_week_b9d40f_idx'),
        without_own_index('digest', 'person', models.ForeignKey(
            db_index=False, on_delete=models.deletion.CASCADE, related_name='digests', to=settings.AUTH_USER_MODEL,
        ), 'postmortems_digest_person_id_e0948a78', 'postmortems_digest', 'person_id'),
        migrations.AddIndex(
            model_name='postmortem',
            index=models.Index(condition=models.Q(('status', 'published')), fields=['published_at'],
                               name='postmortem_published'),
        ),
        migrations.RunPython(leave_room_for_sent, fill_pages_again),
    ]
