from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Debrief"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, pre_delete

        from postmortems import checks  # noqa: F401  (registers the system checks)
        from postmortems import theme_tallies
        from postmortems.models import ContributingFactor, PostMortem

        # The themes page's counts follow every deletion and every change of who is named.
        pre_delete.connect(theme_tallies.factor_deleted, sender=ContributingFactor,
                           dispatch_uid="theme_tallies.factor_deleted")
        post_delete.connect(theme_tallies.factor_gone, sender=ContributingFactor,
                            dispatch_uid="theme_tallies.factor_gone")
        for relation in (PostMortem.authors, PostMortem.viewers):
            m2m_changed.connect(theme_tallies.named_changed, sender=relation.through,
                                dispatch_uid=f"theme_tallies.named_changed.{relation.field.name}")
