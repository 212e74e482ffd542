"""Exactly-once sending: claim a row under a uniqueness constraint before sending.

Reminders and digests both work this way, and share the retry policy here. The
insert is the claim: the model's unique constraint lets exactly one sweep
create the row for a given key. A row left unsent past its lease (its sweep
died) is taken over with a compare-and-set on `claimed_at`, which only one of
several racing sweeps can win. `sent_at` is set only once the mail server has
accepted the message.

A failed send releases the claim after a per-row backoff: `claimed_at` is
pushed to `now - lease + retry_delay(attempts)`, so the claim lapses once the
delay has passed (1, 2, 4, … minutes, then hourly). A row is given up only
after MAX_SEND_ATTEMPTS failures, which with that backoff is about a day of
retrying (see `retry_horizon`): a mail server down for an afternoon must not
cost anyone that day's reminder, while an address that is refused for good
must not keep every sweep busy forever.
"""
import logging
import smtplib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

# Give up after this many failed sends. With `retry_delay` the attempts span
# about 24 hours (1+2+4+8+16+32 minutes, then 23 hourly retries): long enough to
# ride out an SMTP outage, short enough that the next reason or week starts afresh.
MAX_SEND_ATTEMPTS = 30
# The longest wait between two attempts.
MAX_RETRY_DELAY = timedelta(hours=1)
# What a mail server's refusal or a network error raises. These are expected and
# logged as warnings; any other exception while building or sending one email
# is a bug, logged with its traceback, and fails only that email.
SEND_ERRORS = (smtplib.SMTPException, OSError)


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed send: 1, 2, 4, … minutes, at most an hour."""
    minutes = 2 ** min(max(attempts - 1, 0), 6)  # 64 minutes already exceeds the cap
    return min(timedelta(minutes=minutes), MAX_RETRY_DELAY)


def retry_horizon():
    """How long a row is retried for, from its first failed send to its last attempt."""
    return sum((retry_delay(n) for n in range(1, MAX_SEND_ATTEMPTS)), timedelta())


def claim(model, key, *, now, lease):
    """Take the row for `key` (field → value) for this sweep: its id if ours, None if someone has it."""
    try:
        with transaction.atomic():
            return model.objects.create(**key, claimed_at=now).pk
    except IntegrityError:
        pass
    stale = (
        model.objects.filter(
            **key, sent_at__isnull=True,
            claimed_at__lte=now - lease, attempts__lt=MAX_SEND_ATTEMPTS,
        )
        .values_list("pk", "claimed_at")
        .first()
    )
    if stale is None:
        return None
    pk, claimed_at = stale
    taken = model.objects.filter(pk=pk, sent_at__isnull=True, claimed_at=claimed_at).update(claimed_at=now)
    return pk if taken else None


def is_taken(*, sent_at, claimed_at, attempts, now, lease):
    """Whether a row needs nothing from this sweep: sent, held by a live claim or backing off, or given up."""
    return sent_at is not None or claimed_at > now - lease or attempts >= MAX_SEND_ATTEMPTS


def record_sent(model, ids):
    """The mail server accepted the email for these claimed rows."""
    model.objects.filter(pk__in=ids).update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")


def record_failure(model, ids, *, now, lease, error):
    """Release these claimed rows unsent, each to be retaken after its own backoff.

    Returns the highest attempt count among them. Rows reaching MAX_SEND_ATTEMPTS
    are given up and logged as errors.
    """
    attempts_now = model.objects.filter(pk__in=ids, sent_at__isnull=True).values_list("pk", "attempts")
    by_attempts = {}
    for pk, attempts in attempts_now:
        by_attempts.setdefault(attempts + 1, []).append(pk)
    # One update per distinct count (an email's rows rarely have more than one or two).
    for attempts, pks in by_attempts.items():
        # A claim counts as live until claimed_at + lease; this makes it lapse after the delay.
        model.objects.filter(pk__in=pks, sent_at__isnull=True, attempts=attempts - 1).update(
            claimed_at=now - lease + retry_delay(attempts), attempts=attempts, last_error=repr(error)[:2000],
        )
        if attempts >= MAX_SEND_ATTEMPTS:
            for pk in pks:
                logger.error("Giving up on %s %s after %d failed attempts", model._meta.verbose_name, pk, attempts)
    return max(by_attempts, default=0)

