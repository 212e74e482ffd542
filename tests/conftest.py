"""Shared fixtures: an organisation with two teams and people in every role."""
from types import SimpleNamespace

import pytest

from postmortems.models import Membership
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def plain_http_and_static():
    """Tests speak plain HTTP and serve static files without collectstatic.

    Session-scoped and set before the live server starts, because the security
    and static-file middleware read these settings once, when they are built.
    """
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    settings.STATIC_ROOT = None
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def org(db):
    """Two teams; on Payments a lead, a member and an outsider-to-the-incident viewer."""
    payments = factories.make_team("Payments")
    search = factories.make_team("Search")
    people = SimpleNamespace(
        author=factories.make_user("ada", first_name="Ada", last_name="Okafor"),
        lead=factories.make_user("lin", first_name="Lin", last_name="Park"),
        member=factories.make_user("mo", first_name="Mo", last_name="Haddad"),
        viewer=factories.make_user("vic", first_name="Vic", last_name="Santos"),
        other_team=factories.make_user("oz", first_name="Oz", last_name="Reyes"),
        outsider=factories.make_user("nia", first_name="Nia", last_name="Berg"),
    )
    factories.add_member(payments, people.author)
    factories.add_member(payments, people.lead, Membership.Role.LEAD)
    factories.add_member(payments, people.member)
    factories.add_member(search, people.viewer)
    factories.add_member(search, people.other_team, Membership.Role.LEAD)
    return SimpleNamespace(payments=payments, search=search, people=people)


# Added for the foundation test suite -------------------------------------------

@pytest.fixture
def login(client):
    """login(user) -> a test client signed in as that person (a fresh client each call)."""
    from django.test import Client

    def _login(user):
        signed_in = Client()
        signed_in.force_login(user)
        return signed_in

    return _login


@pytest.fixture
def everyone(org):
    """org plus the remaining roles: a plain member of another team and an inactive user.

    The inactive user is an author and a lead on Payments, so only being inactive keeps them out.
    """
    people = org.people
    people.other_member = factories.make_user("uma", first_name="Uma", last_name="Lind")
    factories.add_member(org.search, people.other_member)
    people.inactive = factories.make_user("ida", first_name="Ida", last_name="Stone", is_active=False)
    factories.add_member(org.payments, people.inactive, Membership.Role.LEAD)
    return org


@pytest.fixture
def fast_passwords(settings):
    """A cheap password hasher: tests make many users and never need real hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Added for blame-check feedback ----------------------------------------------------

@pytest.fixture
def lead(org, login):
    """A test client signed in as the Payments team's lead."""
    return login(org.people.lead)


@pytest.fixture(autouse=True)
def fresh_organisation_policy():
    """Each test reads the organisation policy afresh: a rolled-back test must not leave it cached."""
    from accounts.models import _policy_cache

    _policy_cache.clear()
    yield
    _policy_cache.clear()
