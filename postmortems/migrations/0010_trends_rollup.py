"""An index on when each incident happened, for the trends page at 10,000 post-mortems.

Every trends query filters on COALESCE(started_at, detected_at, created_at). Without
an index on that expression PostgreSQL has no statistics for it and estimates a
period's incidents at a few dozen rows where there are thousands, so it joins
factors and incidents with nested loops; ANALYZE collects statistics for indexed
expressions, and the estimates, hence the plans (hash joins), become right.
"""
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0009_action_and_digest_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="postmortem",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("started_at", "detected_at", "created_at"),
                name="postmortem_incident_on",
            ),
        ),
    ]
