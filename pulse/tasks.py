"""Celery tasks: thin wrappers around the pulse's functions."""
from celery import shared_task

from postmortems.tasks import backoff
from pulse import sending


class PulseSendFailed(Exception):
    """Some pulse invitations failed (refused by the mail server, or not built); they stay unsent."""


@shared_task(bind=True, name="pulse.send_pulse", max_retries=5)
def send_pulse(self):
    """The pulse invitation sweep. Safe to run at any time, twice, or concurrently."""
    result = sending.send_due_invitations()
    if result.emails_failed:
        error = PulseSendFailed("; ".join(result.errors))
        if self.request.is_eager:
            # No broker to schedule a retry on; the failed invitations were released for a later sweep.
            raise error
        raise self.retry(exc=error, countdown=backoff(self.request.retries))
    return {**result.as_dict(), "worker": self.request.hostname}
