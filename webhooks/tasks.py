"""Celery tasks: thin wrappers around webhooks.delivery and webhooks.events."""
from celery import shared_task

from postmortems.tasks import backoff
from webhooks import delivery, events


class WebhookDeliveryFailed(Exception):
    """Some webhook deliveries failed; each waits out its own backoff before a sweep retries it."""


@shared_task(bind=True, name="webhooks.deliver_webhooks", max_retries=5)
def deliver_webhooks(self):
    """Record newly overdue items, then deliver everything owed. Safe to run at any time, twice, or at once."""
    overdue = events.record_overdue()
    result = delivery.deliver_due()
    if result.failed and not self.request.is_eager:
        # In-process (eager) there is no broker to retry on: the rows' own backoff and the beat do it.
        raise self.retry(exc=WebhookDeliveryFailed("; ".join(result.errors)), countdown=backoff(self.request.retries))
    return {**result.as_dict(), "overdue_recorded": overdue, "worker": self.request.hostname}
