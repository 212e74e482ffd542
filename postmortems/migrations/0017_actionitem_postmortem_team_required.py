import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("postmortems", "0016_actionitem_postmortem_copies"),
    ]

    operations = [
        migrations.AlterField(
            model_name="actionitem",
            name="postmortem_team",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="postmortems.team"),
        ),
    ]
