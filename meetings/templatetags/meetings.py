"""The review meeting's panel on the post-mortem page."""
from django import template

from meetings import scheduling
from meetings.models import ReviewMeeting

register = template.Library()


@register.inclusion_tag("meetings/partials/review_meeting.html", takes_context=True)
def review_meeting(context, postmortem):
    """The post-mortem's active review meeting (times in the viewer's zone) and, for its editors, the buttons."""
    request = context["request"]
    meeting = (
        ReviewMeeting.objects.active().filter(postmortem=postmortem).select_related("organiser")
        .prefetch_related("invitees").first()
    )
    return {
        "postmortem": postmortem,
        "meeting": meeting,
        "can_schedule": scheduling.can_schedule(request.user, postmortem),
        "csrf_token": context.get("csrf_token"),
    }
