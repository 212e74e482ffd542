"""Celery tasks: thin wrappers around the functions that do the work."""
from celery import shared_task

from postmortems import reminders


class ReminderSendFailed(Exception):
    """Some reminder emails were not accepted by the mail server; they stay unsent."""


def backoff(retries):
    """Seconds before retry number `retries` + 1: 1, 2, 4, 8, 16 minutes."""
    return min(60 * 2 ** retries, 3600)


@shared_task(bind=True, name="postmortems.send_reminders", max_retries=5)
def send_reminders(self):
    """The reminder sweep. Safe to run at any time, twice, or concurrently."""
    result = reminders.send_due_reminders()
    if result.emails_failed:
        error = ReminderSendFailed("; ".join(result.errors))
        if self.request.is_eager:
            # In-process (no broker) there is nothing to schedule a retry on; the
            # failed reminders were released unsent, so the next sweep retries them.
            raise error
        # Released unsent, so the retried sweep picks the failed reminders up again.
        raise self.retry(exc=error, countdown=backoff(self.request.retries))
    return {**result.as_dict(), "worker": self.request.hostname}
