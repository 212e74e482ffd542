"""Theme tallies count incidents as well as factors: the list filtered by theme counts from them.

Existing databases get one row per key holding its incidents (and no factors), counted from
the factors; later changes append rows as usual (postmortems/theme_tallies.py).
"""
from django.db import migrations, models


def fill(apps, schema_editor):
    db = schema_editor.connection.alias
    ContributingFactor = apps.get_model("postmortems", "ContributingFactor")
    ThemeTally = apps.get_model("postmortems", "ThemeTally")
    pairs = (ContributingFactor.objects.using(db).order_by()
             .values_list("theme_id", "postmortem_id", "postmortem__team_id", "postmortem__kind", "postmortem__status")
             .distinct())
    counts = {}
    for theme, _, team, kind, status in pairs.iterator(chunk_size=5000):
        key = (theme, team, kind, status == "published")
        counts[key] = counts.get(key, 0) + 1
    ThemeTally.objects.using(db).bulk_create(
        (ThemeTally(theme_id=theme, team_id=team, kind=kind, published=published, uses=0, incidents=n)
         for (theme, team, kind, published), n in counts.items()),
        batch_size=5000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('postmortems', '0021_people_incident_ids'),
    ]

    operations = [
        migrations.AddField(
            model_name='themetally',
            name='incidents',
            field=models.IntegerField(default=0, db_default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
