"""Holes found by probing the accounts app as an attacker would, each pinned by a test."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import factories
from tests.oidc.fixtures import oidc_provider, sso, use_provider  # noqa: F401 (fixtures)

LOGIN = "/accounts/login/"


# The slow-down before the lock ------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["alice ", " alice", "alice\t", "ａｌｉｃｅ"])
def test_the_slow_down_counts_username_variants_the_login_form_accepts(client, db, settings, fast_passwords,
                                                                      variant):
    # The form strips and NFKC-normalises the username, so each variant signs in as alice;
    # the pause must count alice's failures for it too, even from a fresh address.
    settings.AXES_FAILURE_LIMIT = 100
    settings.LOGIN_SLOWDOWN_AFTER = 3
    factories.make_user("alice")
    for n in range(3):
        client.post(LOGIN, {"username": "alice", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{n}")
    response = client.post(LOGIN, {"username": variant, "password": factories.PASSWORD}, REMOTE_ADDR="10.0.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# Single sign-on callback ---------------------------------------------------------------------

SPOOF = "Debrief has moved. Sign in at evil.test"


def test_an_sso_error_link_not_started_here_shows_none_of_its_text_and_keeps_the_session(client, db, sso):
    user = factories.make_user()
    client.force_login(user)
    response = client.get("/oidc/callback/", {"error": "access_denied", "error_description": SPOOF, "state": "x"})
    assert response.status_code == 403
    assert SPOOF not in response.content.decode()
    assert "_auth_user_id" in client.session


def test_an_sso_error_for_a_sign_in_started_here_shows_the_providers_words(client, db, sso):
    state = parse_qs(urlsplit(client.get("/oidc/login/")["Location"]).query)["state"][0]
    response = client.get("/oidc/callback/", {"error": "access_denied", "error_description": "You said no.",
                                              "state": state})
    assert response.status_code == 403
    assert "You said no." in response.content.decode()
