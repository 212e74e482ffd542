"""What the accounts app owns: the audit log (invitations are added beside it)."""
import time

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One change to accounts, memberships, roles, invitations or sign-in safety: who, what, when, from where.

    Written by accounts.audit.record(); never edited. The actor and target are kept as text too,
    so the log still reads right after an account is renamed or removed.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_name = models.CharField(max_length=254, blank=True)
    team = models.ForeignKey("postmortems.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.CharField(max_length=300)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.summary}"


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        """Neither accepted nor revoked (expired ones included: a lead may resend them)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def usable(self, now):
        """Pending and not expired: the only invitations whose link still works."""
        return self.pending().filter(expires_at__gt=now)


class Invitation(models.Model):
    """An offer to join a team with a role, sent to an email address as a single-use link.

    The link is `accounts.invitations.link_token`: this row's id and a random nonce, signed with
    SECRET_KEY, so it can be neither guessed nor forged from the database alone. Resending
    replaces the nonce, so an earlier email stops working; accepting or revoking ends it for good.
    """

    class Role(models.TextChoices):
        # The same values as Membership.Role, so an accepted invitation maps straight onto it.
        MEMBER = "member", "Member"
        LEAD = "lead", "Lead"

    team = models.ForeignKey("postmortems.Team", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    nonce = models.CharField(max_length=64)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_send_error = models.CharField(max_length=300, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and team: inviting again resends it instead.
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_team_and_address",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked_not_both",
            ),
        ]

    def __str__(self):
        return f"Invitation of {self.email} to {self.team_id} as {self.role}"

    @property
    def inviter_name(self):
        inviter = self.invited_by
        if inviter is None:
            return ""
        return inviter.get_full_name() or inviter.get_username()

    def state(self, now):
        """'accepted', 'revoked', 'expired' or 'pending' at `now`."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"


class OrganisationPolicy(models.Model):
    """Organisation-wide sign-in rules set by organisation admins: one row, read with current()."""

    require_two_factor = models.BooleanField(
        default=False, help_text="Local accounts must set up two-factor authentication before using Debrief.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name_plural = "organisation policy"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_organisation_policy")]

    def __str__(self):
        return "Organisation policy"

    @classmethod
    def current(cls):
        """The policy in force (defaults until an admin changes something)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @classmethod
    def requires_two_factor(cls):
        """require_two_factor, read at most every POLICY_CACHE_SECONDS per process.

        The two-factor middleware asks on every signed-in request; a query each time cost every
        page. Saving the policy refreshes this process at once; other processes within seconds.
        """
        value, read_at = _policy_cache.get("two_factor", (None, 0.0))
        if value is None or time.monotonic() - read_at > POLICY_CACHE_SECONDS:
            value = cls.current().require_two_factor
            _policy_cache["two_factor"] = (value, time.monotonic())
        return value

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _policy_cache.clear()


# How stale another process's view of the policy may be.
POLICY_CACHE_SECONDS = 10
_policy_cache = {}
