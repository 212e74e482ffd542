"""What the accounts app owns: the audit log (invitations are added beside it)."""
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
