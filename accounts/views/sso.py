"""Single sign-on pages: start the sign-in, take the provider's answer, refuse clearly, break-glass login."""
import logging

import requests
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import sso
from accounts.views.safety import LoginView

logger = logging.getLogger(__name__)

UNREACHABLE = "Debrief could not reach the sign-in provider. Please try again in a minute."
STALE_ANSWER = ("This sign-in answer does not belong to a sign-in started in this browser, or it was already "
                "used. Please start again.")


def refused(request, reason, status=403):
    """The refusal page: what went wrong in one sentence, and a way back to the login page."""
    return render(request, "accounts/sso/refused.html", {"reason": reason}, status=status)


class SSOLoginView(OIDCAuthenticationRequestView):
    """Send the person to the provider, with a fresh state, nonce and PKCE challenge."""

    get_settings = staticmethod(sso.provider_setting)

    def __init__(self, **kwargs):
        # The parent reads the provider's endpoints here; that waits until a request needs them.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not sso.is_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except sso.SSORefused as refusal:
            return refused(request, str(refusal), status=502)
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Take the provider's answer: state, nonce and PKCE are checked by mozilla-django-oidc, the rest by sso."""

    get_settings = staticmethod(sso.provider_setting)

    def get(self, request):
        if not sso.is_enabled():
            raise Http404("Single sign-on is not configured.")
        if request.GET.get("error") and request.GET.get("state") not in request.session.get("oidc_states", {}):
            # Anyone can link to the callback with ?error=…&error_description=…: unless this browser
            # started that sign-in, those words are the linker's (shown on Debrief's own address), and
            # mozilla-django-oidc would sign the person out on the way.
            return refused(request, STALE_ANSWER)
        try:
            return super().get(request)
        except sso.SSORefused as refusal:
            logger.info("Single sign-on refused: %s", refusal)
            return refused(request, str(refusal))
        except SuspiciousOperation:
            # mozilla-django-oidc raises this for a state this session never issued (or already used).
            return refused(request, STALE_ANSWER)
        except requests.RequestException as exc:
            logger.warning("Single sign-on could not talk to the provider: %s", exc)
            return refused(request, UNREACHABLE, status=502)

    def login_failure(self):
        if self.request.GET.get("error"):
            reason = self.request.GET.get("error_description") or self.request.GET["error"]
            return refused(self.request, f"The sign-in provider did not sign you in: {reason}")
        if "code" in self.request.GET and "state" in self.request.GET:
            return refused(self.request, STALE_ANSWER)
        return refused(self.request, "The sign-in provider's answer was incomplete. Please start again.", status=400)

    def login_success(self):
        response = super().login_success()
        # After auth.login (which may start a new session): two-factor leaves SSO sign-ins to the provider.
        self.request.session["sso_login"] = True
        return response


class BreakGlassForm(AuthenticationForm):
    """The password form, which while OIDC_ONLY is on only superusers get through."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Please enter a correct username and password. While single sign-on is required, "
                         "only superusers may sign in here.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if sso.is_enabled() and settings.OIDC_ONLY and not user.is_superuser:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class BreakGlassLoginView(LoginView):
    """Local password login kept for superusers when single sign-on is the only way in (two-factor still asked)."""

    form_class = BreakGlassForm
    template_name = "accounts/sso/break_glass_login.html"

    def dispatch(self, request, *args, **kwargs):
        if not sso.is_enabled():
            raise Http404("Single sign-on is not configured; use the ordinary login page.")
        return super().dispatch(request, *args, **kwargs)
