"""Near-miss reports: "something almost went wrong", told before it does."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from postmortems import permissions


class NearMissQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only way views fetch near misses: what this person may read."""
        return self.filter(permissions.near_miss_visible_filter(user))

    def triageable_by(self, user):
        """The reports this person triages: those of the teams they lead."""
        return self.filter(permissions.near_miss_triage_filter(user))


class NearMiss(models.Model):
    class Kind(models.TextChoices):
        TECHNICAL = "technical", "Technical"
        PEOPLE = "people", "People"

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DISMISSED = "dismissed", "Dismissed"
        PROMOTED = "promoted", "Promoted to a post-mortem"

    # Random, not sequential: an anonymous report's place in a numbered sequence would
    # fall between named reports whose times are stored, and so give its time away.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A team's reports go with it, as its own themes do.
    team = models.ForeignKey("postmortems.Team", on_delete=models.CASCADE, related_name="near_misses")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TECHNICAL)
    what_happened = models.TextField("what happened")
    what_stopped_it = models.TextField("what stopped it")
    likelier_next_time = models.TextField("what could make it likelier next time")

    anonymous = models.BooleanField(default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    # The UTC day for every report; the moment only for named ones, so an anonymous report
    # cannot be matched to the time someone was seen using the app.
    reported_on = models.DateField()
    reported_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    themes = models.ManyToManyField("postmortems.Theme", blank=True, related_name="near_misses")
    dismiss_reason = models.TextField(blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    # A promoted report lives on as its post-mortem, which holds its words: deleting the post-mortem
    # deletes the report too, rather than leave a "promoted" report pointing at nothing.
    promoted_to = models.OneToOneField(
        "postmortems.PostMortem", null=True, blank=True, on_delete=models.CASCADE, related_name="near_miss",
    )

    objects = NearMissQuerySet.as_manager()

    class Meta:
        verbose_name = "near miss"
        verbose_name_plural = "near misses"
        ordering = ["-reported_on", "id"]
        indexes = [
            models.Index(fields=["team", "status", "-reported_on"], name="nearmiss_team_status_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["technical", "people"]), name="nearmiss_kind_known"),
            models.CheckConstraint(
                condition=Q(status__in=["new", "acknowledged", "dismissed", "promoted"]), name="nearmiss_status_known",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(reporter__isnull=True, reported_at__isnull=True),
                name="nearmiss_anonymous_stores_no_reporter_or_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""), name="nearmiss_dismissed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="promoted", promoted_to__isnull=False) | (
                    ~Q(status="promoted") & Q(promoted_to__isnull=True)
                ),
                name="nearmiss_promoted_iff_postmortem",
            ),
            models.CheckConstraint(
                condition=Q(status="new") | Q(triaged_at__isnull=False), name="nearmiss_triaged_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(what_happened="") & ~Q(what_stopped_it="") & ~Q(likelier_next_time=""),
                name="nearmiss_texts_not_empty",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} near miss in {self.team} on {self.reported_on:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("nearmisses:detail", args=[self.pk])

    @property
    def is_restricted(self):
        return self.kind == self.Kind.PEOPLE

    @property
    def is_open(self):
        """Still open to triage: anything but promoted (a promoted report has its post-mortem)."""
        return self.status != self.Status.PROMOTED

    @property
    def title(self):
        """A short title from the first line of what happened."""
        first_line = self.what_happened.strip().splitlines()[0] if self.what_happened.strip() else ""
        return first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"
