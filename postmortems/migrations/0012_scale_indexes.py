"""Indexes for the action-item pages and the digest at 100,000 post-mortems."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0011_team_default_viewers")]

    operations = [
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(fields=["due_date", "id"], name="actionitem_by_due"),
        ),
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(
                condition=models.Q(("status", "done")), fields=["closed_at"], name="actionitem_done_by_closed",
            ),
        ),
    ]
