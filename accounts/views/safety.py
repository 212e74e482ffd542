"""Account safety pages: sign-in with a code, password reset and change, two-factor, sign out everywhere,
and the organisation admin's lockouts and two-factor policy."""
import math

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import audit, roles, safety, sso, two_factor
from accounts.models import OrganisationPolicy

User = get_user_model()


class CodeForm(forms.Form):
    code = forms.CharField(label="Code", max_length=32, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="The six digits your authenticator app shows now, or one of your backup codes.")


class DisableTwoFactorForm(CodeForm):
    password = forms.CharField(label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["code"].widget.attrs.pop("autofocus")

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError("That is not your password.")
        return self.cleaned_data["password"]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = OrganisationPolicy
        fields = ["require_two_factor"]
        labels = {"require_two_factor": "Require two-factor authentication for everyone who signs in with a password"}


def _safe_next(request, url, fallback):
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return fallback


def require_org_admin(request):
    if not roles.is_org_admin(request.user):
        raise PermissionDenied("Only organisation admins may do that.")


# Signing in -------------------------------------------------------------------------------

class LoginView(auth_views.LoginView):
    """Django's login page; a person with two-factor on is asked for a code before being signed in."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        pause = safety.pause_before_next_attempt(request, request.POST.get("username", ""))
        if pause:
            seconds = max(1, math.ceil(pause.total_seconds()))
            messages.error(request, f"Several sign-ins failed just now. Wait {seconds} second{'s' if seconds != 1 else ''} "
                                    "and try again.")
            # An unbound form: binding it would check the password, which is what must wait.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # The single sign-on button and the "SSO only" switch share this page.
        return {**super().get_context_data(**kwargs), **sso.login_options(self.request)}

    def form_valid(self, form):
        user = form.get_user()
        # A password sign-in is not a single sign-on one: Django keeps session data when the same
        # person signs in again, so an earlier SSO sign-in's exemption from two-factor must go.
        self.request.session.pop(two_factor.SSO_LOGIN, None)
        if not two_factor.has_two_factor(user):
            return super().form_valid(form)
        two_factor.start_pending_login(self.request.session, user, next_url=self.get_success_url())
        return redirect("accounts:two-factor-verify")


def two_factor_verify(request):
    """The code step: finishes a pending sign-in, or verifies a session signed in without a code."""
    if request.user.is_authenticated:
        return _verify_signed_in(request)
    pending = two_factor.pending_login(request.session)
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first() if pending else None
    if user is None:
        messages.info(request, "Please sign in again.")
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            del request.session[two_factor.PENDING_LOGIN]
            auth_login(request, user, backend=pending["backend"])
            _mark_verified(request, device)
            return redirect(_safe_next(request, pending["next"], reverse(settings.LOGIN_REDIRECT_URL)))
        if not two_factor.count_wrong_code(request.session):
            messages.error(request, "Too many wrong codes. Please sign in again.")
            return redirect("login")
        form.add_error("code", "That code is not right. Codes change every 30 seconds; try the current one.")
    return render(request, "registration/two_factor_verify.html", {"form": form}, status=400 if form.errors else 200)


def _verify_signed_in(request):
    next_url = _safe_next(request, request.GET.get("next"), reverse(settings.LOGIN_REDIRECT_URL))
    if request.user.is_verified() or not two_factor.has_two_factor(request.user):
        request.session[two_factor.HAS_DEVICE] = two_factor.has_two_factor(request.user)
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            _mark_verified(request, device)
            return redirect(next_url)
        form.add_error("code", "That code is not right. Codes change every 30 seconds; try the current one.")
    return render(request, "registration/two_factor_verify.html", {"form": form}, status=400 if form.errors else 200)


def _mark_verified(request, device):
    otp_login(request, device)
    request.session[two_factor.HAS_DEVICE] = True
    if isinstance(device, StaticDevice):
        left = two_factor.backup_codes_left(request.user)
        audit.record("two_factor.backup_code_used", "Signed in with a backup code", request=request,
                     target_user=request.user, codes_left=left)
        messages.warning(request, f"You used a backup code; {left} left. Make new ones from Two-factor authentication.")


# Passwords --------------------------------------------------------------------------------

class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    @property
    def extra_email_context(self):
        # Links are built from SITE_URL, never from the request's Host header.
        return {"site_url": settings.SITE_URL}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Proving they own the address is as good as an admin's unlock.
        safety.forget_failures(self.user.get_username())
        audit.record("password.reset", "Password reset by email", actor=self.user, request=self.request,
                     target_user=self.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password; this session stays signed in, every other one ends (its hash no longer matches)."""

    success_url = reverse_lazy("postmortems:settings")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record("password.changed", "Password changed", request=self.request, target_user=self.request.user)
        messages.success(self.request, "Your password is changed. You are signed out everywhere else.")
        return response


@login_required
@require_POST
def sign_out_everywhere(request):
    """End every session of this person, this one included, and show the login page."""
    user = request.user
    ended = safety.end_all_sessions(user)
    audit.record("sessions.ended", "Signed out everywhere", request=request, target_user=user, sessions_ended=ended)
    logout(request)
    messages.success(request, "You are signed out everywhere, here too.")
    return redirect("login")


# Two-factor settings ------------------------------------------------------------------------

@login_required
def two_factor_page(request):
    """Set up two-factor, or (when it is on) make new backup codes or turn it off."""
    if two_factor.has_two_factor(request.user):
        return _manage_two_factor(request)
    device = two_factor.enrolment_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_enrolment(device, form.cleaned_data["code"])
        if codes is not None:
            _mark_verified(request, device)
            audit.record("two_factor.enabled", "Two-factor authentication turned on", request=request,
                         target_user=request.user)
            return _show_backup_codes(request, codes)
        form.add_error("code", "That code is not right. Check the time on your phone and try the current code.")
    return render(request, "accounts/safety/two_factor_enrol.html", {
        "form": form,
        "qr_code": mark_safe(two_factor.qr_code_svg(device)),  # SVG drawn by qrcode from our own key
        "secret": two_factor.secret_for_display(device),
        "required": OrganisationPolicy.current().require_two_factor,
    }, status=400 if form.errors else 200)


def _manage_two_factor(request):
    action = request.POST.get("action")
    new_codes_form = CodeForm(request.POST if action == "new-codes" else None, prefix="codes")
    disable_form = DisableTwoFactorForm(request.POST if action == "disable" else None, user=request.user,
                                        prefix="disable")
    required = OrganisationPolicy.current().require_two_factor and not two_factor.is_sso_session(request)
    if action == "new-codes" and new_codes_form.is_valid():
        if two_factor.verify(request.user, new_codes_form.cleaned_data["code"]):
            audit.record("two_factor.new_backup_codes", "New two-factor backup codes made", request=request,
                         target_user=request.user)
            return _show_backup_codes(request, two_factor.new_backup_codes(request.user))
        new_codes_form.add_error("code", "That code is not right.")
    if action == "disable" and disable_form.is_valid() and not required:
        if two_factor.verify(request.user, disable_form.cleaned_data["code"]):
            two_factor.disable(request.user)
            request.session[two_factor.HAS_DEVICE] = False
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            audit.record("two_factor.disabled", "Two-factor authentication turned off", request=request,
                         target_user=request.user)
            messages.success(request, "Two-factor authentication is off.")
            return redirect("postmortems:settings")
        disable_form.add_error("code", "That code is not right.")
    invalid = new_codes_form.errors or disable_form.errors
    return render(request, "accounts/safety/two_factor_manage.html", {
        "new_codes_form": new_codes_form, "disable_form": disable_form, "required": required,
        "codes_left": two_factor.backup_codes_left(request.user),
    }, status=400 if invalid else 200)


def _show_backup_codes(request, codes):
    # Rendered in the POST's own answer, never stored in the session: the codes are shown once.
    response = render(request, "accounts/safety/backup_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


# Organisation admin ----------------------------------------------------------------------------

@login_required
def locks_page(request):
    """The sign-in locks in force, each with an Unlock button."""
    require_org_admin(request)
    return render(request, "accounts/safety/locks.html", {
        "lockouts": safety.current_lockouts(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": settings.AXES_COOLOFF_MINUTES,
    })


@login_required
@require_POST
def unlock(request):
    require_org_admin(request)
    criteria = {field: request.POST[field] for field in safety.LOCK_FIELDS if field in request.POST}
    if safety.unlock(criteria, request=request):
        messages.success(request, "Unlocked: they can sign in again now.")
    else:
        messages.info(request, "That lock had already lifted.")
    return redirect("accounts:locks")


@login_required
def two_factor_policy(request):
    """Turn the organisation's two-factor requirement on or off."""
    require_org_admin(request)
    policy = OrganisationPolicy.current()
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        policy = form.save(commit=False)
        policy.updated_by = request.user
        policy.save()
        state = "required" if policy.require_two_factor else "optional"
        audit.record("policy.two_factor", f"Two-factor authentication made {state}", request=request,
                     require_two_factor=policy.require_two_factor)
        messages.success(request, f"Two-factor authentication is now {state} for password sign-ins.")
        return redirect("accounts:two-factor-policy")
    with_two_factor = User.objects.filter(totpdevice__confirmed=True).values("pk")
    without = User.objects.filter(is_active=True).exclude(pk__in=with_two_factor).order_by("username")
    return render(request, "accounts/safety/two_factor_policy.html", {"form": form, "policy": policy, "without": without})
