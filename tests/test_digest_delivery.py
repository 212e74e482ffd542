"""The weekly digest end to end: real Redis, real Celery worker subprocesses, a real SMTP server.

Each person's digest must reach the mail server exactly once a week: when the
sweep runs twice, when two workers sweep at once, and when a worker is killed
mid-send and another takes over after the lease.
"""
import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from postmortems import digest
from postmortems.models import Digest, Membership
from tests import factories
from tests.integration.fixtures import celery_client, flushed_redis, smtp_server, start_worker, worker_env  # noqa: F401

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]
TASK = "postmortems.send_digests"
TIMEOUT = 30
# A Redis database of their own, so that reminder delivery tests running at the
# same time (their workers share the default queue name) cannot take these tasks.
DIGEST_REDIS_URL = os.environ.get("TEST_DIGEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def redis_url():
    """Overrides the shared fixture: the digest tests' Redis database, flushed before and after."""
    yield from flushed_redis(DIGEST_REDIS_URL)


def run_sweep(celery_client):
    """Send the sweep task through Redis and wait for a worker's answer."""
    return celery_client.send_task(TASK).get(timeout=TIMEOUT)


def always_due(person, **fields):
    # Monday 00:00 UTC: whenever the test runs, this week's moment has passed.
    return factories.set_profile(person, timezone="UTC", digest_day=0, digest_hour=0, **fields)


@pytest.fixture
def recipients():
    """Committed data a worker can see; returns the addresses that should get one digest each."""
    team = factories.make_team("Payments")
    lead = factories.make_user("lin", first_name="Lin")
    factories.add_member(team, lead, Membership.Role.LEAD)
    members = [factories.make_user(name) for name in ("mo", "ada", "uma", "oz")]
    for person in members:
        factories.add_member(team, person)
    for person in [lead, *members]:
        always_due(person)
    always_due(factories.make_user("out"), digest_opt_in=False)
    factories.make_user("gone", is_active=False)

    last_week = digest.scheduled_at(lead, digest.this_week(lead, timezone.now())) - timedelta(hours=1)
    outage = factories.make_postmortem(team, authors=[members[1]], title="Checkout outage")
    factories.publish_at(outage, last_week)
    secret = factories.make_postmortem(team, kind="people", authors=[members[1]], title="Harassment report")
    factories.publish_at(secret, last_week)
    factories.add_action_item(outage, owner=members[0], title="mo: pool alert", due_in_days=-2)
    return sorted(person.email for person in [lead, *members])


def assert_each_got_one_digest(smtp_server, expected):
    received = smtp_server.settle(1.0)
    assert smtp_server.count_by_address() == {address: 1 for address in expected}, [m["To"] for m in received]
    assert sorted(Digest.objects.values_list("person__email", flat=True)) == expected
    assert not Digest.objects.filter(sent_at__isnull=True).exists()


def message_to(smtp_server, address):
    (message,) = [m for m in smtp_server.messages if m["To"].addresses[0].addr_spec == address]
    return message


def test_sweep_on_a_worker_delivers_each_digest_once_even_when_run_twice(
    recipients, start_worker, celery_client, smtp_server
):
    start_worker("solo")

    first = run_sweep(celery_client)
    smtp_server.wait_for(len(recipients))
    second = run_sweep(celery_client)

    assert first["emails_sent"] == len(recipients) and first["emails_failed"] == 0
    assert second["emails_sent"] == 0
    assert_each_got_one_digest(smtp_server, recipients)

    mo = message_to(smtp_server, "mo@example.test")
    assert mo.get_content_type() == "multipart/alternative"
    unsubscribe = str(mo["List-Unsubscribe"]).strip()  # a long header arrives folded
    assert unsubscribe.startswith("<http") and unsubscribe.endswith("/one-click/>")
    assert mo["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mo.get_body(preferencelist=("plain",)).get_content()
    html = mo.get_body(preferencelist=("html",)).get_content()
    assert "Checkout outage" in text and "mo: pool alert" in text and "/digest/unsubscribe/" in text
    assert "<a href=" in html
    # The people incident reaches its team's lead, and nobody else on the team.
    assert "Harassment" not in text and "Harassment" not in html
    lead = message_to(smtp_server, "lin@example.test").get_body(preferencelist=("plain",)).get_content()
    assert "Harassment report" in lead


def test_two_sweeps_at_once_on_two_workers_deliver_each_digest_once(
    recipients, start_worker, celery_client, smtp_server
):
    smtp_server.handler.pause_each = 0.3  # slow mail keeps both sweeps running side by side
    start_worker("left")
    start_worker("right")

    results = [celery_client.send_task(TASK) for _ in range(2)]
    answers = [result.get(timeout=TIMEOUT) for result in results]

    assert sorted(answer["worker"].split("@")[0] for answer in answers) == ["left", "right"]
    assert sum(answer["emails_sent"] for answer in answers) == len(recipients)
    assert_each_got_one_digest(smtp_server, recipients)


def test_a_worker_killed_mid_send_is_finished_by_another_exactly_once(
    recipients, start_worker, celery_client, smtp_server
):
    lease_seconds = 2
    smtp_server.handler.pause_first = 25  # the first digest hangs until we kill its sender
    doomed = start_worker("doomed", DIGEST_CLAIM_LEASE_SECONDS=str(lease_seconds))

    celery_client.send_task(TASK)
    assert smtp_server.handler.first_started.wait(TIMEOUT), doomed.log()
    doomed.kill()
    killed_at = time.monotonic()

    assert smtp_server.messages == []
    # The sweep claimed its batch of digests, then died sending the first: all are stranded, none sent.
    stranded = list(Digest.objects.all())
    assert stranded and all(digest.sent_at is None for digest in stranded)

    successor = start_worker("successor", DIGEST_CLAIM_LEASE_SECONDS=str(lease_seconds))
    time.sleep(max(0.0, killed_at + lease_seconds + 0.5 - time.monotonic()))  # the dead worker's lease runs out
    answer = run_sweep(celery_client)

    assert answer["worker"] == successor.hostname
    assert answer["emails_sent"] == len(recipients)
    assert_each_got_one_digest(smtp_server, recipients)
    assert not Digest.objects.filter(pk__in=[digest.pk for digest in stranded], sent_at__isnull=True).exists()
