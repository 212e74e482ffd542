"""Reminders end to end: real Redis, real Celery worker subprocesses, a real SMTP server.

Each reminder must reach the mail server exactly once: when the sweep runs
twice, when two workers sweep at once, and when a worker is killed mid-sweep
and another takes over.
"""
import pytest

from postmortems.models import Membership, Reminder
from tests import factories
from tests.integration.fixtures import (  # noqa: F401 (pytest fixtures)
    celery_client, mail_sweep, redis_url, smtp_server, start_worker, worker_env,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


@pytest.fixture
def sweep(mail_sweep):
    return mail_sweep("postmortems.send_reminders", records=Reminder, lease_setting="REMINDER_CLAIM_LEASE_SECONDS")


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


def assert_each_person_got_one_email(sweep, expected):
    sweep.assert_one_email_each(expected)
    assert Reminder.objects.count() == sum(expected.values())


def test_sweep_on_a_worker_delivers_through_smtp_once_even_when_run_twice(due_work, sweep, smtp_server):
    first, second = sweep.run_twice(len(due_work))

    assert first["emails_sent"] == len(due_work)
    assert first["reminders_sent"] == sum(due_work.values())
    assert second["emails_sent"] == 0
    assert_each_person_got_one_email(sweep, due_work)

    mo = smtp_server.message_to("mo@example.test")
    assert mo.get_content_type() == "multipart/alternative"
    text = mo.get_body(preferencelist=("plain",)).get_content()
    html = mo.get_body(preferencelist=("html",)).get_content()
    assert "mo: due today" in text and "mo: due soon" in text and "mo: long overdue" in text
    assert "/actions/" in text or "#action-" in text
    assert "<a href=" in html


def test_two_sweeps_at_once_on_two_workers_deliver_each_reminder_once(due_work, sweep):
    answers = sweep.run_on_two_workers_at_once()

    # Both workers swept (one task each), and between them each reminder went out once.
    assert sum(answer["reminders_sent"] for answer in answers) == sum(due_work.values())
    assert sum(answer["emails_sent"] for answer in answers) == len(due_work)
    assert_each_person_got_one_email(sweep, due_work)


def test_a_worker_killed_mid_sweep_is_finished_by_another_exactly_once(due_work, sweep):
    stranded = sweep.kill_worker_mid_send()
    assert stranded and all(reminder.sent_at is None for reminder in stranded)

    answer = sweep.run_after_the_lease()

    assert answer["emails_sent"] == len(due_work)
    assert_each_person_got_one_email(sweep, due_work)
