from django.contrib import admin

from meetings.models import MeetingEmail, ReviewMeeting


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "starts_at", "duration_minutes", "sequence", "cancelled_at"]
    raw_id_fields = ["postmortem", "organiser", "invitees"]


@admin.register(MeetingEmail)
class MeetingEmailAdmin(admin.ModelAdmin):
    """Which calendar emails went out; a row without sent_at is claimed or awaiting a retry."""

    list_display = ["meeting", "person", "sequence", "sent_at", "attempts", "last_error"]
    raw_id_fields = ["meeting", "person"]
