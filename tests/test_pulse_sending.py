"""The pulse invitation sweep: exactly once per person per period, claims, leases and retries (locmem mail)."""
import smtplib
import threading
from datetime import date, datetime, timedelta, timezone as dt_timezone
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import connection

from postmortems import claims
from pulse import answers, sending, tasks
from pulse.models import Invitation, Period
from tests import factories
from tests.test_pulse_support import answer, enable_pulse, fill

UTC = dt_timezone.utc
NOW = datetime(2025, 3, 11, 10, 30, tzinfo=UTC)  # Tuesday, just after the default Tuesday 10:00 (UTC)
PERIOD = date(2025, 3, 10)
PAYMENTS = ["ada@example.test", "lin@example.test", "mo@example.test"]
pytestmark = pytest.mark.usefixtures("fast_passwords")


class RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowBackend(LocmemBackend):
    def send_messages(self, messages):
        threading.Event().wait(0.2)
        return super().send_messages(messages)


@pytest.fixture
def pulse_on(org):
    enable_pulse(org.payments)
    return org


@pytest.fixture
def clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def sweep(now=NOW):
    return sending.send_due_invitations(now=now)


def addresses(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def link_in(message):
    return next(word for word in message.body.split() if "/pulse/answer/?t=" in word)


# Exactly once ---------------------------------------------------------------------------

def test_each_member_gets_one_invitation_with_a_row_for_the_period(pulse_on, mailoutbox):
    result = sweep()

    assert result.as_dict() == {"emails_sent": 3, "emails_failed": 0}
    assert addresses(mailoutbox) == PAYMENTS
    rows = Invitation.objects.all()
    assert {(row.person.email, row.period_start, row.attempts) for row in rows} == {
        (email, PERIOD, 1) for email in PAYMENTS
    }
    assert all(row.sent_at is not None for row in rows)


def test_a_second_sweep_the_same_period_sends_nothing(pulse_on, mailoutbox):
    sweep()
    again = sweep(NOW + timedelta(days=3))

    assert again.emails_sent == 0 and len(mailoutbox) == 3


def test_the_next_period_brings_the_next_invitation(pulse_on, mailoutbox):
    sweep()
    sweep(NOW + timedelta(days=7))

    assert len(mailoutbox) == 6
    assert sorted(set(Invitation.objects.values_list("period_start", flat=True))) == [PERIOD, date(2025, 3, 17)]


def test_fortnightly_teams_are_asked_once_a_fortnight(pulse_on, mailoutbox):
    enable_pulse(pulse_on.payments, cadence="fortnightly", anchor=PERIOD)
    for day in range(0, 28):
        sweep(NOW + timedelta(days=day))

    assert len(mailoutbox) == 6
    assert sorted(set(Invitation.objects.values_list("period_start", flat=True))) == [PERIOD, date(2025, 3, 24)]


def test_nobody_is_asked_before_the_teams_day_and_hour(pulse_on, mailoutbox):
    assert sweep(datetime(2025, 3, 11, 9, 59, tzinfo=UTC)).emails_sent == 0
    assert mailoutbox == []


def test_each_member_is_asked_at_the_hour_in_their_own_zone(pulse_on, mailoutbox):
    factories.set_profile(pulse_on.people.member, timezone="America/New_York")  # 10:00 there is 14:00 UTC

    sweep(datetime(2025, 3, 11, 13, 30, tzinfo=UTC))
    early = addresses(mailoutbox)
    sweep(datetime(2025, 3, 11, 14, 5, tzinfo=UTC))

    assert early == ["ada@example.test", "lin@example.test"]
    assert addresses(mailoutbox) == PAYMENTS


def test_teams_with_the_pulse_off_are_not_asked(org, mailoutbox):
    assert sweep().emails_sent == 0


def test_inactive_people_and_people_without_an_address_are_not_asked(pulse_on, mailoutbox):
    pulse_on.people.author.is_active = False
    pulse_on.people.author.save()
    pulse_on.people.lead.email = ""
    pulse_on.people.lead.save()

    sweep()

    assert addresses(mailoutbox) == ["mo@example.test"]


def test_someone_who_answered_in_the_app_is_not_asked(pulse_on, mailoutbox):
    from pulse import periods

    answer(pulse_on.people.member, periods.period_for(pulse_on.payments, PERIOD))

    sweep()

    assert "mo@example.test" not in addresses(mailoutbox) and len(mailoutbox) == 2


def test_the_email_carries_a_working_private_link_and_no_results(pulse_on, mailoutbox, clock, client):
    fill(pulse_on.payments, 5, start=date(2025, 3, 3), score=2)  # last week's results exist
    sweep()

    message = next(m for m in mailoutbox if m.to == ["mo@example.test"])
    html = message.alternatives[0][0]
    link = link_in(message)

    assert "Payments" in message.subject and "I can raise a problem without fear." in message.body
    assert link in html.replace("&amp;", "&")
    assert "2.0" not in message.body + html and "responses" not in message.body + html
    ticket = answers.ticket_from_token(link.split("?t=")[1], now=NOW)
    assert ticket.person == pulse_on.people.member and ticket.period.start == PERIOD
    # The secret is in the email only: nothing stored holds it.
    assert ticket.secret not in repr(list(Invitation.objects.values()))


def test_each_email_gets_its_own_secret(pulse_on, mailoutbox):
    sweep()

    secrets = {answers.ticket_from_token(link_in(m).split("?t=")[1], now=NOW).secret for m in mailoutbox}

    assert len(secrets) == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_in_threads_send_each_invitation_once(pulse_on, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.test_pulse_sending.SlowBackend"
    start = threading.Barrier(3)
    errors = []

    def run():
        try:
            start.wait(5)
            sweep()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert addresses(mailoutbox) == PAYMENTS
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 3


def test_a_claim_left_by_a_crashed_worker_is_retried_after_the_lease(pulse_on, mailoutbox, settings):
    due = sending.pending_invitations(now=NOW)
    claims.claim_many(Invitation, sending.KEY_FIELDS, [d.key for d in due], now=NOW, lease=sending.lease())

    assert sweep(NOW + timedelta(seconds=5)).emails_sent == 0
    later = sweep(NOW + sending.lease() + timedelta(seconds=1))

    assert later.emails_sent == 3 and addresses(mailoutbox) == PAYMENTS


def test_a_failed_send_is_released_and_retried_after_a_backoff(pulse_on, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.test_pulse_sending.RefusingBackend"
    failed = sweep()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    soon = sweep(NOW + timedelta(seconds=30))
    later = sweep(NOW + sending.lease() + timedelta(minutes=2))

    assert failed.as_dict() == {"emails_sent": 0, "emails_failed": 3}
    assert soon.emails_sent == 0 and later.emails_sent == 3
    assert set(Invitation.objects.values_list("attempts", flat=True)) == {2}


# Task, beat and command ----------------------------------------------------------------

def test_task_runs_the_sweep_in_process(pulse_on, mailoutbox, clock):
    result = tasks.send_pulse.apply().get()

    assert result["emails_sent"] == 3


def test_task_in_process_raises_on_failure(pulse_on, settings, clock):
    settings.EMAIL_BACKEND = "tests.test_pulse_sending.RefusingBackend"

    with pytest.raises(tasks.PulseSendFailed, match="mo@example.test"):
        tasks.send_pulse.delay()


def test_task_on_a_worker_retries_failed_sends(pulse_on, settings, clock):
    settings.EMAIL_BACKEND = "tests.test_pulse_sending.RefusingBackend"
    with mock.patch.object(tasks.send_pulse, "retry", side_effect=Retry("retrying")) as retry:
        with pytest.raises(Retry):
            tasks.send_pulse.run()
    (call,) = retry.call_args_list
    assert call.kwargs["countdown"] == 60 and isinstance(call.kwargs["exc"], tasks.PulseSendFailed)


def test_beat_runs_the_pulse_sweep_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-pulse"]

    assert entry["task"] == "pulse.send_pulse" and entry["schedule"] == 15 * 60


def test_command_sends_what_is_due_once(pulse_on, mailoutbox, clock, capsys):
    call_command("send_pulse")
    call_command("send_pulse")

    assert len(mailoutbox) == 3
    assert "Sent 3 pulse invitation(s); 0 failed." in capsys.readouterr().out


def test_command_dry_run_lists_who_is_due_and_sends_nothing(pulse_on, mailoutbox, clock, capsys):
    call_command("send_pulse", "--dry-run")

    out = capsys.readouterr().out
    assert "mo@example.test (mo): Payments, period of 2025-03-10" in out and "3 pulse invitation(s) due now." in out
    assert mailoutbox == [] and not Invitation.objects.exists() and not Period.objects.exists()


def test_command_fails_loudly_when_mail_fails(pulse_on, settings, clock):
    settings.EMAIL_BACKEND = "tests.test_pulse_sending.RefusingBackend"

    with pytest.raises(CommandError, match="Some pulse invitations failed"):
        call_command("send_pulse")
