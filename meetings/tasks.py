"""Celery tasks of the meetings app: thin wrappers around meetings.sending."""
from celery import shared_task

from meetings import sending
from postmortems.tasks import backoff


class MeetingSendFailed(Exception):
    """Some meeting emails failed (refused by the mail server, or not built); they stay unsent."""


@shared_task(bind=True, name="meetings.send_meeting_emails", max_retries=5)
def send_meeting_emails(self):
    """Send the owed meeting emails. Safe to run at any time, twice, or concurrently."""
    result = sending.send_due_emails()
    if result.emails_failed:
        if self.request.is_eager:
            # In-process (no broker), this runs inside the request that changed the meeting, which
            # must not fail for it: the failed emails were released with their backoff and were
            # logged, and the next sweep (the beat's, or the next change's) sends them.
            return result.as_dict()
        error = MeetingSendFailed("; ".join(result.errors))
        raise self.retry(exc=error, countdown=backoff(self.request.retries))
    return {**result.as_dict(), "worker": self.request.hostname}
