"""The themes page's counts (postmortems/theme_tallies.py), filled from the factors.

ThemeTally: factors per theme, team, kind and published state. NamedThemeUse: per people
incident, its factors per theme for each author and viewer.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    db = schema_editor.connection.alias
    ContributingFactor = apps.get_model("postmortems", "ContributingFactor")
    PostMortem = apps.get_model("postmortems", "PostMortem")
    ThemeTally = apps.get_model("postmortems", "ThemeTally")
    NamedThemeUse = apps.get_model("postmortems", "NamedThemeUse")
    factors = ContributingFactor.objects.using(db).order_by()
    counts = {}
    rows = factors.values_list("theme_id", "postmortem__team_id", "postmortem__kind", "postmortem__status")
    for theme, team, kind, status, n in rows.annotate(n=models.Count("pk")):
        key = (theme, team, kind, status == "published")
        counts[key] = counts.get(key, 0) + n
    ThemeTally.objects.using(db).bulk_create(
        ThemeTally(theme_id=theme, team_id=team, kind=kind, published=published, uses=uses)
        for (theme, team, kind, published), uses in counts.items()
    )
    named = {}
    for relation in ("authors", "viewers"):
        through = PostMortem._meta.get_field(relation).remote_field.through
        for postmortem, user in through.objects.using(db).filter(postmortem__kind="people").values_list(
                "postmortem_id", "user_id"):
            named.setdefault(postmortem, set()).add(user)
    uses = (factors.filter(postmortem__kind="people")
            .values_list("postmortem_id", "theme_id", "postmortem__team_id").annotate(n=models.Count("pk")))
    NamedThemeUse.objects.using(db).bulk_create(
        (NamedThemeUse(postmortem_id=postmortem, user_id=user, theme_id=theme, team_id=team, uses=n)
         for postmortem, theme, team, n in uses for user in named.get(postmortem, ())),
        batch_size=5000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('postmortems', '0018_open_and_closed_item_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='NamedThemeUse',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uses', models.PositiveIntegerField()),
                ('postmortem', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='postmortems.postmortem')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='postmortems.team')),
                ('theme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='postmortems.theme')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['user', 'theme'], include=('team', 'uses'), name='named_use_reader')],
                'constraints': [models.UniqueConstraint(fields=('postmortem', 'user', 'theme'), name='one_named_use_per_theme')],
            },
        ),
        migrations.CreateModel(
            name='ThemeTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=20)),
                ('published', models.BooleanField()),
                ('uses', models.IntegerField()),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='postmortems.team')),
                ('theme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='postmortems.theme')),
            ],
            options={
                'indexes': [models.Index(fields=['theme', 'team', 'kind', 'published'], name='themetally_key')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
