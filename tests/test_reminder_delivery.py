"""Reminders end to end: real Redis, real Celery worker subprocesses, a real SMTP server.

Each reminder must reach the mail server exactly once: when the sweep runs
twice, when two workers sweep at once, and when a worker is killed mid-sweep
and another takes over.
"""
import time

import pytest

from postmortems.models import Membership, Reminder
from tests import factories
from tests.integration.fixtures import (  # noqa: F401 (pytest fixtures)
    celery_client, redis_url, smtp_server, start_worker, worker_env,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]
TASK = "postmortems.send_reminders"
TIMEOUT = 30


def run_sweep(celery_client):
    """Send the sweep task through Redis and wait for a worker's answer."""
    return celery_client.send_task(TASK).get(timeout=TIMEOUT)


@pytest.fixture
def due_work():
    """Committed data a worker can see: {email address: reminders it should get in its one email}."""
    team = factories.make_team("Payments")
    lead = factories.make_user("lin", first_name="Lin")
    factories.add_member(team, lead, Membership.Role.LEAD)
    owners = [factories.make_user(name) for name in ("mo", "ada", "uma", "oz", "vic")]
    for owner in owners:
        factories.add_member(team, owner)
    incident = factories.make_postmortem(team, authors=owners[:1], title="Checkout outage")
    expected = {}
    for n, owner in enumerate(owners):
        factories.add_action_item(incident, owner=owner, title=f"{owner.username}: due today", due_in_days=0)
        factories.add_action_item(incident, owner=owner, title=f"{owner.username}: due soon", due_in_days=2)
        expected[owner.email] = 2
    # Fifteen days late: the owner is reminded and the lead is told.
    factories.add_action_item(incident, owner=owners[0], title="mo: long overdue", due_in_days=-15)
    expected[owners[0].email] += 1
    expected[lead.email] = 1
    return expected


def assert_each_person_got_one_email(smtp_server, expected):
    received = smtp_server.settle(1.0)
    assert smtp_server.count_by_address() == {address: 1 for address in expected}, [m["To"] for m in received]
    assert Reminder.objects.count() == sum(expected.values())
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_sweep_on_a_worker_delivers_through_smtp_once_even_when_run_twice(
    due_work, start_worker, celery_client, smtp_server
):
    start_worker("solo")

    first = run_sweep(celery_client)
    smtp_server.wait_for(len(due_work))
    second = run_sweep(celery_client)

    assert first["emails_sent"] == len(due_work)
    assert first["reminders_sent"] == sum(due_work.values())
    assert second["emails_sent"] == 0
    assert_each_person_got_one_email(smtp_server, due_work)

    (mo,) = [m for m in smtp_server.messages if m["To"].addresses[0].addr_spec == "mo@example.test"]
    assert mo.get_content_type() == "multipart/alternative"
    text = mo.get_body(preferencelist=("plain",)).get_content()
    html = mo.get_body(preferencelist=("html",)).get_content()
    assert "mo: due today" in text and "mo: due soon" in text and "mo: long overdue" in text
    assert "/actions/" in text or "#action-" in text
    assert "<a href=" in html


def test_two_sweeps_at_once_on_two_workers_deliver_each_reminder_once(
    due_work, start_worker, celery_client, smtp_server
):
    smtp_server.handler.pause_each = 0.3  # slow mail keeps both sweeps running side by side
    start_worker("left")
    start_worker("right")

    results = [celery_client.send_task(TASK) for _ in range(2)]
    answers = [result.get(timeout=TIMEOUT) for result in results]

    # Both workers swept (one task each), and between them each reminder went out once.
    assert sorted(answer["worker"].split("@")[0] for answer in answers) == ["left", "right"]
    assert sum(answer["reminders_sent"] for answer in answers) == sum(due_work.values())
    assert sum(answer["emails_sent"] for answer in answers) == len(due_work)
    assert_each_person_got_one_email(smtp_server, due_work)


def test_a_worker_killed_mid_sweep_is_finished_by_another_exactly_once(
    due_work, start_worker, celery_client, smtp_server
):
    lease_seconds = 2
    smtp_server.handler.pause_first = 25  # the first email hangs until we kill its sender
    doomed = start_worker("doomed", REMINDER_CLAIM_LEASE_SECONDS=str(lease_seconds))

    celery_client.send_task(TASK)
    assert smtp_server.handler.first_started.wait(TIMEOUT), doomed.log()
    doomed.kill()
    killed_at = time.monotonic()

    assert smtp_server.messages == []
    stranded = Reminder.objects.filter(sent_at__isnull=True)
    assert stranded.exists() and not Reminder.objects.filter(sent_at__isnull=False).exists()

    successor = start_worker("successor", REMINDER_CLAIM_LEASE_SECONDS=str(lease_seconds))
    time.sleep(max(0.0, killed_at + lease_seconds + 0.5 - time.monotonic()))  # the dead worker's lease runs out
    answer = run_sweep(celery_client)

    assert answer["worker"] == successor.hostname
    assert answer["emails_sent"] == len(due_work)
    assert_each_person_got_one_email(smtp_server, due_work)
