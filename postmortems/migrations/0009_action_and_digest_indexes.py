"""Indexes for the action-item dashboard and the digest page at 10,000 post-mortems."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0008_list_and_dashboard_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "in_progress"])),
                fields=["owner", "due_date", "id"],
                name="actionitem_open_by_owner",
            ),
        ),
    ]
