from django.apps import AppConfig


class NearMissesConfig(AppConfig):
    name = "nearmisses"
    verbose_name = "Near-miss reports"
    default_auto_field = "django.db.models.BigAutoField"
