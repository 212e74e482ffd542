"""Two-factor in a real browser: turn it on from the settings, then sign in with a backup code and an app code."""
import re

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories


def app_code(device):
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"


def test_turn_on_two_factor_then_sign_in_with_a_backup_code(page, log_in, db):
    user = factories.make_user("tess")
    log_in(user)
    page.goto("/settings/")
    page.get_by_role("link", name="Two-factor authentication").click()
    assert page.locator(".qr-code svg").count() == 1
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert re.sub(r"\s", "", page.locator("#totp-secret").inner_text()) in device.config_url
    page.get_by_role("textbox", name="Code").fill(app_code(device))
    page.get_by_role("button", name="Turn on two-factor").click()
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/login/code/")
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/")
    assert "You used a backup code; 9 left" in page.content()


def test_sign_in_asks_for_the_app_code_after_the_password(page, db):
    user = factories.make_user("omar")
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    page.goto("/actions/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/login/code/")
    page.get_by_role("textbox", name="Code").fill("000000" if app_code(device) != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("That code is not right").is_visible()
    page.wait_for_timeout(1100)  # django-otp makes each wrong guess cost a growing wait, starting at a second
    page.get_by_role("textbox", name="Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/actions/")
