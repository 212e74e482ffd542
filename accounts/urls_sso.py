"""Single sign-on URLs. Register <SITE_URL>/oidc/callback/ as the redirect URI at the provider."""
from django.urls import path

from accounts.views import sso

app_name = "sso"
urlpatterns = [
    path("oidc/login/", sso.SSOLoginView.as_view(), name="login"),
    path("oidc/callback/", sso.SSOCallbackView.as_view(), name="callback"),
    path("accounts/login/local/", sso.BreakGlassLoginView.as_view(), name="break-glass"),
]
