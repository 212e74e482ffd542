"""Concurrent deliveries of one incident make one draft (PostgreSQL, real transactions in threads)."""
import json
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from inbound import drafts, sources
from inbound.models import AlertEndpoint, InboundIncident
from postmortems.models import PostMortem, TimelineEvent
from tests import factories

DATA = Path(__file__).parent / "data" / "inbound"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's in-memory test database serialises them)")


def payload(name):
    return json.loads((DATA / f"{name}.json").read_text())


def in_threads(count, work):
    """Run `work` in `count` threads at once; returns results and any errors they raised."""
    results, errors = [], []

    def run():
        try:
            results.append(work())
        except Exception as error:  # a failure in a thread must fail the test, not vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


def test_two_deliveries_racing_past_the_lookup_make_one_draft(monkeypatch):
    """Both threads find no incident, then both insert: the unique constraint turns one into an update."""
    team = factories.make_team()
    alert_payload = payload("pagerduty_triggered")
    both_looked = threading.Barrier(2)
    lookup = drafts._existing

    def slow_lookup(team, alert):
        found = lookup(team, alert)
        both_looked.wait(10)
        return found

    monkeypatch.setattr(drafts, "_existing", slow_lookup)

    results, errors = in_threads(2, lambda: drafts.receive(team, sources.read("pagerduty", alert_payload)))

    assert errors == []
    assert sorted(outcome.created for outcome in results) == [False, True]
    assert PostMortem.objects.count() == 1
    assert InboundIncident.objects.count() == 1
    assert TimelineEvent.objects.count() == 1
    assert {outcome.postmortem.pk for outcome in results} == {PostMortem.objects.get().pk}


def test_concurrent_webhooks_over_http_make_one_draft():
    team = factories.make_team()
    endpoint = AlertEndpoint.objects.create(team=team)
    url = reverse("inbound:alerts", args=[endpoint.token])
    body = json.dumps(payload("opsgenie_create"))
    start = threading.Barrier(4)

    def post():
        start.wait(10)
        return Client().post(url, body, content_type="application/json").status_code

    statuses, errors = in_threads(4, post)

    assert errors == []
    assert sorted(statuses) == [200, 200, 200, 201]
    assert PostMortem.objects.count() == 1
    assert TimelineEvent.objects.count() == 1
