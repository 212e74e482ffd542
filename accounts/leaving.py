"""When someone leaves: their account is switched off, never deleted.

Everything they wrote, every revision and every history entry stays attributed to them.
Their open action items are "needs a new owner" for the team's leads (`postmortems.actions.needing_new_owner`),
and the reminders about those items go to the leads (postmortems.reminders).
"""
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts import audit
from postmortems.models import ActionItem


class CannotDeactivateSelf(Exception):
    """An admin switching off their own account would lock themselves out mid-request."""


def end_sessions(user):
    """Delete every live session signed in as `user`; returns how many.

    Django already refuses an inactive user on their next request (ModelBackend), but deleting
    the sessions ends them now and for every device. Sessions are signed blobs, so finding a
    person's means decoding each live one: fine at an organisation's size.
    """
    ended = 0
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_id:
            session.delete()
            ended += 1
    return ended


def deactivate(user, *, by, request=None):
    """Switch an account off (keeping all it wrote) and end its sessions. False if already off."""
    if by is not None and by.pk == user.pk:
        raise CannotDeactivateSelf("You cannot deactivate your own account.")
    if not user.is_active:
        return False
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = end_sessions(user)
        open_items = ActionItem.objects.filter(owner=user).exclude(status__in=ActionItem.CLOSED_STATUSES).count()
        audit.record("account.deactivated", f"Deactivated {user.get_username()}", actor=by, request=request,
                     target_user=user, sessions_ended=ended, open_action_items=open_items)
    return True


def reactivate(user, *, by, request=None):
    """Let a returning person sign in again. False if the account was already active."""
    if user.is_active:
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record("account.reactivated", f"Reactivated {user.get_username()}", actor=by, request=request,
                 target_user=user)
    return True
