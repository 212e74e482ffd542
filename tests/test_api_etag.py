"""ETag / If-Match: the API never silently overwrites a newer edit (the editor's compare-and-set)."""
import pytest
from django.core.cache import cache

from postmortems import actions
from postmortems.models import PostMortem, Revision
from tests import factories
from tests.test_api_helpers import token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


@pytest.fixture
def incident(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout outage")


@pytest.fixture
def item(org, incident):
    return factories.add_action_item(incident, owner=org.people.member)


def test_action_item_patch_without_if_match_is_428(org, item):
    response = token_client(org.people.author).patch(f"/api/v1/action-items/{item.pk}/", {"status": "done"},
                                                     format="json")
    assert response.status_code == 428
    item.refresh_from_db()
    assert item.status == "open"


def test_action_item_patch_with_stale_etag_is_412(org, item):
    client = token_client(org.people.author)
    etag = client.get(f"/api/v1/action-items/{item.pk}/")["ETag"]
    actions.reassign(item, actor=org.people.lead, owner=org.people.author)  # someone else, meanwhile
    response = client.patch(f"/api/v1/action-items/{item.pk}/", {"status": "done"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    item.refresh_from_db()
    assert item.status == "open"


def test_postmortem_patch_without_if_match_is_428(org, incident):
    response = token_client(org.people.author).patch(f"/api/v1/postmortems/{incident.pk}/", {"title": "New"},
                                                     format="json")
    assert response.status_code == 428


def test_postmortem_patch_saves_a_new_version_with_revision(org, incident):
    client = token_client(org.people.author)
    etag = client.get(f"/api/v1/postmortems/{incident.pk}/")["ETag"]
    response = client.patch(f"/api/v1/postmortems/{incident.pk}/", {"summary": "Pool exhausted"}, format="json",
                            HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    incident.refresh_from_db()
    assert (incident.summary, incident.title, incident.version) == ("Pool exhausted", "Checkout outage", 2)
    assert Revision.objects.filter(postmortem=incident, version=2).exists()
    assert response["ETag"] != etag


def test_browser_edit_then_api_patch_with_old_etag_is_refused(org, incident, login):
    api = token_client(org.people.author)
    old_etag = api.get(f"/api/v1/postmortems/{incident.pk}/")["ETag"]
    browser = login(org.people.lead)
    factories.submit_editor(browser, f"/postmortems/{incident.pk}/edit/", summary="The lead's newer summary")
    assert PostMortem.objects.get(pk=incident.pk).version == 2
    response = api.patch(f"/api/v1/postmortems/{incident.pk}/", {"summary": "stale"}, format="json",
                         HTTP_IF_MATCH=old_etag)
    assert response.status_code == 412
    assert PostMortem.objects.get(pk=incident.pk).summary == "The lead's newer summary"


def test_member_who_cannot_edit_gets_403_on_patch(org, incident):
    client = token_client(org.people.member)
    etag = client.get(f"/api/v1/postmortems/{incident.pk}/")["ETag"]
    response = client.patch(f"/api/v1/postmortems/{incident.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 403
