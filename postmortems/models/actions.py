"""Action items: what a post-mortem promised, who owns it, and by when."""
from django.conf import settings
from django.db import models
from django.utils import timezone


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

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"])]

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

    def save(self, *args, **kwargs):
        # closed_at follows status so every path (form, admin, shell) keeps it right.
        if self.is_closed and self.closed_at is None:
            self.closed_at = timezone.now()
        elif not self.is_closed:
            self.closed_at = None
        super().save(*args, **kwargs)
