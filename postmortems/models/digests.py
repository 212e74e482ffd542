"""The weekly digest: one record per person per week."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class Digest(models.Model):
    """This week's digest for one person: claimed, then sent.

    The unique constraint on (person, week) is what makes the digest
    exactly-once: a sweep creates the row *before* sending, so a second sweep,
    a retried task or a second beat finds it taken. `sent_at` is set only once
    the mail server accepted the message, so a claim left behind by a crashed
    worker is taken over after a lease. `week` is the Monday of the ISO week in
    the person's own time zone.
    """

    # No index of its own: the unique constraint's index starts with the person.
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests",
                               db_index=False)
    week = models.DateField(help_text="Monday of the ISO week, in the person's time zone.")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-week", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "week"], name="one_digest_per_person_week")]
        # No index on sent_at, so that recording a send is an in-place (HOT) update (see Reminder).

    def __str__(self):
        state = "sent" if self.sent_at else "not sent"
        return f"Digest for {self.person} for the week of {self.week:%Y-%m-%d} ({state})"
