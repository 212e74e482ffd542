"""The digest sweep: exactly once per person per week, claims, leases, retries; with the locmem backend."""
import smtplib
import threading
from datetime import date, datetime, timedelta, timezone as dt_timezone
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from postmortems import claims, digest, tasks
from postmortems.models import Digest
from tests import factories

UTC = dt_timezone.utc
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)  # Monday, just after everyone's (UTC) 09:00
WEEK = date(2025, 3, 10)
pytestmark = pytest.mark.usefixtures("fast_passwords")


class RefusingBackend(LocmemBackend):
    """A mail server that is down: every send raises, nothing is delivered."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowBackend(LocmemBackend):
    """A slow mail server, so that two concurrent sweeps overlap."""

    def send_messages(self, messages):
        threading.Event().wait(0.2)
        return super().send_messages(messages)


@pytest.fixture
def refusing_mail(settings):
    settings.EMAIL_BACKEND = "tests.test_digest_sending.RefusingBackend"


@pytest.fixture
def people(db):
    """Three people who all get the digest at Monday 09:00 UTC (the default)."""
    return [factories.make_user(name) for name in ("ada", "mo", "uma")]


@pytest.fixture
def clock():
    """The task and the command read the real clock: stop it at NOW (a Monday after 09:00 UTC)."""
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def sweep(now=NOW, **kwargs):
    return digest.send_due_digests(now=now, **kwargs)


def lease(settings):
    return timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS)


def addresses(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


# Exactly once -------------------------------------------------------------------------

def test_each_person_gets_one_digest_and_a_row_for_the_week(people, mailoutbox):
    result = sweep()

    assert result.as_dict() == {"emails_sent": 3, "emails_failed": 0}
    assert addresses(mailoutbox) == ["ada@example.test", "mo@example.test", "uma@example.test"]
    rows = Digest.objects.all()
    assert {(row.person.username, row.week, row.attempts) for row in rows} == {
        ("ada", WEEK, 1), ("mo", WEEK, 1), ("uma", WEEK, 1),
    }
    assert all(row.sent_at is not None and row.claimed_at == NOW for row in rows)


def test_a_second_sweep_the_same_week_sends_nothing(people, mailoutbox):
    sweep()
    assert sweep().emails_sent == 0
    assert sweep(NOW + timedelta(days=3)).emails_sent == 0  # Thursday: still this week
    assert len(mailoutbox) == 3
    assert Digest.objects.count() == 3


def test_next_week_brings_the_next_digest(people, mailoutbox):
    sweep()
    assert sweep(NOW + timedelta(days=7)).emails_sent == 3
    assert set(Digest.objects.values_list("week", flat=True)) == {WEEK, WEEK + timedelta(days=7)}
    assert len(mailoutbox) == 6


def test_two_sweeps_that_both_saw_the_digest_pending_send_it_once(people, mailoutbox):
    # Both sweeps read the pending list before either claimed: the insert decides.
    first = digest.pending_digests(now=NOW)
    second = digest.pending_digests(now=NOW)
    assert len(first) == len(second) == 3

    claims = [(digest.claim(a, now=NOW), digest.claim(b, now=NOW)) for a, b in zip(first, second)]

    assert all(mine is not None and theirs is None for mine, theirs in claims)
    assert Digest.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_in_threads_send_each_digest_once(people, mailoutbox, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's in-memory test database serialises them)")
    settings.EMAIL_BACKEND = "tests.test_digest_sending.SlowBackend"
    start = threading.Barrier(3)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(sweep())
        except Exception as error:  # a failure in a thread must fail the test, not vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert sum(result.emails_sent for result in results) == 3
    assert addresses(mailoutbox) == ["ada@example.test", "mo@example.test", "uma@example.test"]
    assert Digest.objects.filter(sent_at__isnull=False).count() == 3


def add_overdue_items(people, count):
    """`count` overdue items on their team's incident, dealt out to the people in turn."""
    team = factories.make_team()
    for person in people:
        factories.add_member(team, person)
    incident = factories.make_postmortem(team, title="Checkout outage")
    for n in range(count):
        factories.add_action_item_due_on(incident, WEEK - timedelta(days=1 + n % 7), owner=people[n % len(people)],
                                         title=f"Item {n}")


def test_the_sweep_takes_the_same_queries_for_5_or_50_open_items(people, mailoutbox, django_assert_max_num_queries):
    add_overdue_items(people, 5)
    with django_assert_max_num_queries(80) as few:  # building each digest is most of it
        assert sweep().emails_sent == 3
    Digest.objects.all().delete()
    add_overdue_items(people, 45)

    with CaptureQueriesContext(connection) as many:
        assert sweep().emails_sent == 3

    assert len(many.captured_queries) == len(few.captured_queries)
    ada = next(message for message in mailoutbox[3:] if message.to == ["ada@example.test"])
    assert "and 7 more" in ada.body  # 17 overdue items, 10 listed: the long list really was built


def test_building_a_sweeps_digests_takes_the_same_queries_for_3_or_12_people(people, mailoutbox):
    """Digests are built a batch at a time: only recording each sent email (at once) grows with the people."""
    everyone = people + [factories.make_user(f"new{n}") for n in range(9)]
    add_overdue_items(everyone, 60)
    with CaptureQueriesContext(connection) as few:
        assert sweep(people=digest.recipients().filter(pk__in=[person.pk for person in people])).emails_sent == 3
    Digest.objects.all().delete()

    with CaptureQueriesContext(connection) as many:
        assert sweep(people=digest.recipients()).emails_sent == 12

    assert len(many.captured_queries) == len(few.captured_queries) + 9


def test_a_sweep_of_several_batches_sends_each_digest_once_with_its_own_content(people, mailoutbox, monkeypatch):
    monkeypatch.setattr(claims, "BATCH_SIZE", 2)
    add_overdue_items(people, 6)

    assert sweep().emails_sent == 3
    assert sweep().emails_sent == 0
    assert addresses(mailoutbox) == ["ada@example.test", "mo@example.test", "uma@example.test"]
    for message in mailoutbox:
        assert "2 of your action items overdue" in message.subject


def test_the_uniqueness_constraint_allows_one_row_per_person_and_week(people):
    from django.db import IntegrityError, transaction

    Digest.objects.create(person=people[0], week=WEEK)
    with pytest.raises(IntegrityError), transaction.atomic():
        Digest.objects.create(person=people[0], week=WEEK)
    Digest.objects.create(person=people[0], week=WEEK + timedelta(days=7))


# Claims and leases ----------------------------------------------------------------------

def test_a_fresh_claim_by_another_sweep_is_left_alone(people, mailoutbox):
    Digest.objects.create(person=people[0], week=WEEK, claimed_at=NOW - timedelta(minutes=1))
    assert sweep().emails_sent == 2
    assert "ada@example.test" not in addresses(mailoutbox)


def test_a_claim_left_by_a_crashed_worker_is_retried_after_the_lease(people, mailoutbox, settings):
    ada = people[0]
    Digest.objects.create(person=ada, week=WEEK, claimed_at=NOW)

    sweep(NOW, people=[ada])
    assert sweep(NOW + lease(settings) - timedelta(seconds=1), people=[ada]).emails_sent == 0
    assert sweep(NOW + lease(settings), people=[ada]).emails_sent == 1
    assert sweep(NOW + lease(settings) * 3, people=[ada]).emails_sent == 0
    assert addresses(mailoutbox) == ["ada@example.test"]
    assert Digest.objects.get().sent_at is not None


def test_only_one_of_two_sweeps_takes_over_an_expired_claim(people):
    stale = Digest.objects.create(person=people[0], week=WEEK, claimed_at=NOW - timedelta(days=1))
    (due,) = [d for d in digest.pending_digests(now=NOW) if d.person == people[0]]

    first = digest.claim(due, now=NOW)
    second = digest.claim(due, now=NOW + timedelta(seconds=1))

    assert (first, second) == (stale.pk, None)
    stale.refresh_from_db()
    assert stale.claimed_at == NOW


# Failures ----------------------------------------------------------------------------------

def test_a_failed_send_is_not_recorded_as_sent_is_logged_and_retried_after_a_backoff(
    people, settings, refusing_mail, mailoutbox, caplog
):
    ada = people[0]
    result = sweep(people=[ada])

    assert (result.emails_sent, result.emails_failed) == (0, 1)
    row = Digest.objects.get()
    assert row.sent_at is None and row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert "ada@example.test" in caplog.text and "retrying in 0:01:00" in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sweep(NOW + timedelta(seconds=59), people=[ada]).emails_sent == 0  # still backing off
    assert sweep(NOW + timedelta(minutes=1), people=[ada]).emails_sent == 1

    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2 and row.last_error == ""
    assert addresses(mailoutbox) == ["ada@example.test"]


def test_the_backoff_doubles_up_to_an_hour():
    assert [claims.retry_delay(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 960, 1920]
    assert claims.retry_delay(20) == timedelta(hours=1)


def test_a_mail_outage_of_several_hours_does_not_drop_the_weeks_digest(people, settings, refusing_mail, mailoutbox):
    ada = people[0]
    # Down for six hours while the beat sweeps every quarter hour.
    for quarter in range(6 * 4):
        sweep(NOW + timedelta(minutes=15 * quarter), people=[ada])
    row = Digest.objects.get()
    assert row.sent_at is None and row.attempts >= 10

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = sum(sweep(NOW + timedelta(hours=6, minutes=15 * quarter), people=[ada]).emails_sent for quarter in range(5))

    assert sent == 1 and addresses(mailoutbox) == ["ada@example.test"]


def test_backoff_grows_between_failed_attempts(people, refusing_mail):
    ada = people[0]
    sweep(NOW, people=[ada])
    sweep(NOW + timedelta(minutes=1), people=[ada])  # second attempt: now waits two minutes
    assert sweep(NOW + timedelta(minutes=2), people=[ada]).emails_failed == 0
    assert sweep(NOW + timedelta(minutes=3), people=[ada]).emails_failed == 1
    assert Digest.objects.get().attempts == 3


def test_one_failing_recipient_does_not_stop_the_others(people, mailoutbox):
    real_send = LocmemBackend.send_messages

    def refuse_mo(backend, messages):
        if messages[0].to == ["mo@example.test"]:
            raise smtplib.SMTPRecipientsRefused({"mo@example.test": (550, b"mailbox unavailable")})
        return real_send(backend, messages)

    with mock.patch.object(LocmemBackend, "send_messages", refuse_mo):
        result = sweep()

    assert (result.emails_sent, result.emails_failed) == (2, 1)
    assert addresses(mailoutbox) == ["ada@example.test", "uma@example.test"]
    assert list(Digest.objects.filter(sent_at__isnull=True).values_list("person__username", flat=True)) == ["mo"]


@pytest.mark.parametrize("where", ["building", "sending"])
def test_an_unexpected_error_fails_only_that_digest_and_is_retried(people, mailoutbox, caplog, settings, where):
    real_highlights, real_send = digest.trend_highlights, LocmemBackend.send_messages

    def build_fails_for_mo(reader, *args, **kwargs):
        # Fails the batch the three are built in; the sweep then builds each alone, so only mo's fails.
        if reader.person.email == "mo@example.test":
            raise ValueError("a section blew up")
        return real_highlights(reader, *args, **kwargs)

    def send_fails_for_mo(backend, messages):
        if messages[0].to == ["mo@example.test"]:
            raise ValueError("a section blew up")
        return real_send(backend, messages)

    if where == "building":
        patch = mock.patch.object(digest, "trend_highlights", build_fails_for_mo)
    else:
        patch = mock.patch.object(LocmemBackend, "send_messages", send_fails_for_mo)
    with patch:
        result = sweep()

    # mo comes between ada and uma: the sweep went on after mo.
    assert (result.emails_sent, result.emails_failed) == (2, 1)
    assert addresses(mailoutbox) == ["ada@example.test", "uma@example.test"]
    row = Digest.objects.get(sent_at__isnull=True)
    assert row.person.username == "mo" and row.attempts == 1 and "a section blew up" in row.last_error
    assert row.claimed_at == NOW - lease(settings) + timedelta(minutes=1)
    assert "Traceback" in caplog.text and "mo@example.test" in caplog.text

    assert sweep(NOW + timedelta(minutes=1)).emails_sent == 1
    assert addresses(mailoutbox) == ["ada@example.test", "mo@example.test", "uma@example.test"]


def test_a_digest_is_given_up_after_the_maximum_attempts(people, refusing_mail, caplog):
    ada = people[0]
    for hour in range(claims.MAX_SEND_ATTEMPTS + 3):
        sweep(NOW + timedelta(hours=hour), people=[ada])
    row = Digest.objects.get()
    assert row.attempts == claims.MAX_SEND_ATTEMPTS and row.sent_at is None
    assert "Giving up on digest" in caplog.text
    assert digest.pending_digests(now=NOW + timedelta(days=1), people=[ada]) == []


def test_opting_out_stops_the_digest(people, mailoutbox):
    factories.set_profile(people[1], digest_opt_in=False)
    sweep()
    assert "mo@example.test" not in addresses(mailoutbox)


# The task and the command ---------------------------------------------------------------

pytest_clock = pytest.mark.usefixtures("clock")

def test_task_runs_the_sweep_in_process_without_redis(people, mailoutbox):
    result = tasks.send_digests.delay().get()
    assert result["emails_sent"] == 3
    assert len(mailoutbox) == 3


@pytest_clock
def test_task_in_process_raises_on_failure(people, refusing_mail):
    with pytest.raises(tasks.DigestSendFailed, match="ada@example.test"):
        tasks.send_digests.delay()
    assert not Digest.objects.filter(sent_at__isnull=False).exists()


@pytest_clock
def test_task_on_a_worker_retries_failed_sends_with_backoff(people, refusing_mail):
    with mock.patch.object(tasks.send_digests, "retry", side_effect=Retry("retrying")) as retry:
        with pytest.raises(Retry):
            tasks.send_digests.run()
    (call,) = retry.call_args_list
    assert call.kwargs["countdown"] == 60
    assert isinstance(call.kwargs["exc"], tasks.DigestSendFailed)


def test_beat_runs_the_digest_sweep_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-digests"]
    assert entry["task"] == tasks.send_digests.name == "postmortems.send_digests"
    assert entry["schedule"] == 15 * 60


@pytest_clock
def test_command_sends_what_is_due_once(people, mailoutbox, capsys):
    call_command("send_digest")
    assert "Sent 3 digest(s); 0 failed." in capsys.readouterr().out
    call_command("send_digest")
    assert "Sent 0 digest(s)" in capsys.readouterr().out
    assert len(mailoutbox) == 3


@pytest_clock
def test_command_user_limits_the_sweep_to_one_person(people, mailoutbox, capsys):
    call_command("send_digest", "--user", "MO@example.test")
    assert addresses(mailoutbox) == ["mo@example.test"]
    assert list(Digest.objects.values_list("person__username", flat=True)) == ["mo"]


@pytest_clock
def test_command_dry_run_lists_who_is_due_and_records_nothing(people, mailoutbox, capsys):
    call_command("send_digest", "--dry-run")
    out = capsys.readouterr().out
    assert "ada@example.test" in out and "3 digest(s) due now." in out
    assert "nothing was sent or recorded" in out
    assert Digest.objects.count() == 0 and mailoutbox == []


@pytest_clock
def test_command_dry_run_for_one_user_prints_their_digest_as_text(org, mailoutbox, capsys):
    incident = factories.make_postmortem(org.payments, title="Checkout latency", authors=[org.people.author])
    factories.add_action_item(incident, owner=org.people.member, title="Add a pool alert", due_in_days=-2)

    call_command("send_digest", "--dry-run", "--user", "mo@example.test")

    out = capsys.readouterr().out
    assert "To: mo@example.test" in out
    assert "Subject: [Debrief] Your weekly digest" in out
    assert "YOUR ACTION ITEMS" in out and "Add a pool alert" in out
    assert "<html" not in out
    assert Digest.objects.count() == 0 and mailoutbox == []


@pytest_clock
def test_command_rejects_an_unknown_address(db):
    with pytest.raises(CommandError, match="nobody@example.test"):
        call_command("send_digest", "--user", "nobody@example.test")


@pytest_clock
def test_command_fails_loudly_when_mail_fails(people, refusing_mail):
    with pytest.raises(CommandError, match="Some digests failed"):
        call_command("send_digest")
    assert not Digest.objects.filter(sent_at__isnull=False).exists()


class StopLoop(Exception):
    """Raised by the patched sleep to end a --loop run in a test."""


def test_command_loop_survives_a_failing_sweep(db, capsys, caplog):
    sweeps = mock.Mock(side_effect=[RuntimeError("database went away"), digest.SweepResult(emails_sent=2)])
    with (
        mock.patch.object(digest, "send_due_digests", sweeps),
        mock.patch("postmortems.management.commands.send_digest.close_old_connections") as close,
        mock.patch("time.sleep", side_effect=[None, StopLoop]),
    ):
        with pytest.raises(StopLoop):
            call_command("send_digest", "--loop", "--interval", "1")
    assert sweeps.call_count == 2
    assert close.called
    captured = capsys.readouterr()
    assert "Digest sweep failed" in captured.err and "database went away" in captured.err
    assert "Sent 2 digest(s)" in captured.out
    assert "Traceback" in caplog.text
