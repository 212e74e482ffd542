"""Webhooks end to end: real Redis, real Celery worker subprocesses, a real HTTP receiver.

Each delivery must reach the receiver once: with two workers sweeping at once, and when a
worker is killed mid-request (the receiver hangs on the first one) and another takes over.
"""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.integration.fixtures import (  # noqa: F401 (pytest fixtures)
    celery_client, redis_url, smtp_server, start_worker, worker_env,
)
from tests.integration.receiver import Receiver
from webhooks import events, signing
from webhooks.models import PUBLISHED, Delivery, Endpoint

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]
TASK = "webhooks.deliver_webhooks"
TIMEOUT = 30
LOCAL = {"WEBHOOKS_ALLOW_PRIVATE": "true", "WEBHOOKS_ALLOW_HTTP": "true"}


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def owed(receiver):
    """Three publications, each owed to two endpoints: {delivery key: secret}. Recorded before the
    endpoints exist (but dated after them), so nothing is sent at commit: the workers do it all."""
    team = factories.make_team("Payments")
    for n in range(3):
        postmortem = factories.make_postmortem(team, title=f"Incident {n}", status="published")
        events.record(PUBLISHED, team=team, postmortem=postmortem)
    earlier = timezone.now() - timedelta(minutes=5)
    return [Endpoint.objects.create(team=team, name=f"hook {n}", url=receiver.url, events=[PUBLISHED],
                                    created_at=earlier) for n in range(2)]


def assert_each_delivery_answered_once(receiver, endpoints, expected=6):
    answered = receiver.settle(1.0)
    ids = [request["headers"]["Debrief-Delivery"] for request in answered]
    assert len(ids) == len(set(ids)) == expected
    secrets = {str(row.pk): row.endpoint.secret for row in Delivery.objects.select_related("endpoint")}
    for request in answered:
        headers = request["headers"]
        assert signing.verify(secrets[headers["Debrief-Delivery"]], headers["Debrief-Signature"], request["body"])
    assert Delivery.objects.filter(sent_at__isnull=False).count() == expected


def test_two_workers_sweeping_at_once_deliver_each_event_once_per_endpoint(
    owed, receiver, start_worker, celery_client
):
    receiver.delay = 0.3  # slow answers keep both sweeps running side by side
    start_worker("left", **LOCAL)
    start_worker("right", **LOCAL)

    results = [celery_client.send_task(TASK) for _ in range(2)]
    answers = [result.get(timeout=TIMEOUT) for result in results]

    assert sorted(answer["worker"].split("@")[0] for answer in answers) == ["left", "right"]
    assert sum(answer["sent"] for answer in answers) == 6
    assert_each_delivery_answered_once(receiver, owed)


def test_a_worker_killed_mid_delivery_is_finished_by_another_exactly_once(
    owed, receiver, start_worker, celery_client
):
    lease_seconds = 2
    receiver.hang_first = True  # the first request hangs until its sender is killed
    doomed = start_worker("doomed", WEBHOOK_CLAIM_LEASE_SECONDS=str(lease_seconds),
                          WEBHOOK_TIMEOUT_SECONDS="20", **LOCAL)

    celery_client.send_task(TASK)
    assert receiver.first_started.wait(TIMEOUT), doomed.log()
    doomed.kill()
    killed_at = time.monotonic()
    hung = receiver.requests[0]["headers"]["Debrief-Delivery"]

    assert receiver.answered == []
    assert not Delivery.objects.filter(sent_at__isnull=False).exists()

    successor = start_worker("successor", WEBHOOK_CLAIM_LEASE_SECONDS=str(lease_seconds), **LOCAL)
    time.sleep(max(0.0, killed_at + lease_seconds + 0.5 - time.monotonic()))  # the dead worker's lease runs out
    answer = celery_client.send_task(TASK).get(timeout=TIMEOUT)

    assert answer["worker"] == successor.hostname and answer["sent"] == 6
    assert_each_delivery_answered_once(receiver, owed)
    # The interrupted delivery was sent again under its own id, which a receiver can deduplicate on.
    assert [request["headers"]["Debrief-Delivery"] for request in receiver.requests].count(hung) == 2
