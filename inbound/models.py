"""What Debrief keeps about the outside world: alert endpoints, alerted incidents and tracker links."""
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from inbound import sources


def new_token():
    """A URL-safe secret long enough that guessing an endpoint is hopeless (256 bits)."""
    return secrets.token_urlsafe(32)


class AlertEndpoint(models.Model):
    """A team's inbound alert URL; its token is the credential, so leads can rotate it."""

    team = models.OneToOneField("postmortems.Team", on_delete=models.CASCADE, related_name="alert_endpoint")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    # Optional second check: PagerDuty's v1 HMAC signature, or `Authorization: Bearer <secret>`.
    signing_secret = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Alert endpoint of {self.team}"

    def get_absolute_url(self):
        return reverse("inbound:alerts", args=[self.token])

    def rotate(self):
        """Give the endpoint a new token; the old URL stops working at once."""
        self.token = new_token()
        self.rotated_at = timezone.now()
        self.save(update_fields=["token", "rotated_at"])


class InboundIncident(models.Model):
    """One incident of an alerting tool, and the draft post-mortem it started.

    The unique constraint is what deduplicates: a redelivered or concurrent webhook for the
    same incident cannot insert a second row, so it updates the first draft instead.
    """

    Source = models.TextChoices("Source", [(key, label) for key, label in sources.SOURCES.items()])

    team = models.ForeignKey("postmortems.Team", on_delete=models.CASCADE, related_name="inbound_incidents")
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(max_length=255)
    postmortem = models.ForeignKey("postmortems.PostMortem", on_delete=models.CASCADE, related_name="inbound_incidents")
    # The keys of the events already put on the timeline, so a redelivery adds nothing twice.
    seen_events = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "source", "external_id"], name="one_draft_per_inbound_incident"),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.external_id}"


class TrackerLink(models.Model):
    """The issue in Jira, GitHub or GitLab that tracks an action item (one per item)."""

    class Tracker(models.TextChoices):
        GITHUB = "github", "GitHub"
        GITLAB = "gitlab", "GitLab"
        JIRA = "jira", "Jira"

    item = models.OneToOneField("postmortems.ActionItem", on_delete=models.CASCADE, related_name="tracker_link")
    url = models.URLField(max_length=500)
    tracker = models.CharField(max_length=10, choices=Tracker.choices)
    # The issue's identity as every webhook of its tracker can rebuild it (see trackers.issue_key).
    issue_key = models.CharField(max_length=500, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.url
