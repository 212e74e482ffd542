"""Invitations: a team lead invites addresses; whoever opens the link joins the team once.

The link is a signed token naming the invitation and its current nonce. Whether it still
works is decided by the row (not accepted, not revoked, not expired, nonce unchanged), and
accepting takes the row with one conditional UPDATE, so of two people racing for one link
exactly one joins; the other sees that it was already used.
"""
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts import audit
from accounts.models import Invitation
from postmortems import mail
from postmortems.models import Membership

SALT = "accounts.invitation"
# Addresses may be separated by commas, semicolons, spaces or new lines.
ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")
MAX_ADDRESSES = 50


class InvitationUnavailable(Exception):
    """The link no longer works: `state` says why ('accepted', 'revoked', 'expired', 'invalid')."""

    def __init__(self, state):
        super().__init__(state)
        self.state = state


def lifetime():
    return timedelta(days=settings.INVITATION_DAYS)


def normalise_email(address):
    return address.strip().lower()


def parse_addresses(text):
    """(valid addresses, invalid entries) from what a lead typed, each address once, in order."""
    valid, invalid = [], []
    for entry in ADDRESS_SEPARATORS.split(text or ""):
        if not entry:
            continue
        address = normalise_email(entry)
        try:
            validate_email(address)
        except ValidationError:
            invalid.append(entry)
            continue
        if address not in valid:
            valid.append(address)
    return valid, invalid


# Tokens ------------------------------------------------------------------------

def link_token(invitation):
    """The secret part of the invitation's link (changes whenever the nonce does)."""
    return signing.dumps([invitation.pk, invitation.nonce], salt=SALT, compress=False)


def link_url(invitation):
    return settings.SITE_URL + reverse("accounts:invitation", args=[link_token(invitation)])


def from_token(token):
    """The invitation this token names, whatever its state; raises InvitationUnavailable('invalid')."""
    try:
        pk, nonce = signing.loads(token, salt=SALT)
    except (signing.BadSignature, TypeError, ValueError):
        raise InvitationUnavailable("invalid") from None
    invitation = Invitation.objects.select_related("team", "invited_by").filter(pk=pk).first()
    # A resent invitation has a new nonce: the earlier link is as good as unknown.
    if invitation is None or not constant_time_compare(str(nonce), invitation.nonce):
        raise InvitationUnavailable("invalid")
    return invitation


def check_usable(invitation, now=None):
    """Raise InvitationUnavailable unless this invitation's link can still be accepted."""
    state = invitation.state(now or timezone.now())
    if state != "pending":
        raise InvitationUnavailable(state)


# Inviting --------------------------------------------------------------------------

@dataclass
class InviteResult:
    invited: list = field(default_factory=list)
    resent: list = field(default_factory=list)
    already_members: list = field(default_factory=list)
    invalid: list = field(default_factory=list)


def invite(team, addresses, role, *, by, request=None, now=None):
    """Invite each address to `team` with `role`; an address with an open invitation gets it resent.

    Emails go out after the transaction commits (`send_after_commit`), so a worker never looks
    for an invitation that is not yet there.
    """
    now = now or timezone.now()
    result = InviteResult()
    members = {normalise_email(e) for e in team.members.filter(is_active=True).values_list("email", flat=True) if e}
    for address in addresses:
        if address in members:
            result.already_members.append(address)
            continue
        try:
            _invite_one(team, address, role, by=by, request=request, now=now, result=result)
        except IntegrityError:
            # Another lead invited the same address at the same moment: theirs stands.
            result.resent.extend(Invitation.objects.pending().filter(team=team, email=address))
    return result


def _invite_one(team, address, role, *, by, request, now, result):
    with transaction.atomic():
        open_one = Invitation.objects.select_for_update().pending().filter(team=team, email=address).first()
        if open_one is not None:
            open_one.role = role
            _renew(open_one, by=by, request=request, now=now, action="invitation.resent")
            result.resent.append(open_one)
            return
        invitation = Invitation.objects.create(
            team=team, email=address, role=role, nonce=secrets.token_urlsafe(24), invited_by=by,
            expires_at=now + lifetime(),
        )
        audit.record("invitation.sent", f"Invited {address} to {team} as {invitation.get_role_display().lower()}",
                     actor=by, request=request, target_name=address, team=team, role=role, invitation=invitation.pk)
        send_after_commit(invitation)
        result.invited.append(invitation)


def resend(invitation, *, by, request=None, now=None):
    """A fresh link (the old one stops working) valid for another INVITATION_DAYS, emailed again."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise InvitationUnavailable(invitation.state(now))
        _renew(invitation, by=by, request=request, now=now, action="invitation.resent")
    return invitation


def _renew(invitation, *, by, request, now, action):
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.expires_at = now + lifetime()
    invitation.sent_at = None
    invitation.send_attempts = 0
    invitation.last_send_error = ""
    invitation.save(update_fields=["nonce", "expires_at", "sent_at", "send_attempts", "last_send_error", "role"])
    audit.record(action, f"Sent the invitation of {invitation.email} to {invitation.team} again", actor=by,
                 request=request, target_name=invitation.email, team=invitation.team, invitation=invitation.pk)
    send_after_commit(invitation)


def revoke(invitation, *, by, request=None, now=None):
    """End a pending invitation: its link shows that it was withdrawn. False if it was already over."""
    now = now or timezone.now()
    changed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now)
    if not changed:
        return False
    audit.record("invitation.revoked", f"Withdrew the invitation of {invitation.email} to {invitation.team}",
                 actor=by, request=request, target_name=invitation.email, team=invitation.team,
                 invitation=invitation.pk)
    return True


# Sending ----------------------------------------------------------------------------

def send_after_commit(invitation):
    from accounts import tasks

    pk = invitation.pk
    transaction.on_commit(lambda: tasks.send_invitation.delay(pk))


def invitation_email(invitation):
    return mail.build_email(
        to=invitation.email,
        subject=f"You are invited to join {invitation.team} on Debrief",
        template="accounts/emails/invitation",
        context={
            "invitation": invitation,
            "team": invitation.team,
            "inviter": invitation.inviter_name,
            "url": link_url(invitation),
            "days": settings.INVITATION_DAYS,
        },
    )


def deliver(invitation_id, *, now=None):
    """Email a pending invitation's current link and note the outcome on it.

    Returns False when there is nothing to send (accepted, revoked, expired, already sent).
    A refused send (claims.SEND_ERRORS) is recorded and re-raised for the task to retry.
    """
    from postmortems.claims import SEND_ERRORS

    now = now or timezone.now()
    invitation = Invitation.objects.select_related("team", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.sent_at is not None or invitation.state(now) != "pending":
        return False
    nonce = invitation.nonce
    try:
        invitation_email(invitation).send()
    except SEND_ERRORS as error:
        Invitation.objects.filter(pk=invitation.pk).update(
            send_attempts=invitation.send_attempts + 1, last_send_error=repr(error)[:300])
        raise
    # Only for the link just sent: a resend meanwhile has its own email on the way.
    Invitation.objects.filter(pk=invitation.pk, nonce=nonce).update(
        sent_at=now, send_attempts=invitation.send_attempts + 1, last_send_error="")
    return True


# Accepting ----------------------------------------------------------------------------

def existing_account(invitation):
    """An account with the invited address, if there is one (it must sign in to accept)."""
    return get_user_model().objects.filter(email__iexact=invitation.email).order_by("-is_active", "pk").first()


def is_for(invitation, user):
    return bool(user.email) and normalise_email(user.email) == invitation.email


def accept(invitation, *, user=None, new_account=None, request=None, now=None):
    """Join the invitation's team, as `user` (signed in, with the invited address) or as a new account.

    `new_account` holds username, first_name, last_name and password for a person without one.
    Returns (user, membership). Raises InvitationUnavailable when the link was used, revoked or
    expired meanwhile, and IntegrityError when the chosen username was taken meanwhile.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The conditional UPDATE locks the row: a racing accept waits for us, then finds it taken.
        claimed = Invitation.objects.usable(now).filter(pk=invitation.pk, nonce=invitation.nonce).update(
            accepted_at=now)
        if not claimed:
            invitation.refresh_from_db()
            raise InvitationUnavailable(invitation.state(now) if invitation.state(now) != "pending" else "invalid")
        if user is None:
            user = _create_account(invitation, new_account, request=request)
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        membership = _join(invitation, user, request=request)
        audit.record("invitation.accepted", f"{user.get_username()} accepted the invitation to {invitation.team}",
                     actor=user, request=request, target_user=user, team=invitation.team,
                     invitation=invitation.pk, email=invitation.email)
    invitation.accepted_at, invitation.accepted_by = now, user
    return user, membership


def _create_account(invitation, data, *, request):
    with transaction.atomic():  # a savepoint: a username taken meanwhile rolls back only this
        user = get_user_model().objects.create_user(
            username=data["username"], email=invitation.email, password=data["password"],
            first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
        )
    audit.record("account.created", f"Account {user.get_username()} created from an invitation to {invitation.team}",
                 actor=user, request=request, target_user=user, team=invitation.team, invitation=invitation.pk)
    return user


def _join(invitation, user, *, request):
    """Add the membership; an invitation as lead promotes a member, and never demotes a lead."""
    membership, created = Membership.objects.get_or_create(
        team=invitation.team, user=user, defaults={"role": invitation.role})
    if created:
        audit.record("membership.added", f"{user.get_username()} joined {invitation.team} as {membership.role}",
                     actor=user, request=request, target_user=user, team=invitation.team, role=membership.role,
                     via="invitation")
    elif invitation.role == Membership.Role.LEAD and membership.role != Membership.Role.LEAD:
        membership.role = Membership.Role.LEAD
        membership.save(update_fields=["role"])
        audit.record("membership.role_changed", f"{user.get_username()} became a lead of {invitation.team}",
                     actor=user, request=request, target_user=user, team=invitation.team, role=membership.role,
                     via="invitation")
    return membership

