"""Celery tasks of the accounts app: thin wrappers around accounts.invitations."""
from celery import shared_task

from accounts import invitations
from postmortems.claims import SEND_ERRORS, retry_delay


@shared_task(bind=True, name="accounts.send_invitation", max_retries=6)
def send_invitation(self, invitation_id):
    """Email one invitation's link; a refused send is retried with the reminders' backoff."""
    try:
        return {"sent": invitations.deliver(invitation_id)}
    except SEND_ERRORS as error:
        if self.request.is_eager:
            # In-process there is no broker to retry on: the failure is on the invitation,
            # and the team page offers "Resend".
            return {"sent": False, "error": repr(error)}
        raise self.retry(exc=error, countdown=int(retry_delay(self.request.retries + 1).total_seconds()))
