"""ASGI entry point. Refuses to serve with the public development key unless DEBUG is on."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from postmortems.checks import refuse_development_key_in_production  # noqa: E402

refuse_development_key_in_production()
