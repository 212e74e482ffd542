"""Pulse invitations end to end: real Redis, real Celery worker subprocesses, a real SMTP server.

Each member must get one invitation per period: when the sweep runs twice, when two
workers sweep at once, and when a worker is killed mid-send and another takes over.
"""
import os
import time

import pytest

from postmortems.models import Membership
from pulse.models import Invitation, Response
from tests import factories
from tests.integration.fixtures import celery_client, flushed_redis, smtp_server, start_worker, worker_env  # noqa: F401
from tests.test_pulse_support import enable_pulse

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]
TASK = "pulse.send_pulse"
TIMEOUT = 30
# A Redis database of its own, so other delivery tests' workers (same queue name) cannot take these tasks.
PULSE_REDIS_URL = os.environ.get("TEST_PULSE_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def redis_url():
    yield from flushed_redis(PULSE_REDIS_URL)


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


def run_sweep(celery_client):
    return celery_client.send_task(TASK).get(timeout=TIMEOUT)


def assert_each_got_one_invitation(smtp_server, expected):
    received = smtp_server.settle(1.0)
    assert smtp_server.count_by_address() == {address: 1 for address in expected}, [m["To"] for m in received]
    assert sorted(Invitation.objects.values_list("person__email", flat=True)) == expected
    assert not Invitation.objects.filter(sent_at__isnull=True).exists()


def test_sweep_on_a_worker_invites_each_member_once_even_when_run_twice(
    recipients, start_worker, celery_client, smtp_server, client
):
    start_worker("solo")

    first = run_sweep(celery_client)
    smtp_server.wait_for(len(recipients))
    second = run_sweep(celery_client)

    assert first["emails_sent"] == len(recipients) and first["emails_failed"] == 0
    assert second["emails_sent"] == 0
    assert_each_got_one_invitation(smtp_server, recipients)
    (mo,) = [m for m in smtp_server.messages if m["To"].addresses[0].addr_spec == "mo@example.test"]
    text = mo.get_body(preferencelist=("plain",)).get_content()
    link = next(word for word in text.split() if "/pulse/answer/?t=" in word)
    # The link from the real email opens the form without a session.
    page = client.get(link.split("127.0.0.1:8000", 1)[-1])
    assert page.status_code == 200 and "Send my answers" in page.content.decode()
    assert not Response.objects.exists()


def test_two_sweeps_at_once_on_two_workers_invite_each_member_once(
    recipients, start_worker, celery_client, smtp_server
):
    smtp_server.handler.pause_each = 0.3
    start_worker("left")
    start_worker("right")

    results = [celery_client.send_task(TASK) for _ in range(2)]
    answers = [result.get(timeout=TIMEOUT) for result in results]

    assert sorted(answer["worker"].split("@")[0] for answer in answers) == ["left", "right"]
    assert sum(answer["emails_sent"] for answer in answers) == len(recipients)
    assert_each_got_one_invitation(smtp_server, recipients)


def test_a_worker_killed_mid_send_is_finished_by_another_exactly_once(
    recipients, start_worker, celery_client, smtp_server
):
    lease_seconds = 2
    smtp_server.handler.pause_first = 25  # the first invitation hangs until we kill its sender
    doomed = start_worker("doomed", PULSE_CLAIM_LEASE_SECONDS=str(lease_seconds))

    celery_client.send_task(TASK)
    assert smtp_server.handler.first_started.wait(TIMEOUT), doomed.log()
    doomed.kill()
    killed_at = time.monotonic()

    assert smtp_server.messages == []
    stranded = list(Invitation.objects.all())
    assert stranded and all(invitation.sent_at is None for invitation in stranded)

    successor = start_worker("successor", PULSE_CLAIM_LEASE_SECONDS=str(lease_seconds))
    time.sleep(max(0.0, killed_at + lease_seconds + 0.5 - time.monotonic()))
    answer = run_sweep(celery_client)

    assert answer["worker"] == successor.hostname
    assert answer["emails_sent"] == len(recipients)
    assert_each_got_one_invitation(smtp_server, recipients)
