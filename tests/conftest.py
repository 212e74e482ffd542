"""Shared fixtures: an organisation with two teams and people in every role."""
from types import SimpleNamespace

import pytest

from postmortems.models import Membership
from tests import factories


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
