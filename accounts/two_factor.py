"""Optional TOTP two-factor authentication for local accounts (django-otp), with backup codes.

A person enrols an authenticator app from their settings; from then on signing in asks for a
code after the password (accounts/views_safety.py). Organisation admins may require it for
everyone who signs in with a password; people signed in through SSO are exempt, because their
identity provider owns their second factor (the SSO sign-in sets the session's "sso_login").
"""
import time
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import OrganisationPolicy

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
# Session keys. HAS_DEVICE remembers, per session, whether this person had two-factor on when we
# last looked, so ordinary pages cost no device query.
HAS_DEVICE = "two_factor_has_device"
PENDING_LOGIN = "two_factor_pending_login"
SSO_LOGIN = "sso_login"
# A password accepted but no code yet: how long that lasts and how many wrong codes it survives.
PENDING_LOGIN_SECONDS = 5 * 60
PENDING_LOGIN_ATTEMPTS = 5


def has_two_factor(user):
    """Whether the person has a confirmed authenticator (and so must give a code to sign in)."""
    return user_has_device(user, confirmed=True)


def enrolment_device(user):
    """The not-yet-confirmed authenticator being set up, made on first call and kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def secret_for_display(device):
    """The device key as people type it into an authenticator app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device):
    """The device's otpauth:// address as an inline SVG QR code (drawn here, no outside service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def confirm_enrolment(device, token):
    """Confirm the device if `token` is right; returns the new backup codes, or None if wrong."""
    with transaction.atomic():
        if not device.verify_token(_clean(token)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_backup_codes(device.user)


def new_backup_codes(user):
    """Replace the person's backup codes with fresh ones and return them (shown once, stored once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(user, token):
    """The confirmed device (app or backup code) that accepts `token`, or None.

    Each device throttles wrong guesses itself (django-otp), and a backup code is used up.
    """
    token = _clean(token).lower()
    if not token:
        return None
    # An app code goes only to the app, a backup code only to the backup codes: a wrong guess
    # at one must not count against (and throttle) the other.
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice  # backup codes have 8 characters
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):
                return device
    return None


def disable(user):
    """Remove every two-factor device of the person (app and backup codes)."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()


def _clean(token):
    return "".join((token or "").split())


# Sign-in with a pending code -------------------------------------------------------------

def start_pending_login(session, user, *, next_url):
    """Remember that `user` gave the right password; the code step finishes the sign-in."""
    session[PENDING_LOGIN] = {
        "user_id": user.pk, "backend": user.backend, "next": next_url,
        "started": time.time(), "attempts": 0,
    }


def pending_login(session):
    """The pending sign-in, or None when there is none or it has expired."""
    pending = session.get(PENDING_LOGIN)
    if not pending or time.time() - pending["started"] > PENDING_LOGIN_SECONDS:
        return None
    return pending


def count_wrong_code(session):
    """Count a wrong code; returns False once the pending sign-in has had too many."""
    pending = session[PENDING_LOGIN]
    pending["attempts"] += 1
    session[PENDING_LOGIN] = pending
    if pending["attempts"] >= PENDING_LOGIN_ATTEMPTS:
        del session[PENDING_LOGIN]
        return False
    return True


# Enforcement ------------------------------------------------------------------------------

def is_sso_session(request):
    return bool(request.session.get(SSO_LOGIN))


def session_has_device(request):
    """Whether the signed-in person has two-factor on, remembered in the session after one look."""
    if HAS_DEVICE not in request.session:
        request.session[HAS_DEVICE] = has_two_factor(request.user)
    return request.session[HAS_DEVICE]


def required_step(request):
    """The URL name this signed-in request must go to first ("two-factor-verify", "two-factor") or None."""
    user = request.user
    if not user.is_authenticated or is_sso_session(request) or user.is_verified():
        return None
    if session_has_device(request):
        # Signed in without a code (e.g. through /admin/login/): ask for one now.
        return "two-factor-verify"
    if OrganisationPolicy.requires_two_factor():
        return "two-factor"
    return None


# Paths a person may reach while a step is required of them, by step.
ALLOWED_PREFIXES = {
    "two-factor-verify": ("/accounts/login/", "/accounts/logout/"),
    "two-factor": ("/accounts/two-factor/", "/accounts/login/", "/accounts/logout/"),
}


class TwoFactorMiddleware:
    """Send a signed-in person to the code step or to enrolment when one is due.

    After django_otp's OTPMiddleware, which tells whether this session gave a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = required_step(request)
        if step and not self._allowed(request.path, step):
            url = reverse(f"accounts:{step}")
            return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}" if request.method == "GET" else url)
        return self.get_response(request)

    @staticmethod
    def _allowed(path, step):
        return path.startswith((f"/{settings.STATIC_URL.lstrip('/')}", *ALLOWED_PREFIXES[step]))
