"""The reminder sweep: claiming, emailing once, retrying failures; with the locmem mail backend."""
import smtplib
import time
from datetime import date, datetime, timedelta, timezone as dt_timezone
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from postmortems import claims, mail, reminders, tasks
from postmortems.models import Reminder
from tests import factories

UTC = dt_timezone.utc
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
TODAY = date(2025, 3, 10)
Reason = Reminder.Reason
pytestmark = pytest.mark.usefixtures("fast_passwords")


def days(n):
    return timedelta(days=n)


class RefusingBackend(LocmemBackend):
    """A mail server that is down: every send raises, nothing is delivered."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def incident(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout outage")


@pytest.fixture
def refusing_mail(settings):
    settings.EMAIL_BACKEND = "tests.test_reminder_sending.RefusingBackend"


def item_due(incident, owner, due_date, title="Alert on pool saturation", **fields):
    return factories.add_action_item_due_on(incident, due_date, owner=owner, title=title, **fields)


def sweep(now=NOW):
    return reminders.send_due_reminders(now=now)


def html_of(message):
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


# One email per person, with everything in it ------------------------------------------------

def test_one_email_per_person_lists_all_their_due_items(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY + days(2), title="Add a pool alert")
    item_due(incident, org.people.member, TODAY, title="Load test checkout")
    item_due(incident, org.people.author, TODAY, title="Write the runbook")

    result = sweep()

    assert result.as_dict() == {"emails_sent": 2, "reminders_sent": 3, "emails_failed": 0, "reminders_failed": 0}
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {"mo@example.test", "ada@example.test"}
    mo = by_recipient["mo@example.test"]
    assert "Add a pool alert" in mo.body and "Load test checkout" in mo.body
    assert "Write the runbook" not in mo.body
    assert mo.subject == "[Debrief] 2 action items need attention"


def test_email_has_text_and_html_with_a_link_straight_to_each_item(org, incident, mailoutbox, settings):
    settings.SITE_URL = "https://debrief.example.com"
    item = item_due(incident, org.people.member, TODAY)

    sweep()

    (message,) = mailoutbox
    url = reminders.item_url(item)
    assert url.startswith("https://debrief.example.com/")
    assert url in message.body
    assert f'href="{url}"' in html_of(message)
    assert "Due today" in message.body and "Due today" in html_of(message)
    assert message.subject == "[Debrief] Due today: Alert on pool saturation"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "https://debrief.example.com/settings/" in message.body  # where to pause reminders


def test_item_link_is_the_items_own_page(org, incident, settings):
    settings.SITE_URL = "https://debrief.example.com"
    item = item_due(incident, org.people.member, TODAY)
    assert reminders.item_url(item) == f"https://debrief.example.com/actions/{item.pk}/"


def test_titles_are_escaped_in_html_and_plain_in_text(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY, title="Fix <script> & friends")
    sweep()
    (message,) = mailoutbox
    assert "Fix <script> & friends" in message.body
    assert "Fix &lt;script&gt; &amp; friends" in html_of(message)
    assert "<script>" not in html_of(message)


def test_the_email_describes_the_state_on_the_recipients_today(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY - days(9))
    sweep()
    assert "Overdue by 9 days" in mailoutbox[0].body


# Exactly once ----------------------------------------------------------------------

def test_a_second_sweep_sends_nothing_more(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY)
    sweep()
    result = sweep(NOW + timedelta(minutes=15))
    assert result.emails_sent == 0
    assert len(mailoutbox) == 1
    reminder = Reminder.objects.get()
    assert (reminder.reason, reminder.reason_date, reminder.attempts) == (Reason.DUE_TODAY, TODAY, 1)
    assert reminder.sent_at is not None


def test_each_step_of_the_schedule_is_sent_once(org, incident, mailoutbox):
    due = TODAY + days(3)
    item_due(incident, org.people.member, due)
    for offset in range(0, 25):  # a sweep every day from 3 days before until 21 days after
        sweep(NOW + days(offset))
    sent = sorted(Reminder.objects.values_list("reason_date", "recipient__username", "reason"))
    assert sent == [
        (TODAY, "mo", Reason.BEFORE_DUE),
        (due, "mo", Reason.DUE_TODAY),
        (due + days(7), "mo", Reason.OVERDUE),
        (due + days(14), "lin", Reason.ESCALATION),
        (due + days(14), "mo", Reason.OVERDUE),
        (due + days(21), "lin", Reason.ESCALATION),
        (due + days(21), "mo", Reason.OVERDUE),
    ]
    assert len(mailoutbox) == 7


def test_after_a_long_outage_one_reminder_per_item_catches_up(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY + days(1), title="Was due soon")
    item_due(incident, org.people.member, TODAY - days(8), title="Was overdue")
    sweep()
    mailoutbox.clear()

    # The workers were down for ten days; the next sweep sends one line per item
    # (its latest step), in one email per person, not every step that was missed.
    sweep(NOW + days(10))

    assert sorted(m.to[0] for m in mailoutbox) == ["lin@example.test", "mo@example.test"]
    late = Reminder.objects.filter(claimed_at=NOW + days(10))
    assert set(late.values_list("item__title", "recipient__username", "reason", "reason_date")) == {
        ("Was due soon", "mo", Reason.OVERDUE, TODAY + days(8)),
        ("Was overdue", "mo", Reason.OVERDUE, TODAY + days(6)),
        ("Was overdue", "lin", Reason.ESCALATION, TODAY + days(6)),
    }
    assert not late.filter(sent_at__isnull=True).exists()


def test_a_fresh_claim_by_another_sweep_is_left_alone(org, incident, mailoutbox):
    item = item_due(incident, org.people.member, TODAY)
    Reminder.objects.create(item=item, recipient=org.people.member, reason=Reason.DUE_TODAY, reason_date=TODAY,
                            claimed_at=NOW - timedelta(minutes=1))
    due = reminders.due_reminders(now=NOW)
    assert reminders.claim(due[0], now=NOW) is None
    assert sweep().emails_sent == 0
    assert mailoutbox == []


def test_a_claim_left_by_a_crashed_worker_is_retried_after_the_lease(org, incident, mailoutbox, settings):
    item = item_due(incident, org.people.member, TODAY)
    Reminder.objects.create(item=item, recipient=org.people.member, reason=Reason.DUE_TODAY, reason_date=TODAY,
                            claimed_at=NOW)
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)

    assert sweep(NOW + lease - timedelta(seconds=1)).emails_sent == 0
    assert sweep(NOW + lease).emails_sent == 1
    assert sweep(NOW + lease * 3).emails_sent == 0
    assert len(mailoutbox) == 1
    assert Reminder.objects.get().sent_at is not None


def test_only_one_of_two_sweeps_takes_over_an_expired_claim(org, incident, settings):
    item = item_due(incident, org.people.member, TODAY)
    stale = Reminder.objects.create(item=item, recipient=org.people.member, reason=Reason.DUE_TODAY,
                                    reason_date=TODAY, claimed_at=NOW - days(1))
    (due,) = reminders.due_reminders(now=NOW)

    # Both sweeps read the stale row; only the first compare-and-set matches its claimed_at.
    first = reminders.claim(due, now=NOW)
    second = reminders.claim(due, now=NOW + timedelta(seconds=1))

    assert (first, second) == (stale.pk, None)
    stale.refresh_from_db()
    assert stale.claimed_at == NOW


def test_the_uniqueness_constraint_lets_only_one_claim_insert(org, incident):
    item_due(incident, org.people.member, TODAY)
    (due,) = reminders.due_reminders(now=NOW)
    assert reminders.claim(due, now=NOW) is not None
    assert reminders.claim(due, now=NOW) is None
    assert Reminder.objects.count() == 1


def test_one_claim_over_new_sent_and_lapsed_keys_wins_the_new_and_the_lapsed(org, incident, settings):
    # A first sweep's keys are all new and go in one plain insert; here one key already has a
    # sent row and one a lapsed claim, so the insert must fall back to skipping existing rows.
    owner = org.people.member
    new, sent, lapsed = (item_due(incident, owner, TODAY, title=title) for title in ("New", "Sent", "Lapsed"))
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    done = Reminder.objects.create(item=sent, recipient=owner, reason=Reason.DUE_TODAY, reason_date=TODAY,
                                   claimed_at=NOW - days(1), sent_at=NOW - days(1))
    stale = Reminder.objects.create(item=lapsed, recipient=owner, reason=Reason.DUE_TODAY, reason_date=TODAY,
                                    claimed_at=NOW - lease)
    keys = [(item.pk, owner.pk, Reason.DUE_TODAY, TODAY) for item in (new, sent, lapsed)]

    won = claims.claim_many(Reminder, reminders.KEY_FIELDS, keys, now=NOW, lease=lease, cluster_by="recipient_id")

    assert set(won) == {keys[0], keys[2]}
    assert won[keys[2]] == stale.pk
    assert Reminder.objects.get(pk=won[keys[0]]).claimed_at == NOW
    done.refresh_from_db()
    assert (done.claimed_at, done.sent_at) == (NOW - days(1), NOW - days(1))
    assert Reminder.objects.count() == 3


def test_a_batchs_new_rows_are_written_person_by_person(org, incident):
    # So that recording one email as sent rewrites its rows together (see claims.claim_many).
    items = [item_due(incident, org.people.member, TODAY, title=f"Item {n}") for n in range(3)]
    people = [org.people.member, org.people.lead, org.people.author]
    keys = [(item.pk, person.pk, Reason.ESCALATION, TODAY) for item in items for person in people]

    won = claims.claim_many(Reminder, reminders.KEY_FIELDS, keys, now=NOW, lease=reminders.lease(),
                            cluster_by="recipient_id")

    by_id = sorted(won.items(), key=lambda pair: pair[1])
    recipients = [key[1] for key, _ in by_id]
    assert recipients == sorted(recipients)
    assert [key for key, _ in by_id] == sorted(keys, key=lambda key: (key[1], key[0]))


# Failures ------------------------------------------------------------------------

def test_a_failed_send_is_not_recorded_as_sent_and_is_retried(org, incident, settings, refusing_mail, mailoutbox,
                                                               caplog):
    item_due(incident, org.people.member, TODAY)

    result = sweep()

    assert (result.emails_failed, result.reminders_failed, result.emails_sent) == (1, 1, 0)
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None
    assert reminder.attempts == 1
    assert "SMTPServerDisconnected" in reminder.last_error
    assert "mo@example.test" in caplog.text and "will be retried" in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sweep(NOW + timedelta(seconds=59)).emails_sent == 0  # still backing off after the first failure
    result = sweep(NOW + timedelta(minutes=1))  # well inside the lease: a failure releases its claim

    assert result.emails_sent == 1
    assert len(mailoutbox) == 1
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.attempts == 2 and reminder.last_error == ""


def test_one_failing_recipient_does_not_stop_the_others(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY, title="Mo's")
    item_due(incident, org.people.author, TODAY, title="Ada's")
    real_send = LocmemBackend.send_messages

    def refuse_mo(backend, messages):
        if messages[0].to == ["mo@example.test"]:
            raise smtplib.SMTPRecipientsRefused({"mo@example.test": (550, b"mailbox unavailable")})
        return real_send(backend, messages)

    with mock.patch.object(LocmemBackend, "send_messages", refuse_mo):
        result = sweep()

    assert (result.emails_sent, result.emails_failed) == (1, 1)
    assert [m.to for m in mailoutbox] == [["ada@example.test"]]
    assert set(Reminder.objects.filter(sent_at__isnull=True).values_list("item__title", flat=True)) == {"Mo's"}


def test_a_reminder_is_given_up_after_the_maximum_attempts(org, incident, refusing_mail, caplog):
    item_due(incident, org.people.member, TODAY)
    for hour in range(claims.MAX_SEND_ATTEMPTS + 3):  # hourly: the longest backoff
        sweep(NOW + timedelta(hours=hour))
    reminder = Reminder.objects.get()
    assert reminder.attempts == claims.MAX_SEND_ATTEMPTS and reminder.sent_at is None
    assert "Giving up on reminder" in caplog.text
    assert reminders.pending_reminders(now=NOW + timedelta(hours=claims.MAX_SEND_ATTEMPTS + 5)) == []


def test_the_backoff_doubles_up_to_an_hour_and_gives_up_only_after_about_a_day():
    assert [claims.retry_delay(n).total_seconds() for n in range(1, 8)] == [60, 120, 240, 480, 960, 1920, 3600]
    assert claims.retry_delay(100) == timedelta(hours=1)
    assert timedelta(hours=24) <= claims.retry_horizon() < timedelta(hours=26)


def test_each_failed_reminder_backs_off_and_is_retried_later(org, incident, refusing_mail, settings):
    item_due(incident, org.people.member, TODAY)
    sweep(NOW)
    reminder = Reminder.objects.get()
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    assert reminder.claimed_at == NOW - lease + timedelta(minutes=1)
    sweep(NOW + timedelta(minutes=1))  # second failure: now waits two minutes
    assert sweep(NOW + timedelta(minutes=2)).emails_failed == 0
    assert sweep(NOW + timedelta(minutes=3)).emails_failed == 1
    assert Reminder.objects.get().attempts == 3


def test_a_short_mail_outage_does_not_drop_the_days_reminders(org, incident, settings, refusing_mail, mailoutbox):
    item_due(incident, org.people.member, TODAY)
    # The mail server is down for two hours while sweeps run every minute (beats and task retries).
    for minute in range(120):
        sweep(NOW + timedelta(minutes=minute))
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None and reminder.attempts < 10

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = sum(sweep(NOW + timedelta(minutes=minute)).emails_sent for minute in range(120, 200, 15))

    assert sent == 1 and len(mailoutbox) == 1
    assert Reminder.objects.get().sent_at is not None


def test_a_failed_email_backs_off_each_of_its_reminders_by_its_own_attempts(org, incident, refusing_mail, settings):
    retried = item_due(incident, org.people.member, TODAY, title="Retried")
    item_due(incident, org.people.member, TODAY + days(1), title="New")
    Reminder.objects.create(item=retried, recipient=org.people.member, reason=Reason.DUE_TODAY, reason_date=TODAY,
                            claimed_at=NOW - days(1), attempts=3, last_error="refused")
    sweep()
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    assert set(Reminder.objects.values_list("item__title", "attempts", "claimed_at")) == {
        ("Retried", 4, NOW - lease + timedelta(minutes=8)),
        ("New", 1, NOW - lease + timedelta(minutes=1)),
    }


# One email that cannot be built or sent does not stop the sweep -------------------------------------

def test_a_title_with_a_line_break_is_sent_with_a_one_line_subject(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY, title="Fix the pool alert\r\nBcc: everyone@example.test")
    item_due(incident, org.people.author, TODAY, title="Write the runbook")

    result = sweep()

    assert (result.emails_sent, result.emails_failed) == (2, 0)
    mo = next(message for message in mailoutbox if message.to == ["mo@example.test"])
    assert mo.subject == "[Debrief] Due today: Fix the pool alert Bcc: everyone@example.test"
    assert "Bcc" not in mo.message()  # the title stayed in the subject, not a header of its own
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.parametrize("subject, expected", [
    ("Due today: a\nb", "Due today: a b"),
    ("a\r\n\r\nb", "a b"),
    ("  tabs\tand\x0bvertical\x0cfeeds  ", "tabs and vertical feeds"),
    ("nul\x00bell\x07del\x7f", "nul bell del"),
    ("line\u2028para\u2029next\x85end", "line para next end"),
    ("Fix <script> & “quotes” — fine", "Fix <script> & “quotes” — fine"),
])
def test_email_subjects_never_contain_line_breaks_or_control_characters(db, subject, expected):
    message = mail.build_email(to="mo@example.test", subject=subject, template="emails/reminders",
                               context={"recipient": factories.make_user("mo"), "own": [], "escalated": []})
    assert message.subject == f"[Debrief] {expected}"
    message.message()  # would raise BadHeaderError on a line break


@pytest.mark.parametrize("where", ["building", "sending"])
def test_an_unexpected_error_fails_only_that_email_and_is_retried(org, incident, mailoutbox, caplog, settings, where):
    item_due(incident, org.people.member, TODAY, title="Mo's")
    item_due(incident, org.people.author, TODAY, title="Ada's")
    item_due(incident, org.people.viewer, TODAY, title="Vic's")
    incident.viewers.add(org.people.viewer)  # vic is on Search: a published or shared incident only
    incident.status, incident.published_at = "published", NOW
    incident.save()
    real_email, real_send = reminders.reminder_email, LocmemBackend.send_messages

    def email_fails_for_mo(recipient, due):
        if recipient.email == "mo@example.test":
            raise ValueError("template blew up")
        return real_email(recipient, due)

    def send_fails_for_mo(backend, messages):
        if messages[0].to == ["mo@example.test"]:
            raise ValueError("template blew up")
        return real_send(backend, messages)

    if where == "building":
        patch = mock.patch.object(reminders, "reminder_email", email_fails_for_mo)
    else:
        patch = mock.patch.object(LocmemBackend, "send_messages", send_fails_for_mo)

    with patch:
        result = sweep()

    # mo sorts between ada and vic (by user id: ada, lin, mo, vic): the sweep went on after mo.
    assert (result.emails_sent, result.emails_failed, result.reminders_failed) == (2, 1, 1)
    assert sorted(m.to[0] for m in mailoutbox) == ["ada@example.test", "vic@example.test"]
    failed = Reminder.objects.get(sent_at__isnull=True)
    assert failed.item.title == "Mo's" and failed.attempts == 1 and "template blew up" in failed.last_error
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    assert failed.claimed_at == NOW - lease + timedelta(minutes=1)
    assert "Traceback" in caplog.text and "mo@example.test" in caplog.text

    # Fixed by the next sweep after the backoff; nothing else is sent twice.
    assert sweep(NOW + timedelta(minutes=1)).emails_sent == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["ada@example.test", "mo@example.test", "vic@example.test"]


# Queries and batches -----------------------------------------------------------------------

def owners_with_items_due(org, incident, count, *, people=None):
    """`count` items due, each in a different window of the schedule, spread over `people` owners on
    Payments (one owner per item by default)."""
    steps = [days(3), days(0), -days(7), -days(14)]  # before due, due today, overdue, escalated to lin
    owners = []
    for n in range(people or count):
        owners.append(factories.make_user(f"owner{count}x{n}"))
        factories.add_member(org.payments, owners[-1])
    for n in range(count):
        item_due(incident, owners[n % len(owners)], TODAY + steps[n % len(steps)], title=f"Item {n}")


def test_the_sweep_takes_the_same_queries_for_5_or_50_due_items(org, incident, mailoutbox, django_assert_num_queries):
    """Queries grow with the people mailed (each sent email is recorded at once), never with the items."""
    owners_with_items_due(org, incident, 5, people=5)
    with CaptureQueriesContext(connection) as few:
        assert sweep().reminders_sent == 5 + 1
    incident.action_items.all().delete()
    owners_with_items_due(org, incident, 50, people=5)

    with CaptureQueriesContext(connection) as many:
        assert sweep().reminders_sent == 50 + 12

    assert len(mailoutbox) == 2 * 6  # the same five owners and lin, each mailed once per sweep
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_sweep_of_several_batches_sends_each_email_once(org, incident, mailoutbox, monkeypatch):
    monkeypatch.setattr(claims, "BATCH_SIZE", 2)
    owners_with_items_due(org, incident, 5)

    assert sweep().as_dict() == {"emails_sent": 6, "reminders_sent": 6, "emails_failed": 0, "reminders_failed": 0}
    assert sweep().emails_sent == 0
    assert len(mailoutbox) == 6
    # Each batch is claimed at its own moment of the sweep, so later batches get a whole lease.
    assert all(claimed_at >= NOW for claimed_at in Reminder.objects.values_list("claimed_at", flat=True))


class SlowBackend(LocmemBackend):
    """A mail server that takes 0.6 s an email."""

    def send_messages(self, messages):
        time.sleep(0.6)
        return super().send_messages(messages)


def test_a_batch_stops_sending_once_half_its_lease_has_gone(org, incident, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.test_reminder_sending.SlowBackend"
    settings.REMINDER_CLAIM_LEASE_SECONDS = 1
    item_due(incident, org.people.member, TODAY, title="Mo's")
    item_due(incident, org.people.author, TODAY, title="Ada's")

    assert sweep().emails_sent == 1  # the second email would start after the claims' half-life
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 1

    assert sweep(NOW + timedelta(seconds=2)).emails_sent == 1  # its claim lapsed; a later sweep sends it
    assert sorted(m.to[0] for m in mailoutbox) == ["ada@example.test", "mo@example.test"]


# Escalation emails --------------------------------------------------------------------

def test_escalation_email_to_a_lead_lists_their_teams_overdue_items(org, incident, mailoutbox):
    item_due(incident, org.people.member, TODAY - days(14), title="Two weeks late")
    item_due(incident, org.people.author, TODAY - days(20), title="Three weeks late")
    item_due(incident, org.people.member, TODAY - days(3), title="Only a bit late")

    sweep()

    (lead_mail,) = [m for m in mailoutbox if m.to == ["lin@example.test"]]
    assert "Overdue on teams you lead" in lead_mail.body
    assert "Two weeks late" in lead_mail.body and "Three weeks late" in lead_mail.body
    assert "Only a bit late" not in lead_mail.body
    assert "owner Mo Haddad" in lead_mail.body and "Payments" in lead_mail.body
    assert "Overdue on teams you lead" in html_of(lead_mail)


def test_a_lead_gets_their_own_items_and_escalations_in_one_email(org, incident, mailoutbox):
    item_due(incident, org.people.lead, TODAY, title="Lin's own item")
    item_due(incident, org.people.member, TODAY - days(14), title="Mo's late item")

    sweep()

    (lead_mail,) = [m for m in mailoutbox if m.to == ["lin@example.test"]]
    own, escalated = lead_mail.body.split("Overdue on teams you lead")
    assert "Lin's own item" in own and "Mo's late item" in escalated


# The task and the command ---------------------------------------------------------------

def test_task_runs_the_sweep_in_process_without_redis(org, incident, mailoutbox):
    factories.add_action_item(incident, owner=org.people.member, due_in_days=0)
    result = tasks.send_reminders.delay().get()
    assert result["emails_sent"] == 1
    assert len(mailoutbox) == 1


def test_task_in_process_raises_on_failure_and_leaves_the_retry_to_the_next_sweep(org, incident, refusing_mail):
    factories.add_action_item(incident, owner=org.people.member, due_in_days=0)
    with pytest.raises(tasks.ReminderSendFailed, match="mo@example.test"):
        tasks.send_reminders.delay()
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None and reminder.attempts == 1
    assert reminders.pending_reminders() == []  # backing off
    assert len(reminders.pending_reminders(now=timezone.now() + claims.retry_delay(1))) == 1


def test_task_on_a_worker_retries_failed_sends_with_backoff(org, incident, refusing_mail):
    factories.add_action_item(incident, owner=org.people.member, due_in_days=0)
    # Called as a worker would (not eager); retry is what schedules the next attempt on the broker.
    with mock.patch.object(tasks.send_reminders, "retry", side_effect=Retry("retrying")) as retry:
        with pytest.raises(Retry):
            tasks.send_reminders.run()
    (call,) = retry.call_args_list
    assert call.kwargs["countdown"] == 60
    assert isinstance(call.kwargs["exc"], tasks.ReminderSendFailed)
    assert Reminder.objects.get().sent_at is None


def test_task_retry_backs_off_exponentially():
    assert [tasks.backoff(n) for n in range(5)] == [60, 120, 240, 480, 960]
    assert tasks.backoff(10) == 3600


def test_command_dry_run_prints_who_would_get_what_and_records_nothing(org, incident, mailoutbox, capsys):
    factories.add_action_item(incident, owner=org.people.member, title="Alert on saturation", due_in_days=0)
    call_command("send_reminders", "--dry-run")
    out = capsys.readouterr().out
    assert "mo@example.test" in out and "Due today" in out and "Alert on saturation" in out
    assert "nothing was sent or recorded" in out
    assert Reminder.objects.count() == 0
    assert mailoutbox == []


def test_command_sends_what_is_due(org, incident, mailoutbox, capsys):
    factories.add_action_item(incident, owner=org.people.member, due_in_days=0)
    call_command("send_reminders")
    assert "Sent 1 email(s) with 1 reminder(s)" in capsys.readouterr().out
    assert len(mailoutbox) == 1
    call_command("send_reminders", "--dry-run")
    assert "No reminders are due." in capsys.readouterr().out


def test_command_fails_loudly_when_mail_fails(org, incident, refusing_mail):
    factories.add_action_item(incident, owner=org.people.member, due_in_days=0)
    with pytest.raises(CommandError, match="Some reminder emails failed"):
        call_command("send_reminders")
    assert Reminder.objects.get().sent_at is None


class StopLoop(Exception):
    """Raised by the patched sleep to end a --loop run in a test."""


def test_command_loop_survives_a_failing_sweep(db, capsys, caplog):
    sweeps = mock.Mock(side_effect=[RuntimeError("database went away"), reminders.SweepResult(emails_sent=1)])
    with (
        mock.patch.object(reminders, "send_due_reminders", sweeps),
        mock.patch("postmortems.management.commands.send_reminders.close_old_connections") as close,
        mock.patch("time.sleep", side_effect=[None, StopLoop]),
    ):
        with pytest.raises(StopLoop):
            call_command("send_reminders", "--loop", "--interval", "1")
    assert sweeps.call_count == 2
    assert close.called
    captured = capsys.readouterr()
    assert "Reminder sweep failed" in captured.err and "database went away" in captured.err
    assert "Sent 1 email(s)" in captured.out
    assert "Traceback" in caplog.text


def test_an_ownerless_overdue_item_is_escalated_to_the_lead(org, incident, mailoutbox):
    item_due(incident, None, TODAY - days(14), title="Nobody's item")

    result = sweep()

    assert (result.emails_sent, result.reminders_sent) == (1, 1)
    (lead_mail,) = mailoutbox
    assert lead_mail.to == ["lin@example.test"]
    assert "Nobody's item" in lead_mail.body and "no owner" in lead_mail.body
    assert "no owner" in html_of(lead_mail)
    assert Reminder.objects.get().reason == Reason.ESCALATION
