"""Reminder rows keep their item and recipient without database foreign-key constraints.

A first sweep at 100,000 open items inserts about 150,000 reminder rows; PostgreSQL checked
both keys of each at commit (deferred constraints), seconds of the sweep's database time.
Django still deletes reminders with their item or person (models/actions.py).
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('postmortems', '0019_theme_tallies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='reminder',
            name='item',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='postmortems.actionitem'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='recipient',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to=settings.AUTH_USER_MODEL),
        ),
    ]
