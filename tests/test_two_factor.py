"""Optional TOTP two-factor for local accounts: enrolment, the code at sign-in, backup codes,
turning it off, and the organisation's requirement (SSO sessions exempt)."""
import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import AuditEntry, OrganisationPolicy
from accounts.roles import make_org_admin
from tests import factories

LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
HOME = "/"


@pytest.fixture(autouse=True)
def quick(fast_passwords):
    pass


def make_device(user):
    return TOTPDevice.objects.create(user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True)


def code_for(device):
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"


def wrong_code_for(device):
    return f"{(int(code_for(device)) + 1) % 10 ** device.digits:0{device.digits}d}"


def password_step(client, user, next_url=""):
    return client.post(LOGIN, {"username": user.username, "password": factories.PASSWORD, "next": next_url},
                       REMOTE_ADDR="10.0.0.1")


def is_signed_in(client):
    return "_auth_user_id" in client.session


# Enrolment -----------------------------------------------------------------------------------

def test_enrolment_page_shows_an_inline_qr_code_and_the_key(client, db):
    user = factories.make_user()
    client.force_login(user)
    html = client.get("/accounts/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "<svg" in html and "<img" not in html.split("<main", 1)[1]
    assert two_factor.secret_for_display(device) in html


def test_a_wrong_code_does_not_turn_two_factor_on(client, db):
    user = factories.make_user()
    client.force_login(user)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/two-factor/", {"code": wrong_code_for(device)})
    assert response.status_code == 400
    assert not two_factor.has_two_factor(user)


def test_confirming_with_a_code_turns_it_on_and_shows_backup_codes_once(client, db):
    user = factories.make_user()
    client.force_login(user)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    html = response.content.decode()
    codes = re.findall(r"<li>(\w+)</li>", html.split('id="backup-codes"')[1].split("</ul>")[0])
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    assert set(codes) == set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert response["Cache-Control"] == "no-store"
    assert two_factor.has_two_factor(user)
    assert AuditEntry.objects.filter(action="two_factor.enabled", target_user=user).exists()
    # This session is verified: the app carries on without asking again.
    assert client.get(HOME).status_code == 200
    assert codes[0] not in client.get("/accounts/two-factor/").content.decode()


# Signing in ----------------------------------------------------------------------------------

def test_without_two_factor_the_password_signs_in(client, db):
    user = factories.make_user()
    assert password_step(client, user).status_code == 302
    assert is_signed_in(client)


def test_with_two_factor_the_password_alone_does_not_sign_in(client, db):
    user = factories.make_user()
    make_device(user)
    response = password_step(client, user, next_url="/actions/")
    assert response["Location"] == CODE
    assert not is_signed_in(client)
    assert client.get(HOME).status_code == 302


def test_the_right_code_finishes_signing_in_and_goes_to_next(client, db):
    user = factories.make_user()
    device = make_device(user)
    password_step(client, user, next_url="/actions/")
    response = client.post(CODE, {"code": code_for(device)})
    assert response["Location"] == "/actions/"
    assert is_signed_in(client)
    assert client.get(HOME).status_code == 200


def test_a_wrong_code_is_refused(client, db):
    user = factories.make_user()
    device = make_device(user)
    password_step(client, user)
    response = client.post(CODE, {"code": wrong_code_for(device)})
    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert not is_signed_in(client)


def test_too_many_wrong_codes_mean_signing_in_again(client, db):
    user = factories.make_user()
    device = make_device(user)
    password_step(client, user)
    for _ in range(two_factor.PENDING_LOGIN_ATTEMPTS):
        response = client.post(CODE, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert response["Location"] == LOGIN
    assert client.post(CODE, {"code": code_for(device)})["Location"] == LOGIN
    assert not is_signed_in(client)


def test_a_pending_sign_in_expires(client, db):
    user = factories.make_user()
    device = make_device(user)
    password_step(client, user)
    session = client.session
    session[two_factor.PENDING_LOGIN]["started"] = time.time() - two_factor.PENDING_LOGIN_SECONDS - 1
    session.save()
    assert client.post(CODE, {"code": code_for(device)})["Location"] == LOGIN
    assert not is_signed_in(client)


def test_the_code_step_without_a_password_first_goes_to_login(client, db):
    assert client.get(CODE)["Location"] == LOGIN


def test_a_backup_code_signs_in_once(client, db):
    user = factories.make_user()
    make_device(user)
    code = two_factor.new_backup_codes(user)[0]
    password_step(client, user)
    assert client.post(CODE, {"code": code}).status_code == 302
    assert is_signed_in(client)
    assert AuditEntry.objects.filter(action="two_factor.backup_code_used").exists()
    again = Client()
    password_step(again, user)
    assert again.post(CODE, {"code": code}).status_code == 400


def test_a_session_signed_in_without_a_code_is_asked_for_one(client, db):
    # e.g. through /admin/login/, which knows nothing of two-factor.
    user = factories.make_user()
    device = make_device(user)
    client.force_login(user)
    response = client.get("/actions/")
    assert response["Location"] == f"{CODE}?next=%2Factions%2F"
    assert client.post(f"{CODE}?next=/actions/", {"code": code_for(device)})["Location"] == "/actions/"
    assert client.get("/actions/").status_code == 200


def test_a_superuser_through_the_admin_login_still_gives_a_code(client, db):
    admin = factories.make_user(is_staff=True, is_superuser=True)
    make_device(admin)
    client.post("/admin/login/", {"username": admin.username, "password": factories.PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert client.get("/admin/")["Location"].startswith(CODE)


# Managing and turning off --------------------------------------------------------------------

def test_turning_off_needs_the_password_and_a_code(client, db):
    user = factories.make_user()
    device = make_device(user)
    client.force_login(user)
    client.post(CODE, {"code": two_factor.new_backup_codes(user)[0]})
    response = client.post("/accounts/two-factor/", {"action": "disable", "disable-password": "nope",
                                                     "disable-code": code_for(device)})
    assert response.status_code == 400
    assert two_factor.has_two_factor(user)
    response = client.post("/accounts/two-factor/", {"action": "disable", "disable-password": factories.PASSWORD,
                                                     "disable-code": code_for(device)})
    assert response.status_code == 302, response.content.decode().split("<main")[1]
    assert not TOTPDevice.objects.filter(user=user).exists() and not StaticDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="two_factor.disabled", target_user=user).exists()


def test_new_backup_codes_replace_the_old_ones(client, db):
    user = factories.make_user()
    device = make_device(user)
    old = two_factor.new_backup_codes(user)
    client.force_login(user)
    client.post(CODE, {"code": code_for(device)})
    response = client.post("/accounts/two-factor/", {"action": "new-codes", "codes-code": old[0]})
    assert response.status_code == 200
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert two_factor.backup_codes_left(user) == two_factor.BACKUP_CODE_COUNT


# The organisation's requirement ---------------------------------------------------------------

@pytest.fixture
def required(db):
    OrganisationPolicy.objects.create(pk=1, require_two_factor=True)


def test_policy_page_is_403_for_people_who_are_not_org_admins(client, db):
    client.force_login(factories.make_user())
    assert client.get("/organisation/two-factor/").status_code == 403
    assert client.post("/organisation/two-factor/", {"require_two_factor": "on"}).status_code == 403
    assert not OrganisationPolicy.current().require_two_factor


def test_org_admin_requires_two_factor_and_it_is_audit_logged(client, db):
    admin = factories.make_user()
    make_org_admin(admin)
    client.force_login(admin)
    assert client.post("/organisation/two-factor/", {"require_two_factor": "on"}).status_code == 302
    assert OrganisationPolicy.current().require_two_factor
    entry = AuditEntry.objects.get(action="policy.two_factor")
    assert entry.actor == admin and entry.details == {"require_two_factor": True}


def test_when_required_a_person_without_two_factor_is_sent_to_enrolment(client, required):
    client.force_login(factories.make_user())
    assert client.get("/actions/")["Location"].startswith("/accounts/two-factor/")
    assert client.get("/accounts/two-factor/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_when_required_sso_sessions_are_exempt(client, required):
    client.force_login(factories.make_user())
    session = client.session
    session["sso_login"] = True
    session.save()
    assert client.get("/actions/").status_code == 200


def test_when_required_health_and_static_files_still_answer(client, required):
    client.force_login(factories.make_user())
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/debrief.css").status_code == 200


def test_when_required_two_factor_cannot_be_turned_off(client, required):
    user = factories.make_user()
    device = make_device(user)
    client.force_login(user)
    client.post(CODE, {"code": code_for(device)})
    response = client.post("/accounts/two-factor/", {"action": "disable", "disable-password": factories.PASSWORD,
                                                     "disable-code": code_for(device)})
    assert two_factor.has_two_factor(user)
    assert "requires two-factor" in response.content.decode()


def test_people_with_two_factor_carry_on_when_it_becomes_required(client, required):
    user = factories.make_user()
    device = make_device(user)
    password_step(client, user)
    client.post(CODE, {"code": code_for(device)})
    assert client.get("/actions/").status_code == 200
