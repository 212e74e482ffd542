"""A post-mortem's review meeting, and the calendar emails owed to its invitees."""
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MIN_MINUTES = 5
MAX_MINUTES = 8 * 60


def new_uid():
    # Calendars match an update or a cancellation to the event by this value, so it never changes.
    return f"{uuid.uuid4()}@debrief"


class ReviewMeetingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(cancelled_at__isnull=True)


class ReviewMeeting(models.Model):
    """A proposed time to review a post-mortem together, sent to invitees as a calendar invitation."""

    postmortem = models.ForeignKey("postmortems.PostMortem", on_delete=models.CASCADE, related_name="review_meetings")
    uid = models.CharField("calendar UID", max_length=100, unique=True, default=new_uid, editable=False)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    location = models.CharField(max_length=300, blank=True, help_text="A room, or the video call's link.")
    invitees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="review_meetings", blank=True)
    # Calendars apply an update or a cancellation only if its SEQUENCE is higher than what they hold.
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            # Two leads proposing at once cannot leave a post-mortem with two live meetings.
            models.UniqueConstraint(fields=["postmortem"], condition=Q(cancelled_at__isnull=True),
                                    name="one_active_review_meeting"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=MIN_MINUTES, duration_minutes__lte=MAX_MINUTES),
                                   name="review_meeting_duration_in_range"),
        ]

    def __str__(self):
        return f"Review of {self.postmortem} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None


class MeetingEmail(models.Model):
    """One calendar email owed to one person for one version (`sequence`) of a meeting: claimed, then sent.

    The fields and their meaning are those of `postmortems.Digest`, so the shared claims
    (`postmortems.claims`) send it exactly once and retry a refused one with backoff. Whether it is
    an invitation or a cancellation is read from the meeting when it is sent: a cancelled meeting,
    or a person no longer invited, gets a cancellation.
    """

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="emails", db_index=False)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting_id", "sequence", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person", "sequence"], name="one_meeting_email_per_version"),
        ]
        # The sweep reads the unsent rows only: a small index however many were ever sent.
        indexes = [models.Index(fields=["claimed_at"], condition=Q(sent_at__isnull=True), name="meeting_email_unsent")]

    @property
    def key(self):
        return (self.meeting_id, self.person_id, self.sequence)

    def __str__(self):
        state = "sent" if self.sent_at else "not sent"
        return f"Meeting email for {self.person} about {self.meeting} (version {self.sequence}, {state})"
