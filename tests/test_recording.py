"""Sent emails recorded on a second connection (postmortems.recording), on committed data in PostgreSQL.

The sweeps write each email's record while building the next email; what a user
relies on is that no email is ever handed to the mail server while an earlier one
of the sweep is still unrecorded (a worker killed there would send both again), and
that a lost connection costs no record.
"""
import logging

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import OperationalError, connection

from postmortems import claims, recording, reminders
from postmortems.models import Membership, Reminder
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a second connection sees only committed rows"),
]

OWNERS = ("mo", "ada", "uma", "oz")


@pytest.fixture
def due_work():
    """Four owners with two items due each: a sweep sends four emails of two reminders."""
    team = factories.make_team("Payments")
    incident = factories.make_postmortem(team, title="Checkout outage")
    for name in OWNERS:
        owner = factories.make_user(name)
        factories.add_member(team, owner, Membership.Role.MEMBER)
        factories.add_action_item(incident, owner=owner, title=f"{name}: due today", due_in_days=0)
        factories.add_action_item(incident, owner=owner, title=f"{name}: due soon", due_in_days=2)


class WatchingBackend(LocmemBackend):
    """Delivers as locmem does, noting as each email goes out how many of the sweep's reminders are unsent."""

    unsent_at_each_send = []
    on_send = None

    def send_messages(self, messages):
        # A fresh look from the sweep's own connection: only what the second connection committed.
        WatchingBackend.unsent_at_each_send.append(Reminder.objects.filter(sent_at__isnull=True).count())
        if WatchingBackend.on_send:
            WatchingBackend.on_send()
        return super().send_messages(messages)


@pytest.fixture
def watching_mail(settings):
    settings.EMAIL_BACKEND = "tests.test_recording.WatchingBackend"
    WatchingBackend.unsent_at_each_send = []
    WatchingBackend.on_send = None
    yield WatchingBackend
    WatchingBackend.on_send = None


@pytest.fixture
def slow_records():
    """Every record of a send takes a fifth of a second in the database, so an email sent before
    the previous record committed would find that record still unsent."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION test_slow_record() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$ BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END $$")
        cursor.execute("CREATE TRIGGER test_slow_record BEFORE UPDATE OF sent_at ON postmortems_reminder "
                       "FOR EACH STATEMENT EXECUTE FUNCTION test_slow_record()")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_slow_record ON postmortems_reminder")
        cursor.execute("DROP FUNCTION test_slow_record()")


def test_each_email_goes_out_only_once_every_earlier_one_is_recorded(due_work, watching_mail, mailoutbox,
                                                                     slow_records):
    result = reminders.send_due_reminders()

    assert result.emails_sent == len(OWNERS)
    # When the n-th email went out, only its own two reminders and those of the emails after it were unsent.
    total = 2 * len(OWNERS)
    assert watching_mail.unsent_at_each_send == [total - 2 * n for n in range(len(OWNERS))]
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}
    assert reminders.send_due_reminders().emails_sent == 0
    assert len(mailoutbox) == len(OWNERS)


def test_a_lost_second_connection_costs_no_record(due_work, watching_mail, mailoutbox, caplog):
    def cut_other_connections():
        # From the third email on, the second connection is gone (a restart, a network cut).
        if len(watching_mail.unsent_at_each_send) == 3:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    watching_mail.on_send = cut_other_connections

    with caplog.at_level(logging.WARNING, logger="postmortems.recording"):
        result = reminders.send_due_reminders()

    assert result.emails_sent == len(OWNERS)
    assert "recording them inline" in caplog.text
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert reminders.send_due_reminders().emails_sent == 0
    assert len(mailoutbox) == len(OWNERS)


def test_a_record_that_cannot_be_written_anywhere_stops_the_sweep_before_the_next_email(
        due_work, watching_mail, mailoutbox, monkeypatch):
    # The second connection is cut as the second email goes out, and the sweep's own connection
    # cannot write that email's record either (a database restart, a lock timeout).
    def cut_other_connections():
        if len(watching_mail.unsent_at_each_send) == 2:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def refuse(model, ids):
        raise OperationalError("the server closed the connection unexpectedly")

    watching_mail.on_send = cut_other_connections
    monkeypatch.setattr(claims, "record_sent", refuse)

    with pytest.raises(OperationalError):
        reminders.send_due_reminders()

    # Two emails went out and the sweep stopped: the second is the one email sent but unrecorded.
    assert len(mailoutbox) == 2
    assert watching_mail.unsent_at_each_send == [8, 6]
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2


def test_inside_a_transaction_records_go_through_the_sweeps_own_connection(due_work):
    # A second connection could not see claims that are not committed yet.
    from django.db import transaction

    with transaction.atomic():
        assert recording.Recorder(Reminder, None).inline
    assert not recording.Recorder(Reminder, None).inline
