"""Throttled sign-in (django-axes): locks by account and by address, the lockout page, and unlocking."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory

from accounts import safety
from accounts.models import AuditEntry
from accounts.roles import make_org_admin
from tests import factories

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def quick(fast_passwords, settings):
    settings.AXES_FAILURE_LIMIT = 5
    # The lock tests fail in quick succession; the slowdown before the lock has tests of its own.
    settings.LOGIN_SLOWDOWN_AFTER = 1000


def fail(client, username, times=1, address="10.0.0.1", url=LOGIN):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"}, REMOTE_ADDR=address)
    return response


def sign_in(client, username, address="10.0.0.1", url=LOGIN):
    return client.post(url, {"username": username, "password": factories.PASSWORD}, REMOTE_ADDR=address)


def test_throttling_is_on_and_checks_every_password_sign_in():
    assert settings.AXES_ENABLED
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_failures_below_the_limit_only_show_the_form_again(client, db):
    user = factories.make_user()
    assert fail(client, user.username, times=4).status_code == 200
    assert sign_in(client, user.username).status_code == 302


def test_account_is_locked_after_the_limit_even_with_the_right_password(client, db):
    user = factories.make_user()
    fail(client, user.username, times=5)
    response = sign_in(client, user.username)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Try again after" in html and "organisation admin can unlock" in html
    assert "_auth_user_id" not in client.session


def test_account_lock_holds_from_another_address(client, db):
    user = factories.make_user()
    fail(client, user.username, times=5, address="10.0.0.1")
    assert sign_in(client, user.username, address="10.9.9.9").status_code == 429


def test_address_is_locked_after_failures_across_accounts(client, db):
    users = [factories.make_user() for _ in range(5)]
    for user in users:
        fail(client, user.username, address="10.0.0.7")
    someone_else = factories.make_user()
    assert sign_in(client, someone_else.username, address="10.0.0.7").status_code == 429
    assert sign_in(client, someone_else.username, address="10.0.0.8").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, db):
    user = factories.make_user()
    fail(client, user.username, times=5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16))
    assert sign_in(client, user.username).status_code == 302


def test_the_admin_login_is_throttled_too(client, db):
    admin = factories.make_user(is_staff=True, is_superuser=True)
    fail(client, admin.username, times=5, url="/admin/login/")
    assert sign_in(client, admin.username, url="/admin/login/").status_code == 429


def test_a_new_lock_is_audit_logged_once(client, db):
    user = factories.make_user()
    fail(client, user.username, times=7)
    entries = AuditEntry.objects.filter(action="sign_in.locked")
    assert entries.count() == 1
    assert entries.get().target_user == user


def test_test_client_login_works_when_given_a_request(client, db):
    # django-axes needs the request to know the address; tests pass one (or use force_login).
    from django.http import HttpRequest

    user = factories.make_user()
    assert client.login(request=HttpRequest(), username=user.username, password=factories.PASSWORD)


def test_authenticate_without_a_request_is_refused_rather_than_unthrottled(db):
    from axes.exceptions import AxesBackendRequestParameterRequired
    from django.contrib.auth import authenticate

    user = factories.make_user()
    with pytest.raises(AxesBackendRequestParameterRequired):
        authenticate(username=user.username, password=factories.PASSWORD)


# The organisation admin's locks page ---------------------------------------------------------

@pytest.fixture
def org_admin(db):
    admin = factories.make_user("orgadmin")
    make_org_admin(admin)
    return admin


def test_locks_page_is_403_for_people_who_are_not_org_admins(client, db):
    client.force_login(factories.make_user())
    assert client.get("/organisation/locks/").status_code == 403
    assert client.post("/organisation/locks/unlock/", {"username": "x"}).status_code == 403


def test_locks_page_lists_the_locked_account_and_address(client, org_admin):
    user = factories.make_user("locked-person")
    fail(client, user.username, times=5, address="10.0.0.3")
    client.force_login(org_admin)
    html = client.get("/organisation/locks/").content.decode()
    assert "Account locked-person" in html and "Address 10.0.0.3" in html
    assert 'name="username" value="locked-person"' in html


def test_org_admin_unlocks_an_account_and_it_is_audit_logged(client, org_admin):
    user = factories.make_user()
    stranger = Client()
    fail(stranger, user.username, times=5, address="10.0.0.4")
    client.force_login(org_admin)
    response = client.post("/organisation/locks/unlock/", {"username": user.username})
    assert response.status_code == 302
    assert sign_in(stranger, user.username, address="10.0.0.5").status_code == 302
    entry = AuditEntry.objects.get(action="sign_in.unlocked")
    assert (entry.actor, entry.target_user) == (org_admin, user)


def test_unlock_needs_a_post(client, org_admin):
    client.force_login(org_admin)
    assert client.get("/organisation/locks/unlock/?username=x").status_code == 405


def test_current_lockouts_ignore_failures_below_the_limit(db):
    user = factories.make_user()
    fail(Client(), user.username, times=4)
    assert safety.current_lockouts() == []


# Where a request comes from ------------------------------------------------------------------

def test_client_address_is_remote_addr_and_ignores_forwarded_headers(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert safety.client_ip_address(request) == "10.1.1.1"


def test_client_address_behind_one_trusted_proxy_is_the_last_forwarded_entry(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert safety.client_ip_address(request) == "203.0.113.9"


def test_client_address_falls_back_when_the_proxy_header_is_missing(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
    assert safety.client_ip_address(request) == "10.0.0.2"


# Slowed before locked ------------------------------------------------------------------------------

def wind_back(seconds):
    """As if the failures counted so far happened `seconds` earlier."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - timedelta(seconds=seconds))


def test_after_three_failures_the_next_attempt_must_wait_even_with_the_right_password(client, db, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 3
    user = factories.make_user()
    fail(client, user.username, times=3)
    response = sign_in(client, user.username)
    assert response.status_code == 429
    assert "Wait 1 second and try again" in response.content.decode()
    assert f'value="{user.username}"' in response.content.decode()  # the typed name is kept
    assert "_auth_user_id" not in client.session
    # The refused attempt was not counted: after the pause the right password works.
    assert AccessAttempt.objects.get().failures_since_start == 3
    wind_back(2)
    assert sign_in(client, user.username).status_code == 302


def test_the_pause_doubles_with_each_failure_and_the_lock_still_comes(client, db, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 3
    user = factories.make_user()
    fail(client, user.username, times=3)
    wind_back(2)
    fail(client, user.username)  # the fourth, counted
    assert "Wait 2 seconds" in sign_in(client, user.username).content.decode()
    wind_back(3)
    fail(client, user.username)  # the fifth: locked
    wind_back(60)
    assert sign_in(client, user.username).status_code == 429  # locked now, not slowed
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_the_pause_follows_the_address_across_accounts(client, db, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 3
    first, second = factories.make_user(), factories.make_user()
    fail(client, first.username, times=3, address="10.9.9.9")
    assert sign_in(client, second.username, address="10.9.9.9").status_code == 429
    assert sign_in(client, second.username, address="10.1.1.1").status_code == 302
