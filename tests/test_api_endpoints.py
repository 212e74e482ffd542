"""Each /api/v1/ endpoint answers with the data the pages show, through the app's own rules."""
import pytest
from django.core.cache import cache

from postmortems.models import ActionItem, ActionItemChange
from tests import factories
from tests.test_api_helpers import ids, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


@pytest.fixture
def incident(org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout outage",
                                           summary="Pool exhausted")
    factories.add_timeline_event(postmortem, "Alert fired")
    factories.add_factor(postmortem, factories.shared_theme("Capacity"))
    return postmortem


def test_postmortem_list_filters_orders_and_paginates(org, incident):
    factories.make_postmortem(org.payments, authors=[org.people.author], title="Search slow", severity=1)
    client = token_client(org.people.author)
    body = client.get("/api/v1/postmortems/", {"ordering": "severity"}).json()
    assert body["count"] == 2
    assert [row["title"] for row in body["results"]] == ["Search slow", "Checkout outage"]
    assert ids(client.get("/api/v1/postmortems/", {"search": "checkout"})) == [incident.pk]
    assert client.get("/api/v1/postmortems/", {"page_size": 1}).json()["next"]
    assert client.get("/api/v1/postmortems/", {"ordering": "secret"}).status_code == 400


def test_page_size_is_capped_at_100(org):
    for number in range(101):
        factories.make_postmortem(org.payments, authors=[org.people.author], title=f"Incident {number}")
    response = token_client(org.people.author).get("/api/v1/postmortems/", {"page_size": 1000})
    assert len(response.json()["results"]) == 100


def test_postmortem_detail_has_timeline_factors_themes_and_etag(org, incident):
    response = token_client(org.people.member).get(f"/api/v1/postmortems/{incident.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert [event["description"] for event in body["timeline"]] == ["Alert fired"]
    assert body["factors"][0]["theme"]["name"] == "Capacity"
    assert body["themes"] == ["Capacity"]
    assert response["ETag"].startswith('"')


def test_theme_filter_lists_postmortems_with_that_theme(org, incident):
    theme = incident.factors.get().theme
    client = token_client(org.people.author)
    assert ids(client.get("/api/v1/postmortems/", {"theme": theme.pk})) == [incident.pk]


def test_action_item_list_filters_by_status_and_owner(org, incident):
    mine = factories.add_action_item(incident, owner=org.people.member)
    factories.add_action_item(incident, owner=org.people.author, status="done")
    client = token_client(org.people.member)
    assert ids(client.get("/api/v1/action-items/", {"owner": org.people.member.pk})) == [mine.pk]
    assert ids(client.get("/api/v1/action-items/", {"status": "open"})) == [mine.pk]


def test_action_item_list_filters_by_team_priority_and_postmortem(org, incident):
    urgent = factories.add_action_item(incident, priority="high")
    factories.add_action_item(incident, priority="low")
    other = factories.make_postmortem(org.search, status="published")
    theirs = factories.add_action_item(other, priority="high")
    client = token_client(org.people.member)
    assert ids(client.get("/api/v1/action-items/", {"priority": "high"})) == sorted([urgent.pk, theirs.pk])
    assert ids(client.get("/api/v1/action-items/", {"team": org.search.pk})) == [theirs.pk]
    assert ids(client.get("/api/v1/action-items/", {"team": org.payments.pk, "priority": "high"})) == [urgent.pk]
    assert ids(client.get("/api/v1/action-items/", {"postmortem": other.pk})) == [theirs.pk]


def test_action_item_team_filter_lists_nothing_the_reader_may_not_see(org):
    draft = factories.make_postmortem(org.search)  # Search's draft: Payments people may not read it
    factories.add_action_item(draft)
    client = token_client(org.people.member)
    assert ids(client.get("/api/v1/action-items/", {"team": org.search.pk})) == []
    assert ids(client.get("/api/v1/action-items/", {"postmortem": draft.pk})) == []
    assert ids(client.get("/api/v1/action-items/", {"team": 999999})) == []


def test_action_item_filters_that_are_not_numbers_are_a_400(org):
    response = token_client(org.people.member).get("/api/v1/action-items/", {"team": "payments"})
    assert response.status_code == 400
    assert response.json() == {"team": "Give a number."}


def test_editor_creates_action_item(org, incident):
    response = token_client(org.people.author).post("/api/v1/action-items/", {
        "postmortem": incident.pk, "title": "Alert on pool", "owner": org.people.member.pk, "due_date": "2030-01-02",
    }, format="json")
    assert response.status_code == 201, response.json()
    item = ActionItem.objects.get(pk=response.json()["id"])
    assert (item.owner, item.due_date.isoformat()) == (org.people.member, "2030-01-02")


def test_plain_member_cannot_create_action_item(org, incident):
    response = token_client(org.people.member).post(
        "/api/v1/action-items/", {"postmortem": incident.pk, "title": "x"}, format="json")
    assert response.status_code == 403


def test_patch_goes_through_writers_and_records_history(org, incident):
    item = factories.add_action_item(incident, owner=org.people.member)
    client = token_client(org.people.author)
    etag = client.get(f"/api/v1/action-items/{item.pk}/")["ETag"]
    response = client.patch(f"/api/v1/action-items/{item.pk}/", {"status": "done", "note": "shipped"},
                            format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done"
    change = ActionItemChange.objects.get(item=item)
    assert (change.field, change.new_value, change.note, change.actor) == ("status", "done", "shipped", org.people.author)
    assert response["ETag"] != etag


def test_due_date_change_needs_a_reason(org, incident):
    item = factories.add_action_item(incident, owner=org.people.member)
    client = token_client(org.people.member)
    etag = client.get(f"/api/v1/action-items/{item.pk}/")["ETag"]
    response = client.patch(f"/api/v1/action-items/{item.pk}/", {"due_date": "2031-01-01"}, format="json",
                            HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    assert "note" in response.json()


def test_reassign_to_someone_who_cannot_see_people_incident_is_refused(org):
    restricted = factories.make_postmortem(org.payments, authors=[org.people.author], kind="people")
    item = factories.add_action_item(restricted, owner=org.people.author)
    client = token_client(org.people.author)
    etag = client.get(f"/api/v1/action-items/{item.pk}/")["ETag"]
    response = client.patch(f"/api/v1/action-items/{item.pk}/", {"owner": org.people.member.pk}, format="json",
                            HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    assert "owner" in response.json()


def test_themes_lists_shared_and_own_team_themes(org):
    shared = factories.shared_theme("Capacity")
    own = factories.make_theme(org.payments, "Payments drift")
    other = factories.make_theme(org.search, "Search drift")
    listed = ids(token_client(org.people.member).get("/api/v1/themes/"))
    assert shared.pk in listed and own.pk in listed and other.pk not in listed


def test_teams_lists_the_readers_teams_with_role(org):
    body = token_client(org.people.lead).get("/api/v1/teams/").json()
    assert [(row["name"], row["role"]) for row in body["results"]] == [("Payments", "lead")]


def test_blame_check_returns_findings(org):
    response = token_client(org.people.member).post(
        "/api/v1/blame-check/", {"text": "Sam should have checked the dashboard."}, format="json")
    assert response.status_code == 200
    findings = response.json()["findings"]
    assert findings and {"start", "end", "category", "message"} <= set(findings[0])


def test_hostile_text_round_trips_as_data(org):
    hostile = '<script>alert(1)</script>"\'&{{x}}\u202e'
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], title=hostile, summary=hostile)
    response = token_client(org.people.author).get(f"/api/v1/postmortems/{postmortem.pk}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["title"] == hostile and response.json()["summary"] == hostile


def test_errors_are_json(org):
    response = token_client(org.people.member).get("/api/v1/postmortems/999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_schema_and_docs_page_use_only_same_origin_assets(org, client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    page = client.get("/api/v1/docs/").content.decode()
    import re
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    # The page's own script is a same-origin file too, so the content security policy can forbid inline ones.
    assert re.findall(r"<script>", page) == []
    assert client.get("/api/v1/docs/?script=")["Content-Type"] == "application/javascript"


def test_unknown_api_path_is_a_json_404(org):
    response = token_client(org.people.member).get("/api/v1/action-items/-5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_postmortem_list_query_count_does_not_grow_with_rows(org, django_assert_max_num_queries):
    for number in range(30):
        factories.make_postmortem(org.payments, authors=[org.people.author], title=f"Incident {number}")
    client = token_client(org.people.author)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/postmortems/").json()["results"]) == 25


def test_session_auth_needs_csrf_for_writes(org, incident):
    from rest_framework.test import APIClient
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(org.people.author)
    assert client.get("/api/v1/postmortems/").status_code == 200
    response = client.post("/api/v1/action-items/", {"postmortem": incident.pk, "title": "x"}, format="json")
    assert response.status_code == 403


def test_throttled_after_rate_with_retry_after(org, settings):
    settings.API_RATE_PER_MINUTE = 3
    client = token_client(org.people.member)
    statuses = [client.get("/api/v1/teams/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert int(client.get("/api/v1/teams/")["Retry-After"]) > 0


def test_hostile_text_written_through_the_api_is_stored_and_returned_unchanged(org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    hostile = '<img src=x onerror=alert(1)> {% csrf_token %} \\"; DROP TABLE x;--'
    client = token_client(org.people.author)
    created = client.post("/api/v1/action-items/", {"postmortem": postmortem.pk, "title": hostile,
                                                   "description": hostile}, format="json")
    assert created.status_code == 201
    fetched = client.get(f"/api/v1/action-items/{created.json()['id']}/").json()
    assert (fetched["title"], fetched["description"]) == (hostile, hostile)
    assert ActionItem.objects.get(pk=fetched["id"]).title == hostile


def test_throttle_counts_per_token(org, settings):
    settings.API_RATE_PER_MINUTE = 1
    first, second = token_client(org.people.member), token_client(org.people.member)
    assert first.get("/api/v1/teams/").status_code == 200
    assert first.get("/api/v1/teams/").status_code == 429
    assert second.get("/api/v1/teams/").status_code == 200
