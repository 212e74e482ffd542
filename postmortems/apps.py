from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Debrief"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from postmortems import checks  # noqa: F401  (registers the system checks)
