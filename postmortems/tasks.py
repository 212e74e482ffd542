"""Celery tasks: thin wrappers around the functions that do the work."""
from celery import shared_task

from postmortems import claims, digest, reminders, theme_tallies


class ReminderSendFailed(Exception):
    """Some reminder emails failed (refused by the mail server, or not built); they stay unsent."""


def backoff(retries):
    """Seconds before retry number `retries` + 1: 1, 2, 4, 8, 16 minutes (the rows' own backoff curve)."""
    return int(claims.retry_delay(retries + 1).total_seconds())


@shared_task(bind=True, name="postmortems.send_reminders", max_retries=5)
def send_reminders(self):
    """The reminder sweep. Safe to run at any time, twice, or concurrently."""
    result = reminders.send_due_reminders()
    if result.emails_failed:
        error = ReminderSendFailed("; ".join(result.errors))
        if self.request.is_eager:
            # In-process (no broker) there is nothing to schedule a retry on; the
            # failed reminders were released unsent, so a later sweep retries them.
            raise error
        # Each failed reminder waits out its own backoff (claims.retry_delay, the same
        # curve as this countdown); one still waiting is left to a later sweep.
        raise self.retry(exc=error, countdown=backoff(self.request.retries))
    return {**result.as_dict(), "worker": self.request.hostname}


class DigestSendFailed(Exception):
    """Some digest emails failed (refused by the mail server, or not built); they stay unsent."""


@shared_task(bind=True, name="postmortems.send_digests", max_retries=5)
def send_digests(self):
    """The weekly-digest sweep: everyone whose day and hour has passed this week. Safe to run twice."""
    result = digest.send_due_digests()
    if result.emails_failed:
        error = DigestSendFailed("; ".join(result.errors))
        if self.request.is_eager:
            raise error
        # Each failed digest waits out its own backoff (claims.retry_delay, the same
        # curve as this countdown); a digest still waiting is left to the next beat.
        raise self.retry(exc=error, countdown=backoff(self.request.retries))
    return {**result.as_dict(), "worker": self.request.hostname}


@shared_task(name="postmortems.compact_theme_tallies")
def compact_theme_tallies():
    """Fold the theme tallies' change rows (theme_tallies.py), so the themes page sums few rows."""
    return {"rows": theme_tallies.compact()}
