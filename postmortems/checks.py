"""System checks Debrief adds to Django's own."""
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    """`check --deploy` fails while the public development key is in use."""
    if settings.SECRET_KEY != settings.DEVELOPMENT_SECRET_KEY:
        return []
    return [Error(
        "SECRET_KEY is not set, so the public development key is in use.",
        hint="Set SECRET_KEY to a long random value: "
             "python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'",
        id="debrief.E001",
    )]


def refuse_development_key_in_production():
    """Called by the WSGI/ASGI entry points: never serve real traffic with the public key."""
    from django.core.exceptions import ImproperlyConfigured

    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value in production "
            "(python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'), "
            "or set DEBUG=true for development."
        )
