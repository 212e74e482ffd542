"""Copy each post-mortem's team, kind and published state onto its action items.

(The column becomes NOT NULL in the next migration: on PostgreSQL a table cannot be altered in
the transaction that just updated its rows under a deferred foreign key.)

Item lists and counts then decide visibility from the item's own row instead of first
collecting every post-mortem the reader may see (models/actions.py, postmortem_copies).
"""
import django.db.models.deletion
from django.db import migrations, models


def copy_from_postmortems(apps, schema_editor):
    ActionItem = apps.get_model("postmortems", "ActionItem")
    PostMortem = apps.get_model("postmortems", "PostMortem")
    current = PostMortem.objects.filter(pk=models.OuterRef("postmortem_id"))
    ActionItem.objects.using(schema_editor.connection.alias).update(
        postmortem_team_id=models.Subquery(current.values("team_id")[:1]),
        postmortem_kind=models.Subquery(current.values("kind")[:1]),
        postmortem_published=models.Exists(current.filter(status="published")),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("postmortems", "0015_sweep_writes_and_published_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionitem",
            name="postmortem_team",
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="postmortems.team"),
        ),
        migrations.AddField(
            model_name="actionitem",
            name="postmortem_kind",
            field=models.CharField(editable=False, default="technical", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="actionitem",
            name="postmortem_published",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(copy_from_postmortems, migrations.RunPython.noop),
    ]
