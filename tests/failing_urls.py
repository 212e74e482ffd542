"""A URLconf with a view that fails, for the server-error page test."""
from django.urls import path


def boom(request):
    raise RuntimeError("deliberate failure for the test")


urlpatterns = [path("boom/", boom)]
handler500 = "config.errors.server_error"
