"""Action items: what a post-mortem promised, who owns it, and by when."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


# The post-mortem's fields that decide who may see it, copied onto each of its items so that
# item lists and counts filter on the items' own rows instead of first collecting every
# post-mortem the reader may see (at 100,000 post-mortems that set alone is tens of thousands
# of rows, hashed by every item query). Kept current by ActionItem.save (a new item),
# PostMortem.save (a moved, re-kinded or published post-mortem) and bulk_create here;
# `manage.py rebuild_item_copies` repairs them after anything that went around those paths.


def postmortem_copies(postmortem):
    """The values an item of this post-mortem carries: {field: value}."""
    return {"postmortem_team_id": postmortem.team_id, "postmortem_kind": postmortem.kind,
            "postmortem_published": postmortem.status == "published"}


class ActionItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Action items are visible exactly when their post-mortem is (from the copied fields)."""
        from postmortems import permissions

        return self.filter(permissions.visible_item_filter(user))

    def bulk_create(self, objs, *args, **kwargs):
        """As Django's, with the post-mortem's copied fields filled in on items that lack them."""
        from postmortems.models.postmortems import PostMortem

        objs = list(objs)
        missing = {item.postmortem_id for item in objs if item.postmortem_team_id is None}
        if missing:
            found = {pm.pk: pm for pm in PostMortem.objects.filter(pk__in=missing).only("team_id", "kind", "status")}
            for item in objs:
                if item.postmortem_team_id is None and item.postmortem_id in found:
                    for field, value in postmortem_copies(found[item.postmortem_id]).items():
                        setattr(item, field, value)
        return super().bulk_create(objs, *args, **kwargs)

    def with_stale_copies(self):
        """Items whose copied fields no longer match their post-mortem (none, unless a path went around)."""
        return self.exclude(
            postmortem_team_id=models.F("postmortem__team_id"), postmortem_kind=models.F("postmortem__kind"),
            postmortem_published=models.ExpressionWrapper(
                models.Q(postmortem__status="published"), output_field=models.BooleanField()),
        )

    def refresh_postmortem_copies(self):
        """Rewrite the copied fields of these items from their post-mortems; returns how many rows changed."""
        from postmortems.models.postmortems import PostMortem

        current = PostMortem.objects.filter(pk=models.OuterRef("postmortem_id"))
        return self.with_stale_copies().update(
            postmortem_team_id=models.Subquery(current.values("team_id")[:1]),
            postmortem_kind=models.Subquery(current.values("kind")[:1]),
            postmortem_published=models.Exists(current.filter(status="published")),
        )


class ActionItem(models.Model):
    class Priority(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        WONT_DO = "wont_do", "Won't do"

    CLOSED_STATUSES = (Status.DONE, Status.WONT_DO)

    postmortem = models.ForeignKey("PostMortem", on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown. What done looks like.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Stamped by every save; the editor compares it with the value it was rendered with, so a quick
    # action taken meanwhile (mark done, new due date, new owner) is not silently overwritten.
    updated_at = models.DateTimeField(auto_now=True)
    # The action-item quality check's verdict on the wording when last saved in the editor:
    # comma-separated weaknesses (vague, vigilance, bundled), "" when it passed, NULL when never checked.
    wording_issues = models.CharField(max_length=60, null=True, blank=True, editable=False)
    # Copies of the post-mortem's team, kind and published state (see postmortem_copies above).
    postmortem_team = models.ForeignKey("Team", on_delete=models.PROTECT, related_name="+", editable=False)
    postmortem_kind = models.CharField(max_length=10, editable=False)
    postmortem_published = models.BooleanField(default=False, editable=False)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            # The dashboard's open tabs read items in due-date order and stop at a page's worth.
            models.Index(fields=["due_date", "id"], condition=Q(status__in=["open", "in_progress"]),
                         name="actionitem_open_by_due"),
            # A person's open items in due-date order: "My action items" and the digest's own items.
            models.Index(fields=["owner", "due_date", "id"], condition=Q(status__in=["open", "in_progress"]),
                         name="actionitem_open_by_owner"),
            # The "All" tab reads every item in due-date order and stops at a page's worth.
            models.Index(fields=["due_date", "id"], name="actionitem_by_due"),
            # Items done in the last weeks: the summary's completion rate and median days to done.
            models.Index(fields=["closed_at"], condition=Q(status="done"), name="actionitem_done_by_closed"),
            # Trends count the items created in a period: only that period's rows, not all history.
            models.Index(fields=["created_at"], name="actionitem_created"),
            # Open items, with what decides who may see them: overdue counts (trends, early warning,
            # digest) read only this index, never the rows of all the closed history.
            models.Index(fields=["postmortem_team", "due_date"],
                         include=["created_at", "closed_at", "postmortem_kind", "postmortem_published", "postmortem",
                                  "id"],
                         condition=Q(status__in=["open", "in_progress"]), name="actionitem_open_visibility"),
            # Items closed after a moment (done or won't do): the other half of those overdue counts.
            models.Index(fields=["closed_at"], condition=Q(closed_at__isnull=False), name="actionitem_closed"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_closed(self):
        return self.status in self.CLOSED_STATUSES

    def is_overdue(self, today=None):
        """Open work past its due date (today in the server's zone unless given)."""
        if self.is_closed or self.due_date is None:
            return False
        return self.due_date < (today or timezone.localdate())

    @property
    def passed_quality_check(self):
        return None if self.wording_issues is None else self.wording_issues == ""

    def save(self, *args, **kwargs):
        if self._state.adding or self.postmortem_team_id is None:
            for field, value in postmortem_copies(self.postmortem).items():
                setattr(self, field, value)
        # closed_at follows status so every path (form, admin, shell) keeps it right.
        if self.is_closed and self.closed_at is None:
            self.closed_at = timezone.now()
        elif not self.is_closed:
            self.closed_at = None
        super().save(*args, **kwargs)


class ActionItemChange(models.Model):
    """One recorded change to an action item: who, when, which field, from → to, and why."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=30)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.item}: {self.field} {self.old_value!r} → {self.new_value!r}"


class Reminder(models.Model):
    """A reminder owed to one person for one reason on one date.

    The unique constraint is what makes sending exactly-once: a sweep claims the
    row before sending, so a second sweep, a retried task or a second beat finds
    it taken. `sent_at` stays empty until the mail server accepted the message,
    so a claim left behind by a crashed worker is picked up again.
    """

    class Reason(models.TextChoices):
        BEFORE_DUE = "before_due", "Due soon"
        DUE_TODAY = "due_today", "Due today"
        OVERDUE = "overdue", "Overdue"
        ESCALATION = "escalation", "Overdue, escalated to lead"

    # No index of its own: the unique constraint's index starts with the item. No foreign-key
    # constraints in the database either: a first sweep inserts a row per reminder owed (150,000
    # at 100,000 open items), and PostgreSQL checked both keys of every row at commit, locking
    # each item and person row it looked up: seconds of a sweep's database time. The rows are
    # only ever written for items and people the sweep just read, and Django still deletes them
    # with their item or person (on_delete is carried out by the ORM, not the database).
    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="reminders", db_index=False,
                             db_constraint=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders",
                                  db_constraint=False)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reason_date = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "recipient", "reason", "reason_date"], name="one_reminder_per_reason"),
        ]
        # No index on sent_at or claimed_at: the sweeps find rows by their key, and recording a
        # send then rewrites the row in place (a HOT update) instead of adding an entry to every
        # index, for each of the thousands of rows a first sweep sends (see migration 0015).

    def __str__(self):
        return f"{self.get_reason_display()} for {self.item} to {self.recipient} ({self.reason_date})"
