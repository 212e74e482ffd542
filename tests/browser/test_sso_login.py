"""Signing in through the real OpenID Provider's own pages in Chromium."""
import pytest
from django.contrib.auth import get_user_model

from postmortems.models import Membership, Team
from tests.oidc.fixtures import new_signing_key, start_provider, stop_provider, use_provider


@pytest.fixture(scope="module")
def browser_provider(live_server, tmp_path_factory):
    """A provider whose client may redirect back to the live server."""
    provider = start_provider(tmp_path_factory.mktemp("oidc-browser"), key=new_signing_key(),
                              redirect_uris=[f"{live_server.url}/oidc/callback/"])
    yield provider
    stop_provider(provider)


@pytest.fixture
def sso_page(page, settings, browser_provider):
    use_provider(settings, browser_provider)
    return page


def sign_in_at_provider(page, login):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_person_signs_in_through_the_providers_pages(sso_page, transactional_db):
    platform = Team.objects.create(name="Platform", slug="platform")
    sign_in_at_provider(sso_page, "ada")
    sso_page.wait_for_url("**/")
    assert "/accounts/login/" not in sso_page.url
    ada = get_user_model().objects.get(email="ada@example.com")
    assert Membership.objects.get(user=ada, team=platform).role == Membership.Role.LEAD
    assert sso_page.get_by_role("link", name="Ada Okafor").is_visible()
    assert sso_page.get_by_role("button", name="Log out").is_visible()


def test_person_from_another_domain_sees_a_clear_refusal(sso_page, transactional_db):
    sign_in_at_provider(sso_page, "eve")
    sso_page.get_by_role("heading", name="Sign-in refused").wait_for()
    assert "Accounts at elsewhere.test may not sign in to Debrief" in sso_page.content()
    assert not get_user_model().objects.filter(email="eve@elsewhere.test").exists()
