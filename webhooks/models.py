"""Outgoing webhooks: a team's endpoints, the events recorded for them, and each delivery.

An `Event` is written in the same transaction as the change it reports (the outbox
pattern), so a change that commits is always reported and one rolled back never is.
A `Delivery` per (event, endpoint) carries the claim fields of `postmortems.claims`
(`claimed_at`, `sent_at`, `attempts`, `last_error`), which is what makes each event
reach each endpoint once even with parallel or killed workers.
"""
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from postmortems.models import ActionItem, PostMortem, Team

PUBLISHED = "postmortem.published"
ITEM_CREATED = "action_item.created"
ITEM_OVERDUE = "action_item.overdue"
ITEM_DONE = "action_item.done"
EVENT_KINDS = [
    (PUBLISHED, "Post-mortem published"),
    (ITEM_CREATED, "Action item created"),
    (ITEM_OVERDUE, "Action item overdue"),
    (ITEM_DONE, "Action item done"),
]


def new_secret():
    """A signing secret: 32 random bytes, URL-safe so it can be pasted into any receiver's settings."""
    return "whsec_" + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    """Where one team's events go, in which format, signed with which secret."""

    class Format(models.TextChoices):
        DEBRIEF = "debrief", "Debrief JSON"
        SLACK = "slack", "Slack-compatible message"
        TEXT = "text", "Plain text (Mattermost, Teams)"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    name = models.CharField(max_length=100, help_text="For you: where this goes, e.g. “#payments-incidents”.")
    url = models.URLField("URL", max_length=2000)
    events = models.JSONField(default=list)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.DEBRIEF)
    secret = models.CharField(max_length=100, default=new_secret)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.team})"

    def get_absolute_url(self):
        return reverse("webhooks:edit", args=[self.team.slug, self.pk])

    def wants(self, kind):
        return self.enabled and kind in self.events

    def event_labels(self):
        labels = dict(EVENT_KINDS)
        return [labels[kind] for kind in self.events if kind in labels]


class Event(models.Model):
    """Something that happened, with what receivers may be told about it, frozen when it happened."""

    kind = models.CharField(max_length=40, choices=EVENT_KINDS)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_events")
    # Kept when the post-mortem or item is deleted: the event happened, and its data says what it was.
    postmortem = models.ForeignKey(PostMortem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    item = models.ForeignKey(ActionItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Events that may happen only once (a publication, an item overdue for a given due date) carry
    # a key, and the unique constraint turns a second recording into nothing.
    key = models.CharField(max_length=120, null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["key"], name="one_webhook_event_per_key")]
        indexes = [models.Index(fields=["created_at"], name="webhook_event_created")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class Delivery(models.Model):
    """One event to one endpoint; its unique constraint and claim fields make sending exactly-once."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The fields of postmortems.claims, with the same meaning as on Reminder and digest rows.
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The last time a lead asked for this delivery to be sent again, and who.
    resent_at = models.DateTimeField(null=True, blank=True)
    resent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")]

    def __str__(self):
        return f"{self.event} to {self.endpoint}"


class Attempt(models.Model):
    """One HTTP request of a delivery and what came back, for the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error
