"""Trends, themes and the list by theme at 100,000 post-mortems: a factor index by incident and theme."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0012_scale_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="contributingfactor",
            index=models.Index(fields=["postmortem", "theme"], name="factor_postmortem_theme"),
        ),
    ]
