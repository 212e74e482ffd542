from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "pulse"
    verbose_name = "Team pulse"
    default_auto_field = "django.db.models.BigAutoField"
