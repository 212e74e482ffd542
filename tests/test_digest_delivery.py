"""The weekly digest end to end: real Redis, real Celery worker subprocesses, a real SMTP server.

Each person's digest must reach the mail server exactly once a week: when the
sweep runs twice, when two workers sweep at once, and when a worker is killed
mid-send and another takes over after the lease.
"""
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from postmortems import digest
from postmortems.models import Digest, Membership
from tests import factories
from tests.integration.fixtures import (  # noqa: F401 (pytest fixtures)
    celery_client, flushed_redis, mail_sweep, smtp_server, start_worker, worker_env,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]
# A Redis database of their own, so that reminder delivery tests running at the
# same time (their workers share the default queue name) cannot take these tasks.
DIGEST_REDIS_URL = os.environ.get("TEST_DIGEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def redis_url():
    """Overrides the shared fixture: the digest tests' Redis database, flushed before and after."""
    yield from flushed_redis(DIGEST_REDIS_URL)


@pytest.fixture
def sweep(mail_sweep):
    return mail_sweep("postmortems.send_digests", records=Digest, lease_setting="DIGEST_CLAIM_LEASE_SECONDS")


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


def assert_each_got_one_digest(sweep, expected):
    sweep.assert_one_email_each(expected)
    assert sorted(Digest.objects.values_list("person__email", flat=True)) == expected


def test_sweep_on_a_worker_delivers_each_digest_once_even_when_run_twice(recipients, sweep, smtp_server):
    first, second = sweep.run_twice(len(recipients))

    assert first["emails_sent"] == len(recipients) and first["emails_failed"] == 0
    assert second["emails_sent"] == 0
    assert_each_got_one_digest(sweep, recipients)

    mo = smtp_server.message_to("mo@example.test")
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
    lead = smtp_server.message_to("lin@example.test").get_body(preferencelist=("plain",)).get_content()
    assert "Harassment report" in lead


def test_two_sweeps_at_once_on_two_workers_deliver_each_digest_once(recipients, sweep):
    answers = sweep.run_on_two_workers_at_once()

    assert sum(answer["emails_sent"] for answer in answers) == len(recipients)
    assert_each_got_one_digest(sweep, recipients)


def test_a_worker_killed_mid_send_is_finished_by_another_exactly_once(recipients, sweep):
    # The sweep claimed its batch of digests, then died sending the first: all are stranded, none sent.
    stranded = sweep.kill_worker_mid_send()
    assert stranded and all(digest.sent_at is None for digest in stranded)

    answer = sweep.run_after_the_lease()

    assert answer["emails_sent"] == len(recipients)
    assert_each_got_one_digest(sweep, recipients)
    assert not Digest.objects.filter(pk__in=[digest.pk for digest in stranded], sent_at__isnull=True).exists()
