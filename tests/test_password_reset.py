"""Password reset by email (Django's flow, Debrief's pages and email), with password validation on."""
import re

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import AuditEntry
from tests import factories

RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a-much-longer-new-passphrase"


@pytest.fixture(autouse=True)
def quick(fast_passwords, settings):
    settings.SITE_URL = "https://debrief.example.com"


def reset_link(mail):
    return re.search(r"https://debrief\.example\.com(/accounts/password/reset/\S+/)", mail.body).group(1)


def ask_for_reset(client, user):
    return client.post(RESET, {"email": user.email})


def test_login_page_links_to_password_reset(client, db):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()


def test_password_validation_is_on():
    names = {validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS}
    assert {"MinimumLengthValidator", "CommonPasswordValidator"} <= names


def test_asking_sends_one_email_with_a_link_on_the_site_url(client, db, mailoutbox):
    user = factories.make_user()
    response = ask_for_reset(client, user)
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [user.email] and mail.subject == "Reset your Debrief password"
    assert reset_link(mail)
    html = mail.alternatives[0][0]
    assert "https://debrief.example.com/accounts/password/reset/" in html


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, db, mailoutbox):
    response = client.post(RESET, {"email": "nobody@example.test"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


def test_the_link_sets_a_new_password_once_and_it_is_audit_logged(client, db, mailoutbox):
    user = factories.make_user()
    ask_for_reset(client, user)
    form_url = client.get(reset_link(mailoutbox[0]))["Location"]
    assert "Choose a new password" in client.get(form_url).content.decode()
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="password.reset")
    assert entry.target_user == user
    again = Client().get(reset_link(mailoutbox[0]), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_a_weak_new_password_is_refused(client, db, mailoutbox):
    user = factories.make_user()
    ask_for_reset(client, user)
    form_url = client.get(reset_link(mailoutbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "too common" in response.content.decode() or "entirely numeric" in response.content.decode()


def test_resetting_ends_other_sessions(client, db, mailoutbox):
    user = factories.make_user()
    elsewhere = Client()
    elsewhere.force_login(user)
    ask_for_reset(client, user)
    form_url = client.get(reset_link(mailoutbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert elsewhere.get("/actions/").status_code == 302


def test_resetting_lifts_a_lock_on_the_account(client, db, mailoutbox):
    user = factories.make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    ask_for_reset(client, user)
    form_url = client.get(reset_link(mailoutbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = Client().post("/accounts/login/", {"username": user.username, "password": NEW_PASSWORD},
                             REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302
