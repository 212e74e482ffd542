from django.apps import AppConfig


class BlameFeedbackConfig(AppConfig):
    name = "blamefeedback"
    verbose_name = "Blame-check feedback"
    default_auto_field = "django.db.models.BigAutoField"
