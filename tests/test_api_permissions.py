"""The permission table of tests/test_permissions.py replayed through the API.

What a person may not read is a 404 (detail, nested action item) and absent everywhere else
(list, count, filters, search) — the same rule as the pages, from `postmortems.permissions`.
Anonymous callers and inactive people have no working credentials at all: 401.
"""
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories
from tests.test_api_helpers import token_client
from tests.test_permissions import STATUSES, TABLE, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

CELLS = [
    pytest.param(role, kind, status, TABLE[role, kind][status][0], id=f"{role}-{kind}-{status}")
    for (role, kind) in TABLE
    for status in STATUSES
]
WITHOUT_CREDENTIALS = {"anonymous", "inactive"}


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


def client_for(everyone, role):
    if role == "anonymous":
        return APIClient()
    return token_client(person(everyone, role))


@pytest.mark.parametrize("role, kind, status, may_view", CELLS)
def test_api_follows_the_table(everyone, role, kind, status, may_view):
    theme = factories.shared_theme("Capacity")
    postmortem = factories.make_postmortem(
        everyone.payments, kind=kind, status=status, title=f"Zebra {kind} {status}",
        authors=[everyone.people.author, everyone.people.inactive], viewers=[everyone.people.viewer],
    )
    factories.add_factor(postmortem, theme)
    item = factories.add_action_item(postmortem, owner=everyone.people.author)
    client = client_for(everyone, role)

    detail = client.get(f"/api/v1/postmortems/{postmortem.pk}/")
    if role in WITHOUT_CREDENTIALS:
        assert detail.status_code == 401
        assert client.get("/api/v1/postmortems/").status_code == 401
        return
    assert detail.status_code == (200 if may_view else 404)
    assert client.get(f"/api/v1/action-items/{item.pk}/").status_code == (200 if may_view else 404)

    expected = [postmortem.pk] if may_view else []
    listed = client.get("/api/v1/postmortems/").json()
    assert [row["id"] for row in listed["results"]] == expected
    assert listed["count"] == len(expected)
    searched = client.get("/api/v1/postmortems/", {"search": "zebra"}).json()
    assert (searched["count"], [row["id"] for row in searched["results"]]) == (len(expected), expected)
    by_theme = client.get("/api/v1/postmortems/", {"theme": theme.pk, "team": everyone.payments.pk}).json()
    assert by_theme["count"] == len(expected)

    items = client.get("/api/v1/action-items/", {"postmortem": postmortem.pk}).json()
    assert [row["id"] for row in items["results"]] == ([item.pk] if may_view else [])
    assert client.get("/api/v1/action-items/").json()["count"] == len(expected)


def test_cannot_create_an_action_item_on_an_unseen_people_incident(everyone):
    hidden = factories.make_postmortem(everyone.payments, kind="people", authors=[everyone.people.author])
    response = token_client(everyone.people.member).post(
        "/api/v1/action-items/", {"postmortem": hidden.pk, "title": "x"}, format="json")
    assert response.status_code == 400
    assert hidden.action_items.count() == 0
