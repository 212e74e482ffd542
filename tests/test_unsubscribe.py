"""Unsubscribing from the digest by its signed link: no login, GETs change nothing, one-click POST works."""
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from postmortems import digest
from postmortems.models import Profile
from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")
DAY = 24 * 3600


@pytest.fixture
def browser():
    """A client that checks CSRF as a real browser session would be checked."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def ada(db):
    person = factories.make_user("ada")
    factories.set_profile(person, timezone="Asia/Tokyo", reminders_paused=False, digest_opt_in=True)
    return person


def confirm_url(token):
    return f"/digest/unsubscribe/{token}/"


def one_click_url(token):
    return f"/digest/unsubscribe/{token}/one-click/"


def token_made_days_ago(person, days):
    with mock.patch("time.time", return_value=time.time() - days * DAY):
        return digest.unsubscribe_token(person)


def opted_in(person):
    return Profile.objects.get(user=person).digest_opt_in


def one_click(client, token, body="List-Unsubscribe=One-Click"):
    return client.post(one_click_url(token), body, content_type="application/x-www-form-urlencoded")


# The link in the digest's body -------------------------------------------------------------

def test_get_asks_to_confirm_and_changes_nothing(ada, browser):
    response = browser.get(confirm_url(digest.unsubscribe_token(ada)))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsubscribe from the weekly digest?" in page and "ada@example.test" in page
    assert '<form method="post"' in page
    assert opted_in(ada)


def test_the_confirm_button_unsubscribes_without_signing_in(ada, browser):
    url = confirm_url(digest.unsubscribe_token(ada))
    browser.get(url)  # sets the CSRF cookie, as the page would in a browser

    response = browser.post(url, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not opted_in(ada)


def test_the_confirm_button_is_protected_against_cross_site_posts(ada, browser):
    response = browser.post(confirm_url(digest.unsubscribe_token(ada)))
    assert response.status_code == 403
    assert opted_in(ada)


def test_unsubscribing_touches_nothing_but_the_digest(ada, browser):
    one_click(browser, digest.unsubscribe_token(ada))
    profile = Profile.objects.get(user=ada)
    assert (profile.digest_opt_in, profile.timezone, profile.reminders_paused) == (False, "Asia/Tokyo", False)


def test_unsubscribing_twice_is_harmless_and_never_turns_the_digest_back_on(ada, browser):
    token = digest.unsubscribe_token(ada)
    assert one_click(browser, token).status_code == 200
    assert one_click(browser, token).status_code == 200
    assert not opted_in(ada)


def test_someone_without_a_profile_can_unsubscribe(db, browser):
    person = factories.make_user("newcomer")
    assert one_click(browser, digest.unsubscribe_token(person)).status_code == 200
    assert not opted_in(person)


# Tokens -------------------------------------------------------------------------------

def test_a_tampered_token_is_refused(ada, browser):
    token = digest.unsubscribe_token(ada)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = browser.get(confirm_url(tampered))

    assert response.status_code == 400
    assert "The link is not valid" in response.content.decode()
    assert one_click(browser, tampered).status_code == 400
    assert opted_in(ada)


def test_changing_the_person_in_a_token_breaks_its_signature(ada, browser):
    other = factories.make_user("mo")
    token = digest.unsubscribe_token(ada)
    forged = token.replace(f"{ada.pk}:", f"{other.pk}:", 1)

    assert one_click(browser, forged).status_code == 400
    assert opted_in(ada) and Profile.for_user(other).digest_opt_in


def test_a_token_signed_for_another_purpose_is_refused(ada, browser):
    other_purpose = signing.TimestampSigner(salt="something.else").sign(str(ada.pk))
    unsalted = signing.TimestampSigner().sign(str(ada.pk))
    assert one_click(browser, other_purpose).status_code == 400
    assert one_click(browser, unsalted).status_code == 400
    assert opted_in(ada)


def test_an_expired_token_is_refused(ada, browser, settings):
    assert settings.DIGEST_UNSUBSCRIBE_MAX_AGE_DAYS == 60
    old = token_made_days_ago(ada, 61)

    response = browser.get(confirm_url(old))

    assert response.status_code == 400
    assert "The link has expired" in response.content.decode()
    assert one_click(browser, old).status_code == 400
    assert opted_in(ada)


def test_a_token_just_inside_its_lifetime_still_works(ada, browser):
    assert one_click(browser, token_made_days_ago(ada, 59)).status_code == 200
    assert not opted_in(ada)


def test_a_token_for_a_deleted_person_is_refused(db, browser):
    gone = factories.make_user("gone")
    token = digest.unsubscribe_token(gone)
    gone.delete()
    assert browser.get(confirm_url(token)).status_code == 400


def test_someone_elses_token_unsubscribes_only_its_owner_even_when_signed_in(ada, login):
    mo = factories.make_user("mo")
    factories.set_profile(mo, digest_opt_in=True)
    signed_in_as_mo = login(mo)

    page = signed_in_as_mo.get(confirm_url(digest.unsubscribe_token(ada))).content.decode()
    assert "ada@example.test" in page and "mo@example.test" not in page
    signed_in_as_mo.post(confirm_url(digest.unsubscribe_token(ada)))

    assert not opted_in(ada)
    assert opted_in(mo)


# One-click (RFC 8058) -------------------------------------------------------------------

def test_one_click_post_unsubscribes_without_a_csrf_token(ada, browser):
    response = one_click(browser, digest.unsubscribe_token(ada))

    assert response.status_code == 200
    assert not opted_in(ada)


def test_one_click_needs_the_rfc_8058_body(ada, browser):
    response = one_click(browser, digest.unsubscribe_token(ada), body="")
    assert response.status_code == 400
    assert opted_in(ada)


def test_one_click_get_only_leads_to_the_confirmation_page(ada, browser):
    token = digest.unsubscribe_token(ada)
    response = browser.get(one_click_url(token))

    assert response.status_code == 302
    assert response["Location"] == confirm_url(token)
    assert opted_in(ada)


def test_the_list_unsubscribe_header_of_a_real_digest_works(ada, browser):
    message = digest.digest_email(digest.build_digest(ada))
    header = message.extra_headers["List-Unsubscribe"]
    path = urlsplit(header.strip("<>")).path

    assert one_click(browser, path.split("/")[3]).status_code == 200
    assert path == one_click_url(path.split("/")[3])
    assert not opted_in(ada)


def test_the_link_in_a_real_digest_body_opens_the_confirmation_page(ada, browser):
    content = digest.build_digest(ada)
    message = digest.digest_email(content)
    assert content.unsubscribe_url in message.body
    assert content.unsubscribe_url in message.alternatives[0][0]

    response = browser.get(urlsplit(content.unsubscribe_url).path)

    assert response.status_code == 200 and opted_in(ada)
