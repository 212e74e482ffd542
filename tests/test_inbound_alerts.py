"""Draft post-mortems from PagerDuty, Opsgenie and Alertmanager webhooks (inbound/)."""
import hashlib
import hmac
import json
import logging
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from inbound import sources
from inbound.models import AlertEndpoint, InboundIncident
from postmortems.models import PostMortem, Revision, TimelineEvent
from tests import factories

DATA = Path(__file__).parent / "data" / "inbound"

pytestmark = pytest.mark.usefixtures("fast_passwords")


def payload(name):
    return json.loads((DATA / f"{name}.json").read_text())


def utc(*args):
    return datetime(*args, tzinfo=dt_timezone.utc)


@pytest.fixture
def endpoint(org):
    return AlertEndpoint.objects.create(team=org.payments)


def deliver(endpoint, body, *, query="", **headers):
    """POST like an alerting tool: no session, no CSRF token, JSON body."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    url = reverse("inbound:alerts", args=[endpoint.token]) + query
    return Client(enforce_csrf_checks=True).post(url, body, content_type="application/json", **headers)


# PagerDuty -------------------------------------------------------------------------------

def test_pagerduty_trigger_creates_a_technical_draft_of_the_team(endpoint, org):
    response = deliver(endpoint, payload("pagerduty_triggered"))

    assert response.status_code == 201
    postmortem = PostMortem.objects.get(pk=response.json()["postmortem"])
    assert postmortem.team == org.payments
    assert (postmortem.kind, postmortem.status) == ("technical", "draft")
    assert postmortem.title == "Checkout API p99 latency above 2s in eu-west"
    assert postmortem.severity == 1
    assert postmortem.started_at == postmortem.detected_at == utc(2026, 11, 2, 8, 14, 5)
    assert postmortem.resolved_at is None
    assert [event.description for event in postmortem.timeline_events.all()] == [
        "Alert triggered in PagerDuty: Checkout API p99 latency above 2s in eu-west",
    ]
    incident = InboundIncident.objects.get()
    assert (incident.source, incident.external_id, incident.postmortem) == ("pagerduty", "Q2K7PR0JX1NB", postmortem)


def test_draft_starts_with_a_revision_like_one_from_the_editor(endpoint):
    response = deliver(endpoint, payload("pagerduty_triggered"))

    postmortem = PostMortem.objects.get(pk=response.json()["postmortem"])
    revision = postmortem.revisions.get()
    assert (postmortem.version, revision.version) == (1, 1)
    assert revision.note == "Started from PagerDuty incident Q2K7PR0JX1NB"
    assert revision.snapshot["timeline"][0]["description"].startswith("Alert triggered")


def test_pagerduty_acknowledge_and_resolve_update_the_same_draft(endpoint):
    deliver(endpoint, payload("pagerduty_triggered"))
    deliver(endpoint, payload("pagerduty_acknowledged"))
    response = deliver(endpoint, payload("pagerduty_resolved"))

    assert response.status_code == 200
    assert response.json()["status"] == "updated"
    postmortem = PostMortem.objects.get()
    assert postmortem.resolved_at == utc(2026, 11, 2, 9, 2, 13, 4000)
    assert [event.description for event in postmortem.timeline_events.all()] == [
        "Alert triggered in PagerDuty: Checkout API p99 latency above 2s in eu-west",
        "Acknowledged in PagerDuty by Ada Okafor",
        "Resolved in PagerDuty by Ada Okafor",
    ]
    assert postmortem.version == 3
    assert list(postmortem.revisions.values_list("version", flat=True)) == [3, 2, 1]


def test_redelivered_webhook_makes_no_second_draft_and_no_second_event(endpoint):
    first = deliver(endpoint, payload("pagerduty_triggered"))
    again = deliver(endpoint, payload("pagerduty_triggered"))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == {**first.json(), "status": "unchanged"}
    assert PostMortem.objects.count() == 1
    assert TimelineEvent.objects.count() == 1
    assert Revision.objects.count() == 1


def test_redelivered_resolve_adds_nothing(endpoint):
    deliver(endpoint, payload("pagerduty_triggered"))
    deliver(endpoint, payload("pagerduty_resolved"))
    deliver(endpoint, payload("pagerduty_resolved"))

    assert TimelineEvent.objects.count() == 2
    assert PostMortem.objects.get().version == 2


def test_later_events_never_change_what_the_author_wrote(endpoint, org):
    deliver(endpoint, payload("pagerduty_triggered"))
    postmortem = PostMortem.objects.get()
    author_start = utc(2026, 11, 2, 7, 50)
    author_end = utc(2026, 11, 2, 8, 55)
    PostMortem.objects.filter(pk=postmortem.pk).update(
        title="Checkout slowed by pool exhaustion", severity=2, summary="Our words.",
        started_at=author_start, resolved_at=author_end,
    )
    TimelineEvent.objects.filter(postmortem=postmortem).update(description="Edited by the author")

    deliver(endpoint, payload("pagerduty_resolved"))

    postmortem.refresh_from_db()
    assert (postmortem.title, postmortem.severity, postmortem.summary) == (
        "Checkout slowed by pool exhaustion", 2, "Our words.")
    assert (postmortem.started_at, postmortem.resolved_at) == (author_start, author_end)
    assert [event.description for event in postmortem.timeline_events.all()] == [
        "Edited by the author", "Resolved in PagerDuty by Ada Okafor",
    ]


def test_published_postmortem_is_not_touched_by_later_events(endpoint):
    deliver(endpoint, payload("pagerduty_triggered"))
    PostMortem.objects.update(status="published")

    response = deliver(endpoint, payload("pagerduty_resolved"))

    assert response.json()["status"] == "unchanged"
    assert PostMortem.objects.get().resolved_at is None
    assert TimelineEvent.objects.count() == 1


def test_pagerduty_note_is_accepted_and_ignored(endpoint):
    response = deliver(endpoint, payload("pagerduty_annotated"))

    assert response.status_code == 202
    assert not PostMortem.objects.exists()


def test_same_incident_id_for_another_team_is_another_draft(endpoint, org):
    other = AlertEndpoint.objects.create(team=org.search)

    deliver(endpoint, payload("pagerduty_triggered"))
    deliver(other, payload("pagerduty_triggered"))

    assert sorted(PostMortem.objects.values_list("team__name", flat=True)) == ["Payments", "Search"]


# Opsgenie ---------------------------------------------------------------------------------

def test_opsgenie_create_acknowledge_close(endpoint):
    created = deliver(endpoint, payload("opsgenie_create"))
    deliver(endpoint, payload("opsgenie_acknowledge"))
    deliver(endpoint, payload("opsgenie_close"))
    deliver(endpoint, payload("opsgenie_close"))

    assert created.status_code == 201
    postmortem = PostMortem.objects.get()
    assert postmortem.title == "Search indexer queue backlog above 50k"
    assert postmortem.severity == 2
    # createdAt is in milliseconds, updatedAt in nanoseconds.
    assert postmortem.started_at == utc(2024, 11, 2, 8, 14, 5, 567000)
    assert postmortem.resolved_at == utc(2024, 11, 2, 9, 12, 5, 1000)
    assert [event.description for event in postmortem.timeline_events.all()] == [
        "Alert created in Opsgenie: Search indexer queue backlog above 50k",
        "Acknowledged in Opsgenie by mo@example.test",
        "Closed in Opsgenie by mo@example.test",
    ]
    assert InboundIncident.objects.get().source == "opsgenie"


def test_opsgenie_note_is_ignored(endpoint):
    assert deliver(endpoint, payload("opsgenie_addnote")).status_code == 202
    assert not PostMortem.objects.exists()


# Alertmanager ----------------------------------------------------------------------------

def test_alertmanager_firing_then_resolved(endpoint):
    firing = deliver(endpoint, payload("alertmanager_firing"))
    repeat = deliver(endpoint, payload("alertmanager_firing"))
    resolved = deliver(endpoint, payload("alertmanager_resolved"))

    assert (firing.status_code, repeat.status_code, resolved.status_code) == (201, 200, 200)
    assert repeat.json()["status"] == "unchanged"
    postmortem = PostMortem.objects.get()
    assert postmortem.title == "PostgresReplicationLag"
    assert postmortem.severity == 1
    assert postmortem.started_at == utc(2026, 11, 3, 14, 1, 30)
    assert postmortem.resolved_at == utc(2026, 11, 3, 14, 42, 30)
    assert [event.description for event in postmortem.timeline_events.all()] == [
        "Alert firing: PostgresReplicationLag (db-2:9187)",
        "Alert firing: PostgresReplicationLag (db-3:9187)",
        "Resolved: PostgresReplicationLag (db-2:9187)",
        "Resolved: PostgresReplicationLag (db-3:9187)",
    ]
    assert InboundIncident.objects.get().external_id == '{}:{alertname="PostgresReplicationLag"}'


def test_alertmanager_summary_annotation_is_the_title(endpoint):
    body = payload("alertmanager_firing")
    body["commonAnnotations"] = {"summary": "Replicas behind the primary"}

    deliver(endpoint, body)

    assert PostMortem.objects.get().title == "Replicas behind the primary"


def test_source_can_be_named_in_the_query(endpoint):
    response = deliver(endpoint, payload("alertmanager_firing"), query="?source=alertmanager")

    assert response.status_code == 201


# Severity mapping --------------------------------------------------------------------------

@pytest.mark.parametrize(("priority", "urgency", "severity"), [
    ("P1", "high", 1), ("P2", "high", 2), ("P3", "low", 3), ("P4", "low", 4), ("P5", "high", 4),
    (None, "high", 2), (None, "low", 3), (None, None, 3),
])
def test_pagerduty_severity(priority, urgency, severity):
    data = {"priority": {"summary": priority} if priority else None, "urgency": urgency}
    assert sources.pagerduty_severity(data) == severity


@pytest.mark.parametrize(("priority", "severity"), [("P1", 1), ("P2", 2), ("P3", 3), ("P4", 4), ("P5", 4), (None, 3)])
def test_opsgenie_severity(priority, severity):
    assert sources.opsgenie_severity({"priority": priority}) == severity


@pytest.mark.parametrize(("label", "severity"), [
    ("critical", 1), ("page", 1), ("error", 2), ("major", 2), ("warning", 3), ("info", 4), ("none", 4),
    ("SEV2", 2), ("unheard-of", 3), (None, 3),
])
def test_alertmanager_severity(label, severity):
    labels = {"severity": label} if label else {}
    assert sources.alertmanager_severity({"commonLabels": labels}, [{"labels": {}}]) == severity


def test_alertmanager_severity_falls_back_to_the_first_alert():
    assert sources.alertmanager_severity({"commonLabels": {}}, [{"labels": {"severity": "warning"}}]) == 3


# Refusals ------------------------------------------------------------------------------------

def assert_nothing_saved():
    assert not PostMortem.objects.exists()
    assert not InboundIncident.objects.exists()
    assert not TimelineEvent.objects.exists()


def test_unknown_token_is_404(endpoint):
    endpoint.token = "not-the-token"
    response = deliver(endpoint, payload("pagerduty_triggered"))

    assert response.status_code == 404
    assert response.json() == {"error": "no alert endpoint at this address"}
    assert_nothing_saved()


def test_get_is_not_allowed(endpoint):
    assert Client().get(reverse("inbound:alerts", args=[endpoint.token])).status_code == 405


def test_invalid_json_is_400_and_logged(endpoint, caplog):
    with caplog.at_level(logging.WARNING, logger="inbound"):
        response = deliver(endpoint, "{not json")

    assert response.status_code == 400
    assert response.json()["error"] == "the body is not valid JSON"
    assert "reason=the body is not valid JSON" in caplog.text
    assert_nothing_saved()


def test_unknown_payload_is_422_and_logged_without_the_body(endpoint, caplog):
    with caplog.at_level(logging.WARNING, logger="inbound"):
        response = deliver(endpoint, {"hello": "secret-looking-content"})

    assert response.status_code == 422
    assert "not from PagerDuty, Opsgenie or Alertmanager" in response.json()["error"]
    assert "source=unknown" in caplog.text
    assert "secret-looking-content" not in caplog.text
    assert_nothing_saved()


@pytest.mark.parametrize(("fixture", "breakage", "reason"), [
    ("pagerduty_triggered", lambda body: body["event"]["data"].pop("id"), "`event.data.id` is missing"),
    ("pagerduty_triggered", lambda body: body["event"]["data"].update(created_at="yesterday"),
     "`event.data.created_at` is not an ISO 8601 time"),
    ("pagerduty_service_created", lambda body: None, "is not about an incident"),
    ("opsgenie_create", lambda body: body["alert"].update(createdAt="soon"), "`alert.createdAt` must be an epoch time"),
    ("opsgenie_create", lambda body: body["alert"].pop("alertId"), "`alert.alertId` is missing"),
    ("alertmanager_firing", lambda body: body.update(version="3"), "only Alertmanager webhook version 4"),
    ("alertmanager_firing", lambda body: body.update(alerts=[]), "`alerts` must be a non-empty list"),
    ("alertmanager_firing", lambda body: body["alerts"][1].update(startsAt="later"),
     "`alerts[1].startsAt` is not an ISO 8601 time"),
])
def test_malformed_payload_is_422_logged_and_nothing_saved(endpoint, caplog, fixture, breakage, reason):
    body = payload(fixture)
    breakage(body)

    with caplog.at_level(logging.WARNING, logger="inbound"):
        response = deliver(endpoint, body)

    assert response.status_code == 422
    assert reason in response.json()["error"]
    assert f"source={fixture.split('_')[0]}" in caplog.text
    assert_nothing_saved()


def test_malformed_update_leaves_the_draft_as_it_was(endpoint):
    deliver(endpoint, payload("pagerduty_triggered"))
    body = payload("pagerduty_resolved")
    body["event"]["occurred_at"] = "not a time"

    assert deliver(endpoint, body).status_code == 422
    postmortem = PostMortem.objects.get()
    assert (postmortem.resolved_at, postmortem.version, postmortem.timeline_events.count()) == (None, 1, 1)


def test_failure_while_saving_rolls_back_the_whole_draft(endpoint, monkeypatch):
    from inbound import drafts

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(drafts, "record_revision", broken)
    with pytest.raises(RuntimeError):
        deliver(endpoint, payload("pagerduty_triggered"))
    assert_nothing_saved()


def test_unknown_source_in_query_is_400(endpoint):
    assert deliver(endpoint, payload("pagerduty_triggered"), query="?source=nagios").status_code == 400


def test_body_over_the_limit_is_413(endpoint, settings):
    settings.INBOUND_MAX_BODY_BYTES = 1000
    body = payload("pagerduty_triggered")
    body["event"]["data"]["padding"] = "x" * 2000

    assert deliver(endpoint, body).status_code == 413
    assert_nothing_saved()


# Signatures ------------------------------------------------------------------------------------

def pagerduty_signature(secret, body):
    return "v1=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def test_pagerduty_signature_is_checked_when_a_secret_is_set(endpoint):
    endpoint.signing_secret = "whsec-pd"
    endpoint.save()
    body = json.dumps(payload("pagerduty_triggered"))

    assert deliver(endpoint, body).status_code == 401
    assert deliver(endpoint, body, HTTP_X_PAGERDUTY_SIGNATURE=pagerduty_signature("wrong", body)).status_code == 401
    assert_nothing_saved()
    # While a secret is rotated PagerDuty sends one signature per secret.
    signatures = pagerduty_signature("old", body) + "," + pagerduty_signature("whsec-pd", body)
    assert deliver(endpoint, body, HTTP_X_PAGERDUTY_SIGNATURE=signatures).status_code == 201


def test_bearer_secret_works_for_sources_that_cannot_sign(endpoint):
    endpoint.signing_secret = "shared"
    endpoint.save()

    assert deliver(endpoint, payload("alertmanager_firing"), HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert deliver(endpoint, payload("alertmanager_firing"), HTTP_AUTHORIZATION="Bearer shared").status_code == 201


def test_wrong_signature_is_logged(endpoint, caplog):
    endpoint.signing_secret = "whsec-pd"
    endpoint.save()

    with caplog.at_level(logging.WARNING, logger="inbound"):
        deliver(endpoint, payload("pagerduty_triggered"), HTTP_X_PAGERDUTY_SIGNATURE="v1=00")

    assert "status=401 reason=missing or wrong signature" in caplog.text


def test_rotated_token_stops_the_old_address(endpoint):
    old = AlertEndpoint(token=endpoint.token)
    endpoint.rotate()

    assert deliver(old, payload("pagerduty_triggered")).status_code == 404
    assert deliver(endpoint, payload("pagerduty_triggered")).status_code == 201


# Who sees the draft ------------------------------------------------------------------------------

def test_draft_is_visible_to_the_team_and_editable_by_its_leads_only(endpoint, org, login):
    response = deliver(endpoint, payload("pagerduty_triggered"))
    postmortem = PostMortem.objects.get(pk=response.json()["postmortem"])
    people = org.people
    url = postmortem.get_absolute_url()

    assert login(people.member).get(url).status_code == 200
    assert login(people.lead).get(reverse("postmortems:edit", args=[postmortem.pk])).status_code == 200
    assert login(people.member).get(reverse("postmortems:edit", args=[postmortem.pk])).status_code == 403
    assert login(people.other_team).get(url).status_code == 404
    assert login(people.outsider).get(url).status_code == 404
    assert set(PostMortem.objects.visible_to(people.author)) == {postmortem}
    assert not PostMortem.objects.visible_to(people.viewer).exists()


def test_draft_appears_in_the_team_list(endpoint, org, login):
    deliver(endpoint, payload("opsgenie_create"))

    response = login(org.people.member).get(reverse("postmortems:list"))

    assert "Search indexer queue backlog above 50k" in response.content.decode()


def test_csrf_is_not_needed_by_the_machine_endpoint_only(endpoint, org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.people.lead)

    refused = client.post(reverse("inbound:rotate-token", args=[org.payments.slug]))
    accepted = deliver(endpoint, payload("pagerduty_triggered"))

    assert refused.status_code == 403
    assert accepted.status_code == 201


def test_factories_still_make_unrelated_drafts(org):
    # A post-mortem made by hand has no inbound incident: the app adds nothing to the document.
    postmortem = factories.make_postmortem(org.payments)
    assert not postmortem.inbound_incidents.exists()


def test_refusal_log_is_one_line_without_the_senders_text(endpoint, caplog):
    body = payload("pagerduty_service_created")
    body["event"]["event_type"] = "service.created\nFAKE log line"

    with caplog.at_level(logging.WARNING, logger="inbound"):
        deliver(endpoint, body)
        deliver(endpoint, payload("pagerduty_triggered"), query="?source=%0Aforged")

    assert [record.getMessage().count("\n") for record in caplog.records] == [0, 0]
    assert "forged" not in caplog.text


def test_one_delivery_adds_at_most_fifty_timeline_events(endpoint):
    body = payload("alertmanager_firing")
    template = body["alerts"][0]
    body["alerts"] = [{**template, "fingerprint": f"fp{n}", "labels": {**template["labels"], "instance": f"db-{n}"}}
                      for n in range(80)]

    deliver(endpoint, body)

    assert TimelineEvent.objects.count() == 50
