"""Session hygiene: a password change or deactivation ends other sessions; "sign out everywhere" ends all."""
import pytest
from django.test import Client

from accounts.models import AuditEntry
from tests import factories

PASSWORD_CHANGE = "/accounts/password/change/"
NEW_PASSWORD = "a-much-longer-new-passphrase"


@pytest.fixture(autouse=True)
def quick(fast_passwords):
    pass


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def is_signed_in(client):
    return client.get("/actions/").status_code == 200


def test_changing_the_password_keeps_this_session_and_ends_the_others(db):
    user = factories.make_user()
    here, elsewhere = signed_in(user), signed_in(user)
    response = here.post(PASSWORD_CHANGE, {"old_password": factories.PASSWORD, "new_password1": NEW_PASSWORD,
                                           "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/settings/"
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert AuditEntry.objects.filter(action="password.changed", target_user=user).exists()


def test_a_weak_new_password_is_refused_by_the_validators(db):
    user = factories.make_user()
    here = signed_in(user)
    response = here.post(PASSWORD_CHANGE, {"old_password": factories.PASSWORD, "new_password1": "password",
                                           "new_password2": "password"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)


def test_deactivating_an_account_ends_its_sessions(db):
    user = factories.make_user()
    elsewhere = signed_in(user)
    user.is_active = False
    user.save()
    assert not is_signed_in(elsewhere)


def test_sign_out_everywhere_ends_every_session_of_this_person_only(db):
    user, colleague = factories.make_user(), factories.make_user()
    here, elsewhere, theirs = signed_in(user), signed_in(user), signed_in(colleague)
    response = here.post("/accounts/sign-out-everywhere/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "signed out everywhere" in response.content.decode()
    assert not is_signed_in(here) and not is_signed_in(elsewhere)
    assert is_signed_in(theirs)
    entry = AuditEntry.objects.get(action="sessions.ended")
    assert entry.actor == user and entry.details["sessions_ended"] == 2


def test_sign_out_everywhere_needs_a_post(db):
    here = signed_in(factories.make_user())
    assert here.get("/accounts/sign-out-everywhere/").status_code == 405
    assert is_signed_in(here)


def test_settings_page_offers_password_two_factor_and_sign_out_everywhere(db):
    html = signed_in(factories.make_user()).get("/settings/").content.decode()
    assert 'href="/accounts/password/change/"' in html
    assert 'href="/accounts/two-factor/"' in html
    assert 'action="/accounts/sign-out-everywhere/"' in html
