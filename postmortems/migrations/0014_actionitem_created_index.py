"""An index on when action items were created: the trends count a period's items, not all history."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('postmortems', '0013_trends_themes_scale'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='actionitem',
            index=models.Index(fields=['created_at'], name='actionitem_created'),
        ),
    ]
