"""What people told the blame-language check, and the organisation's own words for it."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from postmortems import permissions
from postmortems.blame import CATEGORIES

SENTENCE_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 1000
FINDING_TEXT_MAX_LENGTH = 300
TERM_MAX_LENGTH = 100
TERM_NOTE_MAX_LENGTH = 300
CATEGORY_CHOICES = [(slug, slug.replace("_", " ").capitalize()) for slug in CATEGORIES]


class BlameFeedbackQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Feedback on the post-mortems this person may see."""
        return self.filter(permissions.feedback_visible_filter(user))

    def reviewable_by(self, user):
        """The only way views fetch feedback to review: what this person leads and may see."""
        return self.filter(permissions.feedback_review_filter(user))


class BlameFeedback(models.Model):
    """One person's word on one sentence: a finding that is not blame there, or blame the check missed."""

    class Kind(models.TextChoices):
        NOT_BLAME = "not_blame", "Not blame"
        IS_BLAME = "is_blame", "Missed blame"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    postmortem = models.ForeignKey("postmortems.PostMortem", on_delete=models.CASCADE, related_name="blame_feedback")
    section = models.CharField(max_length=40)
    sentence = models.CharField(max_length=SENTENCE_MAX_LENGTH)
    # Short hash of the normalised sentence: what the uniqueness constraint compares, since
    # an index on the sentence itself would be large and case- and spacing-sensitive.
    sentence_hash = models.CharField(max_length=16)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    finding_category = models.CharField(max_length=30, blank=True, choices=CATEGORY_CHOICES)
    finding_text = models.CharField(max_length=FINDING_TEXT_MAX_LENGTH, blank=True)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = BlameFeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "blame feedback"
        indexes = [models.Index(fields=["postmortem", "kind", "status"])]
        constraints = [
            # A second click (or a second tab) stores nothing new for the same person and sentence.
            models.UniqueConstraint(
                fields=["postmortem", "section", "sentence_hash", "kind", "created_by"],
                name="one_feedback_per_person_sentence_and_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=["not_blame", "is_blame"]), name="feedback_kind_known"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]), name="feedback_status_known"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.sentence[:60]}"

    def decide(self, status, *, by):
        """A lead accepts or rejects this feedback (and may change their mind later)."""
        if status not in (self.Status.ACCEPTED, self.Status.REJECTED):
            raise ValueError(f"Unknown decision {status!r}")
        self.status, self.reviewed_by, self.reviewed_at = status, by, timezone.now()
        self.save(update_fields=["status", "reviewed_by", "reviewed_at"])


class VocabularyTerm(models.Model):
    """A word the organisation never wants flagged (a product called "Simple") or wants flagged too."""

    class Action(models.TextChoices):
        ALLOW = "allow", "Never flag"
        FLAG = "flag", "Flag"

    term = models.CharField(max_length=TERM_MAX_LENGTH)
    action = models.CharField(max_length=5, choices=Action.choices)
    category = models.CharField(max_length=30, blank=True, choices=CATEGORY_CHOICES)
    note = models.CharField(max_length=TERM_NOTE_MAX_LENGTH, blank=True,
                            help_text="Shown to authors with each finding of a flagged term.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = [Lower("term")]
        constraints = [
            # "Blame" and "blame" are one term to the detector, so one row in the schema.
            models.UniqueConstraint(Lower("term"), name="vocabulary_term_unique_any_case"),
            models.CheckConstraint(condition=Q(action__in=["allow", "flag"]), name="vocabulary_action_known"),
            models.CheckConstraint(
                condition=Q(action="allow", category="") | Q(action="flag", category__in=CATEGORIES),
                name="vocabulary_flag_has_category",
            ),
        ]

    def __str__(self):
        return self.term
