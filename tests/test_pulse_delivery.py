"""Pulse invitations end to end: real Redis, real Celery worker subprocesses, a real SMTP server.

Each member must get one invitation per period: when the sweep runs twice, when two
workers sweep at once, and when a worker is killed mid-send and another takes over.
"""
import os

import pytest

from postmortems.models import Membership
from pulse.models import Invitation, Response
from tests import factories
from tests.integration.fixtures import (  # noqa: F401 (pytest fixtures)
    celery_client, flushed_redis, mail_sweep, smtp_server, start_worker, worker_env,
)
from tests.test_pulse_support import enable_pulse

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]
# A Redis database of its own, so other delivery tests' workers (same queue name) cannot take these tasks.
PULSE_REDIS_URL = os.environ.get("TEST_PULSE_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def redis_url():
    yield from flushed_redis(PULSE_REDIS_URL)


@pytest.fixture
def sweep(mail_sweep):
    return mail_sweep("pulse.send_pulse", records=Invitation, lease_setting="PULSE_CLAIM_LEASE_SECONDS")


@pytest.fixture
def recipients():
    """Committed data a worker can see: a team asked on Mondays at 00:00 (always past), and who should get one."""
    team = factories.make_team("Payments")
    enable_pulse(team, day=0, hour=0)
    lead = factories.make_user("lin")
    factories.add_member(team, lead, Membership.Role.LEAD)
    members = [factories.make_user(name) for name in ("mo", "ada", "uma", "oz")]
    for person in members:
        factories.add_member(team, person)
    factories.add_member(team, factories.make_user("gone", is_active=False))
    factories.add_member(factories.make_team("Quiet"), factories.make_user("out"))  # that team's pulse is off
    return sorted(person.email for person in [lead, *members])


def assert_each_got_one_invitation(sweep, expected):
    sweep.assert_one_email_each(expected)
    assert sorted(Invitation.objects.values_list("person__email", flat=True)) == expected


def test_sweep_on_a_worker_invites_each_member_once_even_when_run_twice(recipients, sweep, smtp_server, client):
    first, second = sweep.run_twice(len(recipients))

    assert first["emails_sent"] == len(recipients) and first["emails_failed"] == 0
    assert second["emails_sent"] == 0
    assert_each_got_one_invitation(sweep, recipients)
    text = smtp_server.message_to("mo@example.test").get_body(preferencelist=("plain",)).get_content()
    link = next(word for word in text.split() if "/pulse/answer/?t=" in word)
    # The link from the real email opens the form without a session.
    page = client.get(link.split("127.0.0.1:8000", 1)[-1])
    assert page.status_code == 200 and "Send my answers" in page.content.decode()
    assert not Response.objects.exists()


def test_two_sweeps_at_once_on_two_workers_invite_each_member_once(recipients, sweep):
    answers = sweep.run_on_two_workers_at_once()

    assert sum(answer["emails_sent"] for answer in answers) == len(recipients)
    assert_each_got_one_invitation(sweep, recipients)


def test_a_worker_killed_mid_send_is_finished_by_another_exactly_once(recipients, sweep):
    stranded = sweep.kill_worker_mid_send()
    assert stranded and all(invitation.sent_at is None for invitation in stranded)

    answer = sweep.run_after_the_lease()

    assert answer["emails_sent"] == len(recipients)
    assert_each_got_one_invitation(sweep, recipients)
