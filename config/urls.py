"""Top-level URLs: the apps, accounts and the admin."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views.safety import LoginView

urlpatterns = [
    # Debrief's login asks for a two-factor code after the password when the person has it on.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("feedback/", include("blamefeedback.urls")),
    path("near-misses/", include("nearmisses.urls")),
    path("inbound/", include("inbound.urls")),
    path("", include("accounts.urls")),
    path("", include("accounts.urls_sso")),
    path("", include("pulse.urls")),
    path("", include("meetings.urls")),
    path("", include("webhooks.urls")),  # issue 13: outgoing webhooks, team pages for leads
    path("", include("api.urls")),  # issue 13: REST API under /api/v1/ and the API tokens page
    path("", include("postmortems.urls")),
]

handler500 = "config.errors.server_error"
