"""Single sign-on against a real OpenID Provider (oidc-provider under Node, tests/oidc/provider.mjs)."""
import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from accounts import sso as sso_module
from accounts.models import AuditEntry
from postmortems.models import Membership, Profile
from tests import factories
from tests.oidc.fixtures import (  # noqa: F401 (fixtures)
    CLIENT_ID, KEY_ID, new_signing_key, oidc_provider, sign_in_at_provider, sso, use_provider,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def start_sign_in(client):
    response = client.get("/oidc/login/")
    assert response.status_code == 302
    return response["Location"]


def sign_in(client, login):
    """The whole flow: Debrief -> the provider's pages -> back to Debrief's callback."""
    callback = sign_in_at_provider(start_sign_in(client), login, stop_at="http://testserver/")
    return callback, client.get(callback)


def refusal(response):
    assert response.status_code == 403, response.content[:500]
    return response.content.decode()


# The login page -------------------------------------------------------------------------------

def test_without_an_issuer_the_login_page_is_as_before_and_sso_urls_are_404(client, settings):
    settings.OIDC_ISSUER = ""
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page
    assert 'name="password"' in page
    assert client.get("/oidc/login/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_login_page_offers_the_provider_above_the_password_form(client, sso):
    page = client.get("/accounts/login/?next=/actions/").content.decode()
    assert "Sign in with Test IdP" in page
    assert page.index("Sign in with Test IdP") < page.index('name="password"')
    assert "/oidc/login/?next=/actions/" in page


def test_sign_in_request_carries_state_nonce_and_pkce_challenge(client, sso):
    query = parse_qs(urlsplit(start_sign_in(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid email profile groups"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]


# Just-in-time accounts ------------------------------------------------------------------------

def test_first_sign_in_creates_the_account_and_its_claimed_memberships(client, sso):
    platform = factories.make_team("Platform")
    platform.slug = "platform"
    platform.save()
    _, response = sign_in(client, "ada")
    assert response.status_code == 302 and response["Location"] == "/"
    ada = User.objects.get(email="ada@example.com")
    assert (ada.username, ada.first_name, ada.last_name, ada.has_usable_password()) == ("ada", "Ada", "Okafor", False)
    assert Profile.objects.get(user=ada).timezone == "Europe/London"
    assert Membership.objects.get(user=ada, team=platform).role == Membership.Role.LEAD
    assert client.session["sso_login"] is True
    assert int(client.session["_auth_user_id"]) == ada.pk
    actions = set(AuditEntry.objects.filter(target_user=ada).values_list("action", flat=True))
    assert actions == {"account.created", "membership.added"}


def test_later_sign_in_matches_by_verified_email_and_updates_name_and_role(client, sso):
    platform = factories.make_team("Platform")
    platform.slug = "platform"
    platform.save()
    bo = factories.make_user("bolind", first_name="Robert")
    bo.email = "BO@example.com"
    bo.save()
    factories.add_member(platform, bo, Membership.Role.LEAD)
    factories.add_member(platform, factories.make_user("keeper"), Membership.Role.LEAD)
    sign_in(client, "bo")
    bo.refresh_from_db()
    assert User.objects.filter(email__iexact="bo@example.com").count() == 1
    assert (bo.username, bo.first_name, bo.email) == ("bolind", "Bo", "bo@example.com")
    assert bo.has_usable_password()
    assert Membership.objects.get(user=bo, team=platform).role == Membership.Role.MEMBER
    assert AuditEntry.objects.filter(target_user=bo, action="membership.role_changed").exists()
    assert AuditEntry.objects.filter(target_user=bo, action="account.updated").exists()


def test_sign_in_without_the_claimed_group_removes_the_mapped_membership_only(client, sso):
    platform, search = factories.make_team("Platform"), factories.make_team("Search")
    platform.slug = "platform"
    platform.save()
    cy = factories.make_user("cy")
    cy.email = "cy@example.com"
    cy.save()
    factories.add_member(platform, cy)
    factories.add_member(search, cy)
    sign_in(client, "cy")
    assert list(Membership.objects.filter(user=cy).values_list("team__name", flat=True)) == ["Search"]
    assert AuditEntry.objects.filter(target_user=cy, action="membership.removed", team=platform).exists()


def test_new_username_is_made_unique(client, sso):
    factories.make_user("ada")  # someone else, ada@example.test
    sign_in(client, "ada")
    assert User.objects.get(email="ada@example.com").username == "ada-2"


# Refusals from the real provider's answers ------------------------------------------------------

def test_person_outside_the_allowed_domains_is_refused_and_no_account_is_made(client, sso):
    _, response = sign_in(client, "eve")
    page = refusal(response)
    assert "Accounts at elsewhere.test may not sign in to Debrief" in page
    assert not User.objects.filter(email="eve@elsewhere.test").exists()
    assert "_auth_user_id" not in client.session


def test_unverified_email_is_refused(client, sso):
    _, response = sign_in(client, "una")
    assert "has not confirmed that una@example.com is your address" in refusal(response)
    assert not User.objects.filter(email="una@example.com").exists()


def test_deactivated_account_is_refused(client, sso):
    cy = factories.make_user("cy", is_active=False)
    cy.email = "cy@example.com"
    cy.save()
    _, response = sign_in(client, "cy")
    assert "has been deactivated" in refusal(response)


def test_replayed_state_is_refused(client, sso):
    callback, response = sign_in(client, "ada")
    assert response.status_code == 302
    count = User.objects.count()
    assert "already used" in refusal(client.get(callback))
    from django.test import Client
    assert "already used" in refusal(Client().get(callback))
    assert User.objects.count() == count


def test_provider_with_a_different_issuer_than_configured_is_refused(client, sso, settings):
    # The same provider reached by another name: its discovery document names 127.0.0.1, not localhost.
    settings.OIDC_ISSUER = sso.issuer.replace("127.0.0.1", "localhost")
    response = client.get("/oidc/login/")
    assert response.status_code == 502
    assert "configuration does not match Debrief&#x27;s (issuer URL)" in response.content.decode()


# Refusals of tokens the provider would not issue: signed by the test, driven through the callback --

def claims_for(provider, sign_in_nonce, **overrides):
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "ada", "iat": now, "exp": now + 300,
              "nonce": sign_in_nonce, "email": "ada@example.com", "email_verified": True}
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def callback_with_token(client, monkeypatch, make_token):
    """Start a real sign-in, then answer the callback with a token the test signed."""
    query = parse_qs(urlsplit(start_sign_in(client)).query)
    token = make_token(query["nonce"][0])
    monkeypatch.setattr(sso_module.SSOBackend, "get_token", lambda self, payload: {"id_token": token, "access_token": "x"})
    return client.get("/oidc/callback/", {"code": "crafted", "state": query["state"][0]})


def signed(key, claims):
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


@pytest.mark.parametrize(("overrides", "message"), [
    ({"iss": "http://127.0.0.1:1/other-issuer"}, "came from a different provider than the one Debrief trusts"),
    ({"aud": "someone-else"}, "meant for another application"),
    ({"aud": [CLIENT_ID, "someone-else"]}, "meant for another application"),  # several audiences and no azp
    ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 1200}, "has expired"),
    ({"nonce": "from-another-sign-in"}, "does not belong to this sign-in (nonce)"),
    ({"exp": None}, "not acceptable"),
])
def test_token_signed_with_the_providers_key_but_wrong_claims_is_refused(client, sso, monkeypatch, overrides, message):
    response = callback_with_token(client, monkeypatch, lambda nonce: signed(sso.key, claims_for(sso, nonce, **overrides)))
    assert message in refusal(response)
    assert not User.objects.filter(email="ada@example.com").exists()


def test_token_with_a_forged_signature_is_refused(client, sso, monkeypatch):
    forged = lambda nonce: signed(new_signing_key(), claims_for(sso, nonce))  # noqa: E731 (same kid, other key)
    response = callback_with_token(client, monkeypatch, forged)
    assert "signature that does not match its keys" in refusal(response)
    assert not User.objects.exists()


def test_token_with_a_tampered_payload_is_refused(client, sso, monkeypatch):
    def tampered(nonce):
        header, _, signature = signed(sso.key, claims_for(sso, nonce)).split(".")
        payload = jwt.utils.base64url_encode(json.dumps(claims_for(sso, nonce, email="mallory@example.com")).encode()).decode()
        return f"{header}.{payload}.{signature}"
    assert "signature that does not match its keys" in refusal(callback_with_token(client, monkeypatch, tampered))
    assert not User.objects.exists()


def test_unsigned_token_is_refused(client, sso, monkeypatch):
    unsigned = lambda nonce: jwt.encode(claims_for(sso, nonce), None, algorithm="none")  # noqa: E731
    assert "signed its answer with none, not RS256" in refusal(callback_with_token(client, monkeypatch, unsigned))


def test_token_with_right_claims_and_key_passes_verification(sso):
    """The control for the cases above: the same crafted token, unaltered, is accepted."""
    backend = sso_module.SSOBackend()
    super(sso_module.SSOBackend, backend).__init__()  # what authenticate() does on a callback
    claims = backend.verify_token(signed(sso.key, claims_for(sso, "n-1")), nonce="n-1")
    assert claims["email"] == "ada@example.com"


# OIDC_ONLY and the break-glass login ----------------------------------------------------------------

@pytest.fixture
def sso_only(settings, oidc_provider, fast_passwords):
    use_provider(settings, oidc_provider, only=True)
    return oidc_provider


def test_break_glass_login_does_not_exist_without_sso(client, settings):
    settings.OIDC_ISSUER = ""
    assert client.get("/accounts/login/local/").status_code == 404


def test_sso_only_login_page_has_no_password_form(client, sso_only):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Test IdP" in page
    assert 'name="password"' not in page


def test_sso_only_refuses_passwords_of_ordinary_people(client, sso_only):
    person = factories.make_user("mo")
    for url in ("/accounts/login/", "/accounts/login/local/"):
        response = client.post(url, {"username": person.username, "password": factories.PASSWORD})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def test_sso_only_break_glass_login_lets_a_superuser_in(client, sso_only):
    admin = factories.make_user("root", is_superuser=True, is_staff=True)
    response = client.post("/accounts/login/local/", {"username": "root", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == admin.pk
    assert "sso_login" not in client.session


# Configuration -----------------------------------------------------------------------------------

def test_team_map_is_parsed_and_lead_wins(settings):
    settings.OIDC_TEAMS_CLAIM = "groups"
    settings.OIDC_TEAM_MAP = "platform-leads=platform:lead, platform=platform, ops=ops:member"
    assert sso_module.roles_from_claims({"groups": ["platform", "platform-leads"]}) == {"platform": "lead"}
    assert sso_module.roles_from_claims({"groups": "ops"}) == {"ops": "member"}
    assert sso_module.roles_from_claims({"email": "x@example.com"}) is None


def test_bad_team_map_entry_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        sso_module.parse_team_map("platform=platform:owner")
